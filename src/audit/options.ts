/**
 * The `--audit-*` flags of kube-apiserver (`pkg/server/options/audit.go`): typed options with
 * kube's defaults, a flag table the CLI can register from, validation with kube's messages, and
 * `buildAuditor`, which loads the policy and assembles the backends exactly as `ApplyTo` does
 * (log: writer → mode wrapper → truncate; webhook likewise; both joined in a union). Without a
 * policy file, or without any backend, the auditor records nothing.
 */
import { parseGoBool as parseBoolFlag, parseGoDuration, parseGoFloat as parseFloatFlag, parseGoInt as parseIntFlag } from '../util/goparse.js';
import type { Registry } from 'prom-client';
import { DoormanError, aggregateMessages } from '../errors.js';
import { ignoreErrors, NOOP_BACKEND, pluginErrorHandler, unionBackends, type AuditBackend, type PluginErrorHandler } from './backend.js';
import { BufferedBackend, type BatchConfig } from './buffered.js';
import { loadWebhookKubeconfig } from './kubeconfig.js';
import { createLogBackend, LOG_FORMATS, LOG_PLUGIN_NAME, type LogFormat } from './log.js';
import { createAuditMetrics, type AuditMetrics } from './metrics.js';
import { loadAuditPolicy, PolicyEvaluator } from './policy.js';
import { createAuditor, type Auditor } from './recorder.js';
import { ensureLogFile, RotatingFile, StdoutWriter } from './rotate.js';
import { truncateBackend } from './truncate.js';
import { AUDIT_API_VERSION } from './types.js';
import { createWebhookBackend, DEFAULT_WEBHOOK_INITIAL_BACKOFF_MS, defaultRetryBackoff, WEBHOOK_PLUGIN_NAME } from './webhook.js';

/** `--audit-*-mode` values, in kube's order. */
export const AUDIT_MODES = ['batch', 'blocking', 'blocking-strict'] as const;
export type AuditMode = (typeof AUDIT_MODES)[number];

/** `--audit-<plugin>-mode` and `--audit-<plugin>-batch-*`. Durations in milliseconds. */
export interface AuditBatchOptions {
  mode: string;
  bufferSize: number;
  maxBatchSize: number;
  maxBatchWaitMs: number;
  throttleEnable: boolean;
  throttleQPS: number;
  throttleBurst: number;
}

/** `--audit-<plugin>-truncate-*`, in bytes. */
export interface AuditTruncateOptions {
  enabled: boolean;
  maxBatchSize: number;
  maxEventSize: number;
}

/** `--audit-log-*`. */
export interface AuditLogOptions {
  path: string;
  maxAge: number;
  maxBackups: number;
  maxSize: number;
  format: string;
  compress: boolean;
  batch: AuditBatchOptions;
  truncate: AuditTruncateOptions;
  version: string;
}

/** `--audit-webhook-*`. */
export interface AuditWebhookOptions {
  configFile: string;
  initialBackoffMs: number;
  batch: AuditBatchOptions;
  truncate: AuditTruncateOptions;
  version: string;
}

/** Every `--audit-*` flag. */
export interface AuditOptions {
  policyFile: string;
  log: AuditLogOptions;
  webhook: AuditWebhookOptions;
}

function defaultTruncate(): AuditTruncateOptions {
  return { enabled: false, maxBatchSize: 10 * 1024 * 1024, maxEventSize: 100 * 1024 };
}

/**
 * kube-apiserver's defaults (`NewAuditOptions`).
 *
 * @example
 * const o = defaultAuditOptions();
 * o.policyFile = '/etc/kubernetes/audit-policy.yaml';
 * o.log.path = '/var/log/kubernetes/audit.log';
 */
export function defaultAuditOptions(): AuditOptions {
  return {
    policyFile: '',
    log: {
      path: '',
      maxAge: 0,
      maxBackups: 0,
      maxSize: 0,
      format: 'json',
      compress: false,
      // Batching is not useful for the log file: max size 1, no wait, no throttle.
      batch: { mode: 'blocking', bufferSize: 10000, maxBatchSize: 1, maxBatchWaitMs: 0, throttleEnable: false, throttleQPS: 0, throttleBurst: 0 },
      truncate: defaultTruncate(),
      version: AUDIT_API_VERSION,
    },
    webhook: {
      configFile: '',
      initialBackoffMs: DEFAULT_WEBHOOK_INITIAL_BACKOFF_MS,
      batch: { mode: 'batch', bufferSize: 10000, maxBatchSize: 400, maxBatchWaitMs: 30_000, throttleEnable: true, throttleQPS: 10, throttleBurst: 15 },
      truncate: defaultTruncate(),
      version: AUDIT_API_VERSION,
    },
  };
}

