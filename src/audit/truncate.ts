/**
 * `--audit-*-truncate-enabled` (`plugin/pkg/audit/truncate`): an event larger than
 * max-event-size loses its request and response objects and gains the annotation
 * `audit.k8s.io/truncated: "true"`; if it is still too large it is dropped (and counted as a
 * `truncate` plugin error). Batches are split so each stays under max-batch-size.
 */
import { allStored, type AuditBackend, type PluginErrorHandler, type ProcessResult } from './backend.js';
import { serializeEvent } from './event.js';
import { AUDIT_API_VERSION, levelLess, type AuditEvent } from './types.js';

/** The plugin name in metrics. */
export const TRUNCATE_PLUGIN_NAME = 'truncate';

/** kube's truncate `Config`, in bytes. */
export interface TruncateConfig {
  readonly maxEventSize: number;
  readonly maxBatchSize: number;
}

function eventSize(ev: AuditEvent, apiVersion: string): number {
  // kube measures the encoded event, trailing newline included.
  return Buffer.byteLength(serializeEvent(ev, apiVersion)) + 1;
}

function truncated(ev: AuditEvent): AuditEvent {
  const { requestObject: _req, responseObject: _resp, ...rest } = ev;
  return { ...rest, annotations: { ...(ev.annotations ?? {}), 'audit.k8s.io/truncated': 'true' } };
}

/**
 * Wraps `delegate` with truncation.
 *
 * @example
 * const backend = truncateBackend(log, { maxEventSize: 102400, maxBatchSize: 10485760 }, onError);
 */
export function truncateBackend(
  delegate: AuditBackend,
  config: TruncateConfig,
  onError: PluginErrorHandler,
  apiVersion: string = AUDIT_API_VERSION,
): AuditBackend {
  return {
    name: `${TRUNCATE_PLUGIN_NAME}<${delegate.name}>`,
    process(events): ProcessResult {
      const results: ProcessResult[] = [];
      const impacted: AuditEvent[] = [];
      const reasons: string[] = [];
      let batch: AuditEvent[] = [];
      let batchSize = 0;
      for (let ev of events) {
        let size = eventSize(ev, apiVersion);
        if (size > config.maxEventSize && !levelLess(ev.level, 'Request')) {
          ev = truncated(ev);
          size = eventSize(ev, apiVersion);
        }
        if (size > config.maxEventSize) {
          impacted.push(ev);
          reasons.push('event is too large even after truncating');
          continue;
        }
        if (batch.length > 0 && batchSize + size > config.maxBatchSize) {
          results.push(delegate.process(batch));
          batch = [];
          batchSize = 0;
        }
        batchSize += size;
        batch.push(ev);
      }
      if (batch.length > 0) results.push(delegate.process(batch));
      if (impacted.length > 0) {
        const unique = [...new Set(reasons)];
        onError(TRUNCATE_PLUGIN_NAME, new Error(unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`), impacted);
      }
      return results.length === 0 ? true : allStored(results);
    },
    shutdown: () => delegate.shutdown(),
  };
}
