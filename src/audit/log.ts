/**
 * The log backend (`plugin/pkg/audit/log`): each event becomes one line, either the JSON Event
 * (`--audit-log-format=json`, the default) or the legacy text line, written to `--audit-log-path`
 * through a lumberjack-style rotating file, or to stdout for `-`. In `blocking-strict` a write
 * happens before `process` returns, so the request can fail; in `blocking` the events of one
 * event-loop turn are written together at its end (one system call instead of one per event);
 * behind the batch buffer the writes are asynchronous.
 */
import type { AuditBackend, PluginErrorHandler, ProcessResult } from './backend.js';
import { formatLegacy, serializeEvent } from './event.js';
import type { AuditLogWriter } from './rotate.js';
import { AUDIT_API_VERSION, type AuditEvent } from './types.js';

/** The plugin name in metrics and mode/format messages. */
export const LOG_PLUGIN_NAME = 'log';

/** `--audit-log-format` values, in kube's order. */
export const LOG_FORMATS = ['legacy', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Options for {@link createLogBackend}. */
export interface LogBackendOptions {
  readonly writer: AuditLogWriter;
  readonly format: LogFormat;
  /** `--audit-log-version`; only `audit.k8s.io/v1` exists. */
  readonly apiVersion?: string;
  /** true: write before returning (blocking modes); false: asynchronous writes (behind a buffer). */
  readonly sync: boolean;
  /**
   * With `sync`: gather the events of one event-loop turn and write them with one system call at
   * the end of the turn (`blocking` mode). `blocking-strict` leaves this off: it must know that an
   * event is stored before the request goes on.
   */
  readonly coalesce?: boolean;
  readonly onError: PluginErrorHandler;
}

/**
 * Formats one event as a log line, newline included.
 *
 * @example
 * logLine(event, 'json') // '{"kind":"Event",...}\n'
 */
export function logLine(ev: AuditEvent, format: LogFormat, apiVersion: string = AUDIT_API_VERSION): string {
  return format === 'legacy' ? `${formatLegacy(ev)}\n` : `${serializeEvent(ev, apiVersion)}\n`;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Creates the log backend. Every event is written separately, so a rotation never splits one.
 *
 * @example
 * const log = createLogBackend({ writer: new RotatingFile({...}), format: 'json', sync: true, onError });
 */
export function createLogBackend(opts: LogBackendOptions): AuditBackend {
  const apiVersion = opts.apiVersion ?? AUDIT_API_VERSION;
  let closed = false;
  const processSync = (events: readonly AuditEvent[]): boolean => {
    let ok = true;
    for (const ev of events) {
      try {
        opts.writer.writeSync(logLine(ev, opts.format, apiVersion));
      } catch (e) {
        opts.onError(LOG_PLUGIN_NAME, asError(e), [ev]);
        ok = false;
      }
    }
    return ok;
  };
  const processAsync = async (events: readonly AuditEvent[]): Promise<boolean> => {
    const results = await Promise.all(
      events.map((ev) =>
        opts.writer.write(logLine(ev, opts.format, apiVersion)).then(
          () => true,
          (e: unknown) => {
            opts.onError(LOG_PLUGIN_NAME, asError(e), [ev]);
            return false;
          },
        ),
      ),
    );
    return results.every((r) => r);
  };
  // Coalesced writes: lines of one event-loop turn, written together when the turn ends.
  let pending: string[] = [];
  let pendingEvents: AuditEvent[] = [];
  let scheduled: ReturnType<typeof setImmediate> | undefined;
  const flush = (): void => {
    scheduled = undefined;
    if (pending.length === 0) return;
    const lines = pending.join('');
    const events = pendingEvents;
    pending = [];
    pendingEvents = [];
    try {
      opts.writer.writeSync(lines);
    } catch (e) {
      opts.onError(LOG_PLUGIN_NAME, asError(e), events);
    }
  };
  const processCoalesced = (events: readonly AuditEvent[]): boolean => {
    for (const ev of events) {
      pending.push(logLine(ev, opts.format, apiVersion));
      pendingEvents.push(ev);
    }
    scheduled ??= setImmediate(flush);
    return true;
  };
  return {
    name: LOG_PLUGIN_NAME,
    process(events): ProcessResult {
      if (closed) {
        opts.onError(LOG_PLUGIN_NAME, new Error('audit log backend shut down'), events);
        return false;
      }
      if (!opts.sync) return processAsync(events);
      return opts.coalesce ? processCoalesced(events) : processSync(events);
    },
    async shutdown() {
      closed = true;
      if (scheduled) clearImmediate(scheduled);
      flush();
      await opts.writer.close();
    },
  };
}
