/**
 * The audit backend contract and the small combinators kube-apiserver builds its pipeline from:
 * a union that fans out to several backends, the `blocking` mode wrapper that ignores failures,
 * and the plugin error handler (`audit.HandlePluginError`: count, then log the impacted events).
 */
import { formatLegacy } from './event.js';
import type { AuditMetrics } from './metrics.js';
import type { AuditEvent } from './types.js';

/**
 * Whether the events were stored. Synchronous backends (the log file in blocking modes) answer
 * with a boolean; the others with a promise. Only `blocking-strict` ever answers `false` in a
 * way the request sees: `blocking` reports success regardless and `batch` only queues.
 */
export type ProcessResult = boolean | Promise<boolean>;

/** Anything events can be sent to. */
export interface AuditBackend {
  /** kube's `String()` form, e.g. `buffered<log>`, for start-up logs. */
  readonly name: string;
  /** Stores (or queues) the events. The events are immutable and may be kept. */
  process(events: readonly AuditEvent[]): ProcessResult;
  /** Flushes everything queued and waits for in-flight sends; later events are refused. */
  shutdown(): Promise<void>;
}

/** Receives plugin failures (kube's `HandlePluginError`). */
export interface PluginErrorHandler {
  (plugin: string, error: Error, events: readonly AuditEvent[]): void;
}

/**
 * Counts failed events in `apiserver_audit_error_total{plugin}` and logs them as kube does:
 * `Error in audit plugin 'log' affecting 1 audit events: <err>\nImpacted events:\n<legacy line>\n`.
 */
export function pluginErrorHandler(metrics: AuditMetrics, log?: (message: string) => void): PluginErrorHandler {
  return (plugin, error, events) => {
    metrics.pluginError(plugin, events.length);
    if (!log) return;
    let msg = `Error in audit plugin '${plugin}' affecting ${events.length} audit events: ${error.message}\nImpacted events:\n`;
    for (const ev of events) msg += `${formatLegacy(ev)}\n`;
    log(msg);
  };
}

/** Combines per-backend results: stored only if every backend stored it. */
export function allStored(results: readonly ProcessResult[]): ProcessResult {
  if (results.every((r) => typeof r === 'boolean')) return results.every((r) => r === true);
  return Promise.all(results).then((rs) => rs.every((r) => r));
}

/**
 * Sends every event to each backend (kube's `audit.Union`); one backend's failure does not stop
 * the others.
 *
 * @example
 * const backend = unionBackends([logBackend, webhookBackend]);
 */
export function unionBackends(backends: readonly AuditBackend[]): AuditBackend {
  if (backends.length === 1 && backends[0]) return backends[0];
  return {
    name: `union[${backends.map((b) => b.name).join(',')}]`,
    process: (events) => allStored(backends.map((b) => b.process(events))),
    shutdown: async () => {
      await Promise.all(backends.map((b) => b.shutdown()));
    },
  };
}

/**
 * `--audit-*-mode=blocking`: the delegate runs for every event, but its failures never fail the
 * request (they are still counted and logged by the delegate).
 */
export function ignoreErrors(delegate: AuditBackend): AuditBackend {
  return {
    name: `ignoreErrors<${delegate.name}>`,
    process: (events) => {
      const r = delegate.process(events);
      return typeof r === 'boolean' ? true : r.then(() => true, () => true);
    },
    shutdown: () => delegate.shutdown(),
  };
}

/** A backend that stores nothing and always succeeds (used when auditing is off). */
export const NOOP_BACKEND: AuditBackend = {
  name: 'noop',
  process: () => true,
  shutdown: async () => undefined,
};