/** One `--audit-*` flag: its name, kube's help text, its default as `--help` shows it, and a setter. */
export interface AuditFlag {
  readonly name: string;
  readonly type: 'string' | 'int' | 'bool' | 'float' | 'duration';
  readonly help: string;
  readonly defaultValue: string;
  readonly deprecated?: string;
  /** Parses `raw` (already split from `--name=`) into `o`. Throws on a bad value. */
  set(o: AuditOptions, raw: string): void;
}


function batchFlags(plugin: 'log' | 'webhook', pick: (o: AuditOptions) => AuditBatchOptions, d: AuditBatchOptions): AuditFlag[] {
  const p = `audit-${plugin}`;
  return [
    {
      name: `${p}-mode`,
      type: 'string',
      help: `Strategy for sending audit events. Blocking indicates sending events should block server responses. Batch causes the backend to buffer and write events asynchronously. Known modes are ${AUDIT_MODES.join(',')}.`,
      defaultValue: d.mode,
      set: (o, raw) => void (pick(o).mode = raw),
    },
    {
      name: `${p}-batch-buffer-size`,
      type: 'int',
      help: 'The size of the buffer to store events before batching and writing. Only used in batch mode.',
      defaultValue: String(d.bufferSize),
      set: (o, raw) => void (pick(o).bufferSize = parseIntFlag(raw)),
    },
    {
      name: `${p}-batch-max-size`,
      type: 'int',
      help: 'The maximum size of a batch. Only used in batch mode.',
      defaultValue: String(d.maxBatchSize),
      set: (o, raw) => void (pick(o).maxBatchSize = parseIntFlag(raw)),
    },
    {
      name: `${p}-batch-max-wait`,
      type: 'duration',
      help: "The amount of time to wait before force writing the batch that hadn't reached the max size. Only used in batch mode.",
      defaultValue: d.maxBatchWaitMs === 0 ? '0s' : `${d.maxBatchWaitMs / 1000}s`,
      set: (o, raw) => void (pick(o).maxBatchWaitMs = parseGoDuration(raw)),
    },
    {
      name: `${p}-batch-throttle-enable`,
      type: 'bool',
      help: 'Whether batching throttling is enabled. Only used in batch mode.',
      defaultValue: String(d.throttleEnable),
      set: (o, raw) => void (pick(o).throttleEnable = parseBoolFlag(raw)),
    },
    {
      name: `${p}-batch-throttle-qps`,
      type: 'float',
      help: 'Maximum average number of batches per second. Only used in batch mode.',
      defaultValue: String(d.throttleQPS),
      set: (o, raw) => void (pick(o).throttleQPS = parseFloatFlag(raw)),
    },
    {
      name: `${p}-batch-throttle-burst`,
      type: 'int',
      help: 'Maximum number of requests sent at the same moment if ThrottleQPS was not utilized before. Only used in batch mode.',
      defaultValue: String(d.throttleBurst),
      set: (o, raw) => void (pick(o).throttleBurst = parseIntFlag(raw)),
    },
  ];
}

function truncateFlags(plugin: 'log' | 'webhook', pick: (o: AuditOptions) => AuditTruncateOptions): AuditFlag[] {
  const p = `audit-${plugin}`;
  const d = defaultTruncate();
  return [
    {
      name: `${p}-truncate-enabled`,
      type: 'bool',
      help: 'Whether event and batch truncating is enabled.',
      defaultValue: 'false',
      set: (o, raw) => void (pick(o).enabled = parseBoolFlag(raw)),
    },
    {
      name: `${p}-truncate-max-batch-size`,
      type: 'int',
      help: 'Maximum size of the batch sent to the underlying backend. Actual serialized size can be several hundreds of bytes greater. If a batch exceeds this limit, it is split into several batches of smaller size.',
      defaultValue: String(d.maxBatchSize),
      set: (o, raw) => void (pick(o).maxBatchSize = parseIntFlag(raw)),
    },
    {
      name: `${p}-truncate-max-event-size`,
      type: 'int',
      help: "Maximum size of the audit event sent to the underlying backend. If the size of an event is greater than this number, first request and response are removed, and if this doesn't reduce the size enough, event is discarded.",
      defaultValue: String(d.maxEventSize),
      set: (o, raw) => void (pick(o).maxEventSize = parseIntFlag(raw)),
    },
  ];
}

