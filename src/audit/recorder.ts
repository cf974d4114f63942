/**
 * The per-request audit lifecycle, server-independent: what `filters/audit.go`,
 * `filters/authn_audit.go` and `audit/request.go` + `context.go` do around a request. The server
 * calls `auditor.begin(...)` after authentication (null means level None: no events at all),
 * `requestReceived()` before authorization (false: answer 500 `failed to store audit event`),
 * `responseStarted(code)` on the first write, `responseComplete(...)` at the end, or `panic(...)`.
 * A failed authentication is a single call, `failedAuthentication(...)`, that emits one
 * ResponseStarted event. Stages in the effective omitStages are never emitted.
 */
import { attributesFor } from '../authz/attributes.js';
import { randomUUID } from 'node:crypto';
import type { UserInfo } from '../authn/types.js';
import type { RequestInfo } from '../request/types.js';
import type { AuditBackend } from './backend.js';
import { toAuditUser, truncateUserAgent } from './event.js';
import { parseRaw, rawGet, rawString, withoutManagedFields, writeRaw, type RawNode } from './gojson.js';
import { NOOP_AUDIT_METRICS, type AuditMetrics } from './metrics.js';
import { PolicyEvaluator, type PolicyAttributes, type RequestAuditConfig } from './policy.js';
import { auditNow } from './time.js';
import {
  levelLess,
  type AuditEvent,
  type AuditUserInfo,
  type Level,
  type ObjectReference,
  type ResponseStatus,
  type Stage,
  type StatusDetails,
} from './types.js';

/** The error text kube-apiserver answers with when RequestReceived could not be stored. */

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export const FAILED_TO_STORE_AUDIT_EVENT = 'failed to store audit event';


/**
 * `WithAuditInit`: the request's `Audit-ID` header as is, else a new UUID. The server echoes
 * it in the response's `Audit-ID` header.
 */
export function auditIDFromHeaders(headers: Readonly<Record<string, string | readonly string[] | undefined>>): string {
  const v = headers['audit-id'];
  const first = typeof v === 'string' ? v : v?.[0];
  return first ? first : randomUUID();
}

/**
 * `getAuthMethods` of `authn_audit.go`: the message seeded into a failed authentication's
 * responseStatus. (In v1.35 the 401 Status written afterwards replaces it, see
 * {@link Auditor.failedAuthentication}.)
 */
export function authenticationFailureMessage(attempt: {
  readonly authorization?: string | undefined;
  readonly accessTokenQuery?: string | undefined;
  readonly clientCertificate?: boolean | undefined;
}): string {
  const methods: string[] = [];
  const header = attempt.authorization ?? '';
  if (isBasicAuth(header)) methods.push('basic');
  const parts = header.trim().split(' ');
  if (parts.length > 1 && parts[0]?.toLowerCase() === 'bearer') methods.push('bearer');
  if ((attempt.accessTokenQuery ?? '').trim() !== '') methods.push('access_token');
  if (attempt.clientCertificate) methods.push('x509');
  return methods.length > 0 ? `Authentication failed, attempted: ${methods.join(', ')}` : 'Authentication failed, no credentials provided';
}

