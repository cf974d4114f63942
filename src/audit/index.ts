/**
 * doorman's audit: kube-apiserver's audit policy, events, per-request lifecycle and backends
 * (log file with rotation, webhook, batching, truncation), with the `--audit-*` flags. The
 * server needs `buildAuditor`, `Auditor.begin` / `failedAuthentication`, `sourceIPs`,
 * `auditIDFromHeaders` and `auditNow`; the rest is for tools and tests.
 */
export * from './types.js';
export { auditNow, fromDate, formatMicroTime, formatRFC3339Nano, goDuration } from './time.js';
export { goJSONString } from './gojson.js';
export {
  parseAuditPolicy,
  loadAuditPolicy,
  PolicyEvaluator,
  unionStages,
  AuditPolicyValidationError,
  type Policy,
  type PolicyRule,
  type GroupResources,
  type PolicyAttributes,
  type RequestAuditConfig,
  type LoadedPolicy,
  type ParsePolicyOptions,
} from './policy.js';
export {
  serializeEvent,
  serializeEventList,
  formatLegacy,
  responseStatusJSON,
  sourceIPs,
  truncateUserAgent,
  toAuditUser,
} from './event.js';
export {
  createAuditor,
  auditIDFromHeaders,
  authenticationFailureMessage,
  FAILED_TO_STORE_AUDIT_EVENT,
  UNAUTHORIZED_STATUS,
  type Auditor,
  type AuditorOptions,
  type AuditRecorder,
  type AuditRequestInit,
  type FailedAuthenticationInit,
  type ResponseStatusInput,
  type ObjectGVR,
} from './recorder.js';
export {
  unionBackends,
  ignoreErrors,
  pluginErrorHandler,
  NOOP_BACKEND,
  type AuditBackend,
  type ProcessResult,
  type PluginErrorHandler,
} from './backend.js';
export { createLogBackend, logLine, LOG_FORMATS, LOG_PLUGIN_NAME, type LogFormat, type LogBackendOptions } from './log.js';
export { RotatingFile, StdoutWriter, ensureLogFile, backupName, type AuditLogWriter, type RotatingFileOptions } from './rotate.js';
export { BufferedBackend, BUFFERED_PLUGIN_NAME, type BatchConfig } from './buffered.js';
export { truncateBackend, TRUNCATE_PLUGIN_NAME, type TruncateConfig } from './truncate.js';
export {
  createWebhookBackend,
  defaultRetryBackoff,
  DEFAULT_WEBHOOK_INITIAL_BACKOFF_MS,
  WEBHOOK_PLUGIN_NAME,
  type RetryBackoff,
  type WebhookBackendOptions,
} from './webhook.js';
export { loadWebhookKubeconfig, type WebhookClientConfig } from './kubeconfig.js';
export { createAuditMetrics, NOOP_AUDIT_METRICS, type AuditMetrics } from './metrics.js';
export {
  defaultAuditOptions,
  validateAuditOptions,
  buildAuditor,
  AUDIT_FLAGS,
  AUDIT_MODES,
  type AuditOptions,
  type AuditLogOptions,
  type AuditWebhookOptions,
  type AuditBatchOptions,
  type AuditTruncateOptions,
  type AuditFlag,
  type AuditMode,
  type BuildAuditorHooks,
} from './options.js';