const DEFAULTS = defaultAuditOptions();

/** Every `--audit-*` flag kube-apiserver v1.35 has, in its registration order. */
export const AUDIT_FLAGS: readonly AuditFlag[] = [
  {
    name: 'audit-policy-file',
    type: 'string',
    help: 'Path to the file that defines the audit policy configuration.',
    defaultValue: '',
    set: (o, raw) => void (o.policyFile = raw),
  },
  {
    name: 'audit-log-path',
    type: 'string',
    help: "If set, all requests coming to the apiserver will be logged to this file.  '-' means standard out.",
    defaultValue: '',
    set: (o, raw) => void (o.log.path = raw),
  },
  {
    name: 'audit-log-maxage',
    type: 'int',
    help: 'The maximum number of days to retain old audit log files based on the timestamp encoded in their filename.',
    defaultValue: '0',
    set: (o, raw) => void (o.log.maxAge = parseIntFlag(raw)),
  },
  {
    name: 'audit-log-maxbackup',
    type: 'int',
    help: 'The maximum number of old audit log files to retain. Setting a value of 0 will mean there\'s no restriction on the number of files.',
    defaultValue: '0',
    set: (o, raw) => void (o.log.maxBackups = parseIntFlag(raw)),
  },
  {
    name: 'audit-log-maxsize',
    type: 'int',
    help: 'The maximum size in megabytes of the audit log file before it gets rotated.',
    defaultValue: '0',
    set: (o, raw) => void (o.log.maxSize = parseIntFlag(raw)),
  },
  {
    name: 'audit-log-format',
    type: 'string',
    help: `Format of saved audits. "legacy" indicates 1-line text format for each event. "json" indicates structured json format. Known formats are ${LOG_FORMATS.join(',')}.`,
    defaultValue: 'json',
    set: (o, raw) => void (o.log.format = raw),
  },
  {
    name: 'audit-log-version',
    type: 'string',
    help: 'API group and version used for serializing audit events written to log.',
    defaultValue: AUDIT_API_VERSION,
    set: (o, raw) => void (o.log.version = raw),
  },
  {
    name: 'audit-log-compress',
    type: 'bool',
    help: 'If set, the rotated log files will be compressed using gzip.',
    defaultValue: 'false',
    set: (o, raw) => void (o.log.compress = parseBoolFlag(raw)),
  },
  ...batchFlags('log', (o) => o.log.batch, DEFAULTS.log.batch),
  ...truncateFlags('log', (o) => o.log.truncate),
  {
    name: 'audit-webhook-config-file',
    type: 'string',
    help: 'Path to a kubeconfig formatted file that defines the audit webhook configuration.',
    defaultValue: '',
    set: (o, raw) => void (o.webhook.configFile = raw),
  },
  {
    name: 'audit-webhook-initial-backoff',
    type: 'duration',
    help: 'The amount of time to wait before retrying the first failed request.',
    defaultValue: '10s',
    set: (o, raw) => void (o.webhook.initialBackoffMs = parseGoDuration(raw)),
  },
  {
    name: 'audit-webhook-batch-initial-backoff',
    type: 'duration',
    help: 'The amount of time to wait before retrying the first failed request.',
    defaultValue: '10s',
    deprecated: 'Deprecated, use --audit-webhook-initial-backoff instead.',
    set: (o, raw) => void (o.webhook.initialBackoffMs = parseGoDuration(raw)),
  },
  {
    name: 'audit-webhook-version',
    type: 'string',
    help: 'API group and version used for serializing audit events written to webhook.',
    defaultValue: AUDIT_API_VERSION,
    set: (o, raw) => void (o.webhook.version = raw),
  },
  ...batchFlags('webhook', (o) => o.webhook.batch, DEFAULTS.webhook.batch),
  ...truncateFlags('webhook', (o) => o.webhook.truncate),
];

function validateBatch(plugin: string, b: AuditBatchOptions): string | undefined {
  if (!(AUDIT_MODES as readonly string[]).includes(b.mode)) {
    return `invalid audit ${plugin} mode ${b.mode}, allowed modes are ${JSON.stringify(AUDIT_MODES.join(','))}`;
  }
  if (b.mode !== 'batch') return undefined;
  if (b.bufferSize <= 0) return `invalid audit batch ${plugin} buffer size ${b.bufferSize}, must be a positive number`;
  if (b.maxBatchSize <= 0) return `invalid audit batch ${plugin} max batch size ${b.maxBatchSize}, must be a positive number`;
  if (b.throttleEnable) {
    if (b.throttleQPS <= 0) return `invalid audit batch ${plugin} throttle QPS ${b.throttleQPS}, must be a positive number`;
    if (b.throttleBurst <= 0) return `invalid audit batch ${plugin} throttle burst ${b.throttleBurst}, must be a positive number`;
  }
  return undefined;
}