/** Go's `Request.BasicAuth()` succeeds: `Basic ` (any case) and base64 of `user:password`. */
function isBasicAuth(header: string): boolean {
  if (header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return false;
  const b64 = header.slice(6);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return false;
  return Buffer.from(b64, 'base64').toString('latin1').includes(':');
}

/** The 401 Status kube's failed-authentication handler writes (`apierrors.NewUnauthorized("Unauthorized")`). */
export const UNAUTHORIZED_STATUS: ResponseStatusInput = Object.freeze({ code: 401, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized' });

/** What the server knows about a request when auditing starts. */
export interface AuditRequestInit {
  readonly auditID: string;
  /** Path and query as sent (Go's `URL.RequestURI()`). */
  readonly requestURI: string;
  readonly requestInfo: RequestInfo;
  /** The authenticated (pre-impersonation) user; undefined when nobody is authenticated. */
  readonly user?: UserInfo | undefined;
  /** From {@link sourceIPs}. */
  readonly sourceIPs: readonly string[];
  /** The raw User-Agent header; truncated here as kube does. */
  readonly userAgent?: string | undefined;
  /** When the request arrived (ns since epoch, from `auditNow()`); defaults to now. */
  readonly receivedAt?: bigint | undefined;
  /** watch/proxy verbs, attach/exec/proxy/log/portforward subresources: these get a ResponseStarted event. */
  readonly longRunning?: boolean | undefined;
  /** Annotations added before the audit filter (e.g. by authentication), in order. */
  readonly annotations?: ReadonlyArray<readonly [string, string]> | undefined;
}

/** A response status as the handler produced it. Any of status/message/reason/details marks a meta/v1 Status body. */
export interface ResponseStatusInput {
  readonly code: number;
  readonly status?: string | undefined;
  readonly message?: string | undefined;
  readonly reason?: string | undefined;
  readonly details?: StatusDetails | undefined;
}

/** The group/version/resource a request or response object belongs to, when objectRef lacks it. */
export interface ObjectGVR {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource?: string;
}

/** One request's audit trail. */
export interface AuditRecorder {
  readonly auditID: string;
  readonly level: Level;
  readonly config: RequestAuditConfig;
  /** `LogAnnotation`: the first value for a key wins. */
  addAnnotation(key: string, value: string): void;
  /** `LogImpersonatedUser`, after the impersonation filter accepted the headers. */
  setImpersonatedUser(user: UserInfo): void;
  /** `LogRequestObject`: the body of a create/update (JSON). Fills objectRef from its metadata; kept at level ≥ Request. */
  setRequestObject(raw: string | Uint8Array, gvr?: ObjectGVR): void;
  /** `LogRequestPatch`: a patch body, kept as sent at level ≥ Request. */
  setRequestPatch(raw: string | Uint8Array): void;
  /** `LogResponseObject`'s object half: the JSON response body, kept at RequestResponse. */
  setResponseObject(raw: string | Uint8Array): void;
  /** Emits RequestReceived (unless omitted). Resolves false only when a blocking-strict backend failed. */
  requestReceived(): Promise<boolean>;
  /** The first header/body write. Emits ResponseStarted for long-running requests. A hijack is code 101. */
  responseStarted(code: number, status?: Omit<ResponseStatusInput, 'code'>): void;
  /** The handler returned. With no argument and no earlier write: "Connection closed early". */
  responseComplete(response?: ResponseStatusInput): void;
  /** The handler threw: emits Panic with a 500 InternalError status. */
  panic(value: unknown): void;
}

/** Arguments of {@link Auditor.failedAuthentication}. */
export interface FailedAuthenticationInit extends Omit<AuditRequestInit, 'user' | 'longRunning'> {
  /** The seeded message, from {@link authenticationFailureMessage}. */
  readonly attemptMessage: string;
  /**
   * The response written: the 401 Status by default. Pass `{ code: 401 }` when the body was not a
   * Status (then the seeded message stays).
   */
  readonly response?: ResponseStatusInput | undefined;
}

/** The audit front door: a policy, a backend and metrics. */
export interface Auditor {
  /** False when no policy is configured: `begin` always returns null. */
  readonly enabled: boolean;
  readonly backend: AuditBackend;
  /** Warnings from loading the policy, to log at start-up. */
  readonly warnings: readonly string[];
  /** Evaluates the policy (for `check`/`replay`); counts nothing. */
  evaluate(attrs: PolicyAttributes): RequestAuditConfig;
  /** Starts a request's trail; null when the level is None. */
  begin(init: AuditRequestInit): AuditRecorder | null;
  /** The 401 path: one ResponseStarted event, user `{}`, policy evaluated with no user. */
  failedAuthentication(init: FailedAuthenticationInit): void;
  /** Flushes and stops every backend. */
  shutdown(): Promise<void>;
}

/** Options for {@link createAuditor}. */
export interface AuditorOptions {
  /** Null or undefined: auditing is off. */
  readonly evaluator?: PolicyEvaluator | null;
  readonly backend: AuditBackend;
  readonly metrics?: AuditMetrics;
  readonly warnings?: readonly string[];
  /** Clock (ns since epoch); a test hook. */
  readonly now?: () => bigint;
}

function policyAttributes(ri: RequestInfo, user: UserInfo | undefined): PolicyAttributes {
  return attributesFor(ri, user);
}

function toText(raw: string | Uint8Array): string {
  return typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
}

function parseBody(raw: string | Uint8Array): RawNode | undefined {
  try {
    return parseRaw(toText(raw));
  } catch {
    // kube re-encodes decoded objects, so an undecodable body never reaches the audit log.
    return undefined;
  }
}

function hasStatusFields(s: Omit<ResponseStatusInput, 'code'> | undefined): boolean {
  return !!s && (s.status !== undefined || s.message !== undefined || s.reason !== undefined || s.details !== undefined);
}

interface MutableEvent {
  level: Level;
  auditID: string;
  requestURI: string;
  verb: string;
  user: AuditUserInfo;
  impersonatedUser?: AuditUserInfo;
  sourceIPs: readonly string[];
  userAgent: string;
  objectRef?: ObjectReference;
  responseStatus?: ResponseStatus;
  requestObject?: string;
  responseObject?: string;
  requestReceivedTimestamp: bigint;
  annotations: Map<string, string>;
}

class Recorder implements AuditRecorder {
  private readonly ev: MutableEvent;
  private codeProcessed = false;
  private completed = false;

  constructor(
    readonly config: RequestAuditConfig,
    init: AuditRequestInit,
    private readonly backend: AuditBackend,
    private readonly metrics: AuditMetrics,
    private readonly now: () => bigint,
    private readonly longRunning: boolean,
  ) {
    const ri = init.requestInfo;
    this.ev = {
      level: config.level,
      auditID: init.auditID,
      requestURI: init.requestURI,
      verb: ri.verb,
      user: init.user ? toAuditUser(init.user) : {},
      sourceIPs: [...init.sourceIPs],
      userAgent: truncateUserAgent(init.userAgent),
      requestReceivedTimestamp: init.receivedAt ?? now(),
      annotations: new Map(),
      ...(ri.isResourceRequest
        ? {
            objectRef: {
              namespace: ri.namespace,
              name: ri.name,
              resource: ri.resource,
              subresource: ri.subresource,
              apiGroup: ri.apiGroup,
              apiVersion: ri.apiVersion,
            },
          }
        : {}),
    };
    for (const [k, v] of init.annotations ?? []) this.addAnnotation(k, v);
  }

  get auditID(): string {
    return this.ev.auditID;
  }

  get level(): Level {
    return this.ev.level;
  }

  addAnnotation(key: string, value: string): void {
    if (levelLess(this.ev.level, 'Metadata')) return;
    const existing = this.ev.annotations.get(key);
    if (existing !== undefined) return;
    this.ev.annotations.set(key, value);
  }

  setImpersonatedUser(user: UserInfo): void {
    const u = toAuditUser(user);
    // asgroups in the legacy line distinguishes "no groups" from "not looked up".
    this.ev.impersonatedUser = { ...u, groups: [...user.groups] };
  }

  setRequestObject(raw: string | Uint8Array, gvr?: ObjectGVR): void {
    let node = parseBody(raw);
    if (!node) return;
    if (this.config.omitManagedFields) node = withoutManagedFields(node);
    const meta = rawGet(node, 'metadata');
    const ref: { -readonly [K in keyof ObjectReference]: ObjectReference[K] } = { ...(this.ev.objectRef ?? {}) };
    ref.namespace ||= rawString(rawGet(meta, 'namespace')) ?? '';
    ref.name ||= rawString(rawGet(meta, 'name')) ?? '';
    ref.uid ||= rawString(rawGet(meta, 'uid')) ?? '';
    ref.resourceVersion ||= rawString(rawGet(meta, 'resourceVersion')) ?? '';
    if (gvr) {
      if (!ref.apiVersion) {
        ref.apiGroup = gvr.group;
        ref.apiVersion = gvr.version;
      }
      ref.resource ||= gvr.resource;
      ref.subresource ||= gvr.subresource ?? '';
    }
    this.ev.objectRef = ref;
    if (levelLess(this.ev.level, 'Request')) return;
    this.ev.requestObject = writeRaw(node);
  }

  setRequestPatch(raw: string | Uint8Array): void {
    if (levelLess(this.ev.level, 'Request')) return;
    const node = parseBody(raw);
    if (node) this.ev.requestObject = writeRaw(node);
  }

  setResponseObject(raw: string | Uint8Array): void {
    if (levelLess(this.ev.level, 'RequestResponse')) return;
    let node = parseBody(raw);
    if (!node) return;
    if (this.config.omitManagedFields) node = withoutManagedFields(node);
    this.ev.responseObject = writeRaw(node);
  }

  requestReceived(): Promise<boolean> {
    const r = this.processStage('RequestReceived');
    const settle = (ok: boolean): boolean => {
      if (!ok) this.metrics.requestRejected();
      return ok;
    };
    return typeof r === 'boolean' ? Promise.resolve(settle(r)) : r.then(settle, () => settle(false));
  }

  responseStarted(code: number, status?: Omit<ResponseStatusInput, 'code'>): void {
    if (this.completed) return;
    if (status && hasStatusFields(status)) this.logResponseStatus(status, code);
    this.processCode(code);
  }

  responseComplete(response?: ResponseStatusInput): void {
    if (this.completed) return;
    if (response) this.responseStarted(response.code, response);
    if (!this.ev.responseStatus) {
      this.ev.responseStatus = { code: 200, status: 'Success', message: 'Connection closed early' };
      // A long-running request that never wrote anything still gets its ResponseStarted event.
      if (this.longRunning) this.processStage('ResponseStarted');
    }
    this.completed = true;
    this.processStage('ResponseComplete');
  }

  panic(value: unknown): void {
    if (this.completed) return;
    this.completed = true;
    const text = value instanceof Error ? value.message : String(value);
    this.ev.responseStatus = { code: 500, status: 'Failure', reason: 'InternalError', message: `APIServer panic'd: ${text}` };
    this.processStage('Panic');
  }

  /** `SetEventResponseStatus` from a Status body: the bounded fields are copied. */
  logResponseStatus(s: Omit<ResponseStatusInput, 'code'> & { readonly code?: number }, code: number = s.code ?? 0): void {
    // Field by field, in Status order: spreads plus properties are slow in V8, and this is per request.
    const st: Mutable<ResponseStatus> = {} as Mutable<ResponseStatus>;
    if (s.status) st.status = s.status;
    if (s.message) st.message = s.message;
    if (s.reason) st.reason = s.reason;
    if (s.details) st.details = s.details;
    st.code = code;
    this.ev.responseStatus = st;
  }

  /** `auditResponseWriter.processCode`: once per request. */
  processCode(code: number, emit = this.longRunning): void {
    if (this.codeProcessed) return;
    this.codeProcessed = true;
    const prev = this.ev.responseStatus;
    if (prev) (prev as Mutable<ResponseStatus>).code = code;
    else this.ev.responseStatus = { code };
    if (emit) this.processStage('ResponseStarted');
  }

  /** `ProcessEventStage`: omitted stages "succeed" without an event. */
  processStage(stage: Stage): boolean | Promise<boolean> {
    if (this.config.omitStages.includes(stage)) return true;
    const e = this.ev;
    const stageTimestamp = stage === 'RequestReceived' ? e.requestReceivedTimestamp : this.now();
    const annotations = e.annotations.size > 0 ? Object.freeze(Object.fromEntries(e.annotations)) : undefined;
    // Assigned field by field in Event order: conditional spreads cost an object each, per event.
    const out: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = {
      level: e.level,
      auditID: e.auditID,
      stage,
      requestURI: e.requestURI,
      verb: e.verb,
      user: e.user,
      requestReceivedTimestamp: e.requestReceivedTimestamp,
      stageTimestamp: stageTimestamp < e.requestReceivedTimestamp ? e.requestReceivedTimestamp : stageTimestamp,
    };
    if (e.impersonatedUser) out.impersonatedUser = e.impersonatedUser;
    if (e.sourceIPs.length > 0) out.sourceIPs = e.sourceIPs;
    if (e.userAgent) out.userAgent = e.userAgent;
    if (e.objectRef) out.objectRef = { ...e.objectRef };
    if (e.responseStatus) out.responseStatus = { ...e.responseStatus };
    if (e.requestObject !== undefined) out.requestObject = e.requestObject;
    if (e.responseObject !== undefined) out.responseObject = e.responseObject;
    if (annotations) out.annotations = annotations;
    const snapshot: AuditEvent = Object.freeze(out);
    this.metrics.observeEvent();
    try {
      return this.backend.process([snapshot]);
    } catch {
      return false;
    }
  }
}

/**
 * Builds an auditor from a compiled policy and a backend. `buildAuditor` in `options.ts` does
 * this from the `--audit-*` flags.
 *
 * @example
 * const auditor = createAuditor({ evaluator: new PolicyEvaluator(policy), backend, metrics });
 * const rec = auditor.begin({ auditID, requestURI, requestInfo, user, sourceIPs, userAgent });
 * if (rec && !(await rec.requestReceived())) return answer500(`failed to store audit event`);
 */
export function createAuditor(opts: AuditorOptions): Auditor {
  const evaluator = opts.evaluator ?? null;
  const metrics = opts.metrics ?? NOOP_AUDIT_METRICS;
  const now = opts.now ?? auditNow;
  const backend = opts.backend;
  const NONE: RequestAuditConfig = Object.freeze({ level: 'None', omitStages: Object.freeze([]), omitManagedFields: false });
  return {
    enabled: evaluator !== null,
    backend,
    warnings: opts.warnings ?? [],
    evaluate: (attrs) => (evaluator ? evaluator.evaluate(attrs) : NONE),
    begin(init) {
      if (!evaluator) return null;
      const config = evaluator.evaluate(policyAttributes(init.requestInfo, init.user));
      metrics.observePolicyLevel(config.level);
      if (config.level === 'None') return null;
      return new Recorder(config, init, backend, metrics, now, init.longRunning ?? false);
    },
    failedAuthentication(init) {
      if (!evaluator) return;
      const config = evaluator.evaluate(policyAttributes(init.requestInfo, undefined));
      metrics.observePolicyLevel(config.level);
      if (config.level === 'None') return;
      const rec = new Recorder(config, { ...init, user: undefined }, backend, metrics, now, true);
      rec.logResponseStatus({ code: 0, message: init.attemptMessage });
      const response = init.response ?? UNAUTHORIZED_STATUS;
      if (hasStatusFields(response)) rec.logResponseStatus(response);
      rec.processCode(response.code, true);
    },
    shutdown: () => backend.shutdown(),
  };
}
