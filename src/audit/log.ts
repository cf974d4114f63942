/**
 * The log backend (`plugin/pkg/audit/log`): each event becomes one line, either the JSON Event
 * (`--audit-log-format=json`, the default) or the legacy text line, written to `--audit-log-path`
 * through a lumberjack-style rotating file, or to stdout for `-`. In the blocking modes a write
 * happens before `process` returns, so `blocking-strict` can fail the request; behind the batch
 * buffer the writes are asynchronous.
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
  return {
    name: LOG_PLUGIN_NAME,
    process(events): ProcessResult {
      if (closed) {
        opts.onError(LOG_PLUGIN_NAME, new Error('audit log backend shut down'), events);
        return false;
      }
      return opts.sync ? processSync(events) : processAsync(events);
    },
    async shutdown() {
      closed = true;
      await opts.writer.close();
    },
  };
}