function validateTruncate(plugin: string, t: AuditTruncateOptions): string | undefined {
  if (t.maxEventSize <= 0) return `invalid audit truncate ${plugin} max event size ${t.maxEventSize}, must be a positive number`;
  if (t.maxBatchSize < t.maxEventSize) {
    return `invalid audit truncate ${plugin} max batch size ${t.maxBatchSize}, must be greater than max event size (${t.maxEventSize})`;
  }
  return undefined;
}

function validateVersion(v: string): string | undefined {
  if (v.split('/').length > 2) return `unexpected GroupVersion string: ${v}`;
  if (v !== AUDIT_API_VERSION) return `invalid group version, allowed versions are ["${AUDIT_API_VERSION}"]`;
  return undefined;
}

/**
 * `AuditOptions.Validate`: kube's messages, log then webhook; a backend's options are checked
 * only when that backend is enabled.
 *
 * @example
 * validateAuditOptions({ ...o, log: { ...o.log, path: '/x', maxSize: -1 } }) // ['--audit-log-maxsize -1 can\'t be a negative number']
 */
export function validateAuditOptions(o: AuditOptions): string[] {
  const errs: string[] = [];
  const push = (e: string | undefined): void => {
    if (e !== undefined) errs.push(e);
  };
  if (o.log.path !== '') {
    push(validateBatch(LOG_PLUGIN_NAME, o.log.batch));
    push(validateTruncate(LOG_PLUGIN_NAME, o.log.truncate));
    push(validateVersion(o.log.version));
    if (!(LOG_FORMATS as readonly string[]).includes(o.log.format)) {
      errs.push(`invalid audit log format ${o.log.format}, allowed formats are ${JSON.stringify(LOG_FORMATS.join(','))}`);
    }
    if (o.log.maxAge < 0) errs.push(`--audit-log-maxage ${o.log.maxAge} can't be a negative number`);
    if (o.log.maxBackups < 0) errs.push(`--audit-log-maxbackup ${o.log.maxBackups} can't be a negative number`);
    if (o.log.maxSize < 0) errs.push(`--audit-log-maxsize ${o.log.maxSize} can't be a negative number`);
  }
  if (o.webhook.configFile !== '') {
    push(validateBatch(WEBHOOK_PLUGIN_NAME, o.webhook.batch));
    push(validateTruncate(WEBHOOK_PLUGIN_NAME, o.webhook.truncate));
    push(validateVersion(o.webhook.version));
  }
  return errs;
}

/** Test and embedding hooks for {@link buildAuditor}. */
export interface BuildAuditorHooks {
  /** Where plugin errors are logged (kube: klog); default stderr. */
  readonly log?: (message: string) => void;
  /** Bytes per megabyte for `--audit-log-maxsize` (tests shrink it). */
  readonly megabyte?: number;
  /** Clock for rotated file names. */
  readonly now?: () => Date;
  /**
   * Replaces the log and webhook backends (`doorman check` keeps events in memory): the policy
   * still decides what is recorded, the webhook kubeconfig is still read, nothing is written.
   */
  readonly backend?: AuditBackend;
}

function readWebhookClient(path: string): ReturnType<typeof loadWebhookKubeconfig> {
  try {
    return loadWebhookKubeconfig(path);
  } catch (e) {
    throw new DoormanError('CONFIG_INVALID', `initializing audit webhook: ${(e as Error).message}`, { cause: e });
  }
}

function batchConfig(b: AuditBatchOptions, asyncDelegate: boolean): BatchConfig {
  return {
    bufferSize: b.bufferSize,
    maxBatchSize: b.maxBatchSize,
    maxBatchWaitMs: b.maxBatchWaitMs,
    throttleEnable: b.throttleEnable,
    throttleQPS: b.throttleQPS,
    throttleBurst: b.throttleBurst,
    asyncDelegate,
  };
}

