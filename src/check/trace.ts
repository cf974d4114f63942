/**
 * `doorman check`'s core: build the runtime `serve` would build (same flags, same loaders, no
 * listener), run one request through the same `decide` the server runs, and report the decision
 * trace as data (the `-o json` shape) plus one explanatory line per stage. Audit events come from
 * an in-memory backend that replaces the log and webhook backends, so nothing is written.
 */
import { readFileSync } from 'node:fs';
import { decide, wireHeaders, type Decision, type EngineSnapshot } from '../engine.js';
import { buildRuntime, serverHostPort, type Runtime, type ServeOptions } from '../snapshot.js';
import { memoryLogger } from '../server/log.js';
import { serializeEvent, toAuditUser, type AuditUserInfo } from '../audit/index.js';
import type { AuthenticationResult, PeerCertificate } from '../authn/types.js';
import { authenticatorFunc } from '../authn/types.js';
import { withAuthenticatedGroup } from '../authn/union.js';
import type { RequestInfo } from '../request/types.js';
import { DoormanError } from '../errors.js';
import { CaptureBackend } from './capture.js';
import { peerCertificateFromPem } from './clientcert.js';
import { ASSERTED_AUTHENTICATOR, normalizeMethod, requestHeaders, requestTarget, type CheckIdentity, type CheckRequest } from './request.js';
import { explainStages, type CheckStages } from './explain.js';

/** `doorman check -o json`: one object per request. */
export interface CheckJSON {
  readonly requestInfo: RequestInfo | null;
  readonly authentication: {
    /** `x509`, `token-file`, `anonymous`, or `asserted` for `--user`; null when nobody authenticated the request. */
    readonly authenticator: string | null;
    /** authentication.k8s.io/v1 UserInfo (`username`, `uid`, `groups`, `extra`, empty ones omitted). */
    readonly user: AuditUserInfo | null;
    /** Why the request is not authenticated; null when it is (or when authentication is disabled). */
    readonly error: string | null;
  };
  /** Null when the request never reached authorization (400, 401). */
  readonly authorization: {
    readonly decision: 'allow' | 'forbid';
    /** The chain member that decided; `""` when none did (every member had no opinion: 403). */
    readonly authorizer: string;
    readonly reason: string;
  } | null;
  readonly response: { readonly code: number; readonly headers: Readonly<Record<string, string | readonly string[]>>; readonly body: string };
  /** audit.k8s.io/v1 Event objects, as the log backend would write them. */
  readonly auditEvents: readonly unknown[];
}

/** Everything `check` learned about one request. */
export interface CheckOutcome {
  readonly json: CheckJSON;
  readonly stages: CheckStages;
  readonly decision: Decision;
}

/** A runtime ready to answer `check` requests. */
export interface Checker {
  readonly runtime: Runtime;
  readonly options: ServeOptions;
  /** What serve would log at start-up (warnings included), one line each. */
  readonly startupLog: readonly string[];
  check(req: CheckRequest): Promise<CheckOutcome>;
}

function assertedSnapshot(snapshot: EngineSnapshot, user: NonNullable<CheckIdentity['user']>): EngineSnapshot {
  const result: AuthenticationResult = {
    kind: 'authenticated',
    authenticator: ASSERTED_AUTHENTICATOR,
    user: { name: user.name, uid: user.uid, groups: [...user.groups], extra: {} },
  };
  // The same decorator the real chain applies, so an asserted user gets system:authenticated too.
  const authenticator = withAuthenticatedGroup(authenticatorFunc(ASSERTED_AUTHENTICATOR, () => result));
  return { ...snapshot, authenticator };
}

function readClientCert(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new DoormanError('REQUEST_INVALID', `--client-cert ${path}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`, { cause: e });
  }
}

function authenticationJSON(d: Decision, why: string | undefined): CheckJSON['authentication'] {
  const a = d.authentication;
  if (a?.kind === 'authenticated') return { authenticator: a.authenticator, user: toAuditUser(a.user), error: null };
  if (a?.kind === 'error') return { authenticator: null, user: null, error: a.message };
  return { authenticator: null, user: null, error: why ?? null };
}

function authorizationJSON(d: Decision): CheckJSON['authorization'] {
  const z = d.authorization;
  if (!z) return null;
  return {
    decision: z.decision === 'Allow' ? 'allow' : 'forbid',
    authorizer: z.authorizer ?? '',
    reason: z.error !== undefined && z.decision !== 'Allow' ? z.error : z.reason,
  };
}

/**
 * Loads everything `serve` would from `options` (throws a DoormanError in kube-apiserver's words
 * when serve would refuse to start) and returns a checker over it.
 *
 * @example
 * const checker = createChecker(options);
 * const { json, stages } = await checker.check({ method: 'GET', url: '/apis', identity: {} });
 * json.response.code // 401 with the hardened example
 */
/** How long `check --token` waits for JWT issuers' discovery before answering as serve would then. */
const JWT_READY_TIMEOUT_MS = 10_000;

export function createChecker(options: ServeOptions): Checker {
  const capture = new CaptureBackend();
  const logger = memoryLogger();
  const runtime = buildRuntime({ ...options, auditBackend: capture }, logger, serverHostPort(options));
  const certCache = new Map<string, PeerCertificate | undefined>();

  const peerFor = (file: string | undefined): PeerCertificate | undefined => {
    if (file === undefined || runtime.clientCA === undefined) return undefined;
    if (!certCache.has(file)) certCache.set(file, peerCertificateFromPem(readClientCert(file), runtime.clientCA));
    return certCache.get(file);
  };

  return {
    runtime,
    options,
    startupLog: logger.lines,
    async check(req: CheckRequest): Promise<CheckOutcome> {
      const method = normalizeMethod(req.method);
      const target = requestTarget(req.url);
      const headers = requestHeaders(req);
      if (req.identity.clientCertFile !== undefined && runtime.clientCA === undefined) readClientCert(req.identity.clientCertFile);
      const peerCertificate = peerFor(req.identity.clientCertFile);
      // serve answers JWTs once discovery is done; wait for it (bounded) so check answers the same.
      if (req.identity.token !== undefined) await runtime.authentication.jwt?.whenReady(JWT_READY_TIMEOUT_MS);
      const snapshot = req.identity.user ? assertedSnapshot(runtime.snapshot, req.identity.user) : runtime.snapshot;
      capture.take();
      const decision = await decide(snapshot, { method, target, headers, peerCertificate, remoteAddress: req.sourceIP ?? '127.0.0.1' });
      const events = capture.take();
      const stages = explainStages({ runtime, options, decision, method, target, headers, peerCertificate, identity: req.identity, events, snapshot });
      const json: CheckJSON = {
        requestInfo: decision.info ?? null,
        authentication: authenticationJSON(decision, stages.authenticationError),
        authorization: authorizationJSON(decision),
        // A HEAD answer carries the headers (Content-Length included) and no body, on the wire as here.
        response: { code: decision.response.status, headers: wireHeaders(decision), body: method === 'HEAD' ? '' : decision.response.body },
        auditEvents: events.map((e) => JSON.parse(serializeEvent(e)) as unknown),
      };
      return { json, stages, decision };
    },
  };
}

