/**
 * An audit backend that keeps events in memory, so `doorman check` can show the events a request
 * would produce (at the level and stages the policy gives it) without writing a log or calling a
 * webhook. Synchronous: every event of a request is here when `decide` returns.
 */
import type { AuditBackend, AuditEvent } from '../audit/index.js';

/**
 * @example
 * const capture = new CaptureBackend();
 * const runtime = buildRuntime({ ...options, auditBackend: capture }, logger, address);
 * await decide(runtime.snapshot, request);
 * capture.take(); // this request's events, oldest first
 */
export class CaptureBackend implements AuditBackend {
  readonly name = 'capture';
  #events: AuditEvent[] = [];

  process(events: readonly AuditEvent[]): boolean {
    this.#events.push(...events);
    return true;
  }

  /** The events recorded since the last call, and forgets them. */
  take(): AuditEvent[] {
    const out = this.#events;
    this.#events = [];
    return out;
  }

  async shutdown(): Promise<void> {
    this.#events = [];
  }
}