function wrapMode(delegate: AuditBackend, b: AuditBatchOptions, asyncDelegate: boolean, onError: PluginErrorHandler): AuditBackend {
  if (b.mode === 'blocking-strict') return delegate;
  if (b.mode === 'blocking') return ignoreErrors(delegate);
  return new BufferedBackend(delegate, batchConfig(b, asyncDelegate), onError);
}

function wrapTruncate(delegate: AuditBackend, t: AuditTruncateOptions, onError: PluginErrorHandler, version: string): AuditBackend {
  return t.enabled ? truncateBackend(delegate, { maxEventSize: t.maxEventSize, maxBatchSize: t.maxBatchSize }, onError, version) : delegate;
}

/**
 * Builds the auditor the server uses: validates the options, loads the policy (errors worded
 * `loading audit policy file: ...`), opens the log file (`ensureLogFile: ...`) and reads the
 * webhook kubeconfig (`initializing audit webhook: ...`). Throws DoormanError on any of these.
 * Counters are registered on `registry`.
 *
 * @example
 * const auditor = buildAuditor(options, registry, { log: (m) => logger.error(m) });
 * for (const w of auditor.warnings) logger.warn(w);
 * process.on('SIGTERM', () => void auditor.shutdown());
 */
export function buildAuditor(options: AuditOptions, registry: Registry, hooks: BuildAuditorHooks = {}): Auditor {
  const errs = validateAuditOptions(options);
  if (errs.length > 0) throw new DoormanError('FLAG_INVALID', aggregateMessages(errs));
  const metrics: AuditMetrics = createAuditMetrics(registry);
  // Audit failures must be visible: without a logger they go to stderr, as klog's do.
  const onError = pluginErrorHandler(metrics, hooks.log ?? ((m: string) => void process.stderr.write(m.endsWith('\n') ? m : `${m}\n`)));
  const warnings: string[] = [];

  if (options.policyFile === '') {
    if (options.log.path !== '') warnings.push('No audit policy file provided, no events will be recorded for log backend');
    if (options.webhook.configFile !== '') warnings.push('No audit policy file provided, no events will be recorded for webhook backend');
    return createAuditor({ evaluator: null, backend: NOOP_BACKEND, metrics, warnings });
  }
  let loaded;
  try {
    loaded = loadAuditPolicy(options.policyFile);
  } catch (e) {
    const err = e as DoormanError;
    throw new DoormanError(err.code ?? 'CONFIG_INVALID', `loading audit policy file: ${err.message}`, { cause: e });
  }
  warnings.push(...loaded.warnings);
  if (hooks.backend) {
    if (options.webhook.configFile !== '') readWebhookClient(options.webhook.configFile);
    return createAuditor({ evaluator: new PolicyEvaluator(loaded.policy), backend: hooks.backend, metrics, warnings });
  }

  const backends: AuditBackend[] = [];
  if (options.log.path !== '') {
    const lo = options.log;
    let writer;
    if (lo.path === '-') writer = new StdoutWriter();
    else {
      try {
        ensureLogFile(lo.path);
      } catch (e) {
        throw new DoormanError('CONFIG_INVALID', (e as Error).message, { cause: e });
      }
      writer = new RotatingFile({
        path: lo.path,
        maxSizeMB: lo.maxSize,
        maxBackups: lo.maxBackups,
        maxAgeDays: lo.maxAge,
        compress: lo.compress,
        ...(hooks.megabyte !== undefined ? { megabyte: hooks.megabyte } : {}),
        ...(hooks.now ? { now: hooks.now } : {}),
      });
    }
    const log = createLogBackend({
      writer,
      format: lo.format as LogFormat,
      apiVersion: lo.version,
      sync: lo.batch.mode !== 'batch',
      coalesce: lo.batch.mode === 'blocking',
      onError,
    });
    backends.push(wrapTruncate(wrapMode(log, lo.batch, false, onError), lo.truncate, onError, lo.version));
  }
  if (options.webhook.configFile !== '') {
    const wo = options.webhook;
    const client = readWebhookClient(wo.configFile);
    const webhook = createWebhookBackend({ client, backoff: defaultRetryBackoff(wo.initialBackoffMs), apiVersion: wo.version, onError });
    backends.push(wrapTruncate(wrapMode(webhook, wo.batch, true, onError), wo.truncate, onError, wo.version));
  }
  if (backends.length === 0) return createAuditor({ evaluator: null, backend: NOOP_BACKEND, metrics, warnings });
  const evaluator = new PolicyEvaluator(loaded.policy);
  return createAuditor({ evaluator, backend: unionBackends(backends), metrics, warnings });
}
