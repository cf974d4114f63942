/**
 * kube-apiserver's audit metrics (`audit/metrics.go`), registered on a prom-client Registry the
 * caller owns (never the global one). Names and help texts match kube's `/metrics`, including
 * the `[ALPHA] ` prefix component-base adds to alpha metrics. Dropped events (a full batch
 * buffer) are counted, as in kube, as `apiserver_audit_error_total{plugin="buffered"}`.
 */
import { Counter, type Registry } from 'prom-client';
import type { Level } from './types.js';

/** The counters the audit code updates. */
export interface AuditMetrics {
  /** `apiserver_audit_event_total`: one per event handed to the backends. */
  observeEvent(): void;
  /** `apiserver_audit_level_total{level}`: one per policy evaluation. */
  observePolicyLevel(level: Level): void;
  /** `apiserver_audit_error_total{plugin}`: events a plugin failed to record. */
  pluginError(plugin: string, events: number): void;
  /** `apiserver_audit_requests_rejected_total`: requests answered 500 because RequestReceived was not stored. */
  requestRejected(): void;
}

/** Metrics that count nothing, for tests and for callers without a registry. */
export const NOOP_AUDIT_METRICS: AuditMetrics = {
  observeEvent: () => undefined,
  observePolicyLevel: () => undefined,
  pluginError: () => undefined,
  requestRejected: () => undefined,
};

function counter<T extends string>(registry: Registry, name: string, help: string, labelNames: readonly T[]): Counter<T> {
  // A reload builds a new auditor on the same registry: reuse what is already registered.
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<T>;
  return new Counter<T>({ name, help, labelNames, registers: [registry] });
}

/**
 * Registers (or reuses) the audit counters on `registry`.
 *
 * @example
 * const metrics = createAuditMetrics(new Registry());
 */
export function createAuditMetrics(registry: Registry): AuditMetrics {
  const events = counter(registry, 'apiserver_audit_event_total', '[ALPHA] Counter of audit events generated and sent to the audit backend.', []);
  const errors = counter(
    registry,
    'apiserver_audit_error_total',
    '[ALPHA] Counter of audit events that failed to be audited properly. Plugin identifies the plugin affected by the error.',
    ['plugin'],
  );
  const levels = counter(registry, 'apiserver_audit_level_total', '[ALPHA] Counter of policy levels for audit events (1 per request).', ['level']);
  const rejected = counter(
    registry,
    'apiserver_audit_requests_rejected_total',
    '[ALPHA] Counter of apiserver requests rejected due to an error in audit logging backend.',
    [],
  );
  return {
    observeEvent: () => events.inc(),
    observePolicyLevel: (level) => levels.inc({ level }),
    pluginError: (plugin, n) => {
      if (n > 0) errors.inc({ plugin }, n);
    },
    requestRejected: () => rejected.inc(),
  };
}
