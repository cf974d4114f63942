/**
 * The batch mode (`plugin/pkg/audit/buffered`): events are queued in a bounded buffer and handed
 * to the delegate in batches of up to max-size, when that many are queued or max-wait has passed
 * (max-wait applies only when batches are larger than one). A full buffer drops events and counts
 * them as `apiserver_audit_error_total{plugin="buffered"}` ("audit buffer queue blocked"). An
 * optional token bucket limits batches per second. Async delegates (the webhook) may have several
 * batches in flight; sync ones (the log file) get one batch at a time. `shutdown` flushes all.
 */
import type { AuditBackend, PluginErrorHandler, ProcessResult } from './backend.js';
import type { AuditEvent } from './types.js';

/** The plugin name in metrics. */
export const BUFFERED_PLUGIN_NAME = 'buffered';

/** kube's `BatchConfig`; durations in milliseconds. */
export interface BatchConfig {
  readonly bufferSize: number;
  readonly maxBatchSize: number;
  readonly maxBatchWaitMs: number;
  readonly throttleEnable: boolean;
  readonly throttleQPS: number;
  readonly throttleBurst: number;
  /** Send batches without waiting for the previous one (webhook: true, log: false). */
  readonly asyncDelegate: boolean;
}

/** A token bucket like client-go's `NewTokenBucketRateLimiter(qps, burst)`. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(
    private readonly qps: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Waits until a token is available, then takes it. */
  take(): Promise<void> | undefined {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return undefined;
    const waitMs = (-this.tokens / this.qps) * 1000;
    return new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

/**
 * The buffering wrapper.
 *
 * @example
 * const batch = new BufferedBackend(webhook, { bufferSize: 10000, maxBatchSize: 400, maxBatchWaitMs: 30000,
 *   throttleEnable: true, throttleQPS: 10, throttleBurst: 15, asyncDelegate: true }, onError);
 */
export class BufferedBackend implements AuditBackend {
  readonly name: string;
  private queue: AuditEvent[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerFired = false;
  private pumping: Promise<void> | null = null;
  private stopping = false;
  private shutdownPromise: Promise<void> | null = null;
  private droppedCount = 0;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly throttle: TokenBucket | null;

  constructor(
    private readonly delegate: AuditBackend,
    private readonly config: BatchConfig,
    private readonly onError: PluginErrorHandler,
  ) {
    this.name = `${BUFFERED_PLUGIN_NAME}<${delegate.name}>`;
    this.throttle = config.throttleEnable ? new TokenBucket(config.throttleQPS, config.throttleBurst) : null;
  }

  /** Events dropped because the buffer was full or the backend was shut down. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Events waiting in the buffer. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  process(events: readonly AuditEvent[]): ProcessResult {
    if (this.stopping) {
      this.droppedCount += events.length;
      this.onError(BUFFERED_PLUGIN_NAME, new Error('audit backend shut down'), events);
      return true;
    }
    for (let i = 0; i < events.length; i++) {
      if (this.queued >= this.config.bufferSize) {
        const rest = events.slice(i);
        this.droppedCount += rest.length;
        this.onError(BUFFERED_PLUGIN_NAME, new Error('audit buffer queue blocked'), rest);
        break;
      }
      const ev = events[i];
      if (ev) this.queue.push(ev);
    }
    this.schedule();
    // Queuing always "succeeds": batch mode never fails a request.
    return true;
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.stopping = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.kick();
      while (this.pumping) await this.pumping;
      await Promise.all(this.inflight);
      await this.delegate.shutdown();
    })();
    return this.shutdownPromise;
  }

  private batchDue(): boolean {
    return this.stopping || this.timerFired || this.config.maxBatchSize <= 1 || this.queued >= this.config.maxBatchSize;
  }

  private schedule(): void {
    if (this.queued === 0) return;
    if (this.batchDue()) {
      this.kick();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.timerFired = true;
        this.kick();
      }, this.config.maxBatchWaitMs);
      // The buffer must not keep the process alive; shutdown() flushes it.
      this.timer.unref();
    }
  }

  private kick(): void {
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      this.timerFired = false;
      this.schedule();
    });
  }

  private take(n: number): AuditEvent[] {
    const batch = this.queue.slice(this.head, this.head + n);
    this.head += batch.length;
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  private async pump(): Promise<void> {
    // Let events queued in the same tick join the batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queued > 0 && this.batchDue()) {
      const batch = this.take(Math.max(1, this.config.maxBatchSize));
      const wait = this.throttle?.take();
      if (wait) await wait;
      const sent = this.send(batch);
      if (this.config.asyncDelegate) {
        this.inflight.add(sent);
        void sent.finally(() => this.inflight.delete(sent));
      } else {
        await sent;
      }
    }
  }

  private async send(batch: readonly AuditEvent[]): Promise<void> {
    try {
      await this.delegate.process(batch);
    } catch (e) {
      // Delegates report their own failures; this only catches a programming error.
      this.onError(this.delegate.name, e instanceof Error ? e : new Error(String(e)), batch);
    }
  }
}
