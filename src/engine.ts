/**
 * The pure decision pipeline shared by `doorman serve` and `doorman check`: a normalized request
 * goes in; the request info, the authentication and authorization outcomes, the audit events and
 * the response come out. It reads top to bottom in kube-apiserver's filter order: request info →
 * audit init → authentication → audit → impersonation → authorization → handler.
 */
import type { Authenticator, AuthenticationResult, AuthnRequest, PeerCertificate, UserInfo } from './authn/types.js';
import { audienceMismatchMessage, audiencesAreAcceptable } from './authn/audiences.js';
import type { Attributes, AuthorizationResult, Authorizer } from './authz/types.js';
import { attributesFor } from './authz/attributes.js';
import { hasImpersonationHeaders, impersonate, withoutImpersonationHeaders } from './authz/impersonation.js';
import type { CanonicalURL, RequestInfo } from './request/types.js';
import { parseRequestTarget } from './request/url.js';
import { firstHeader } from './request/headers.js';
import { isLongRunning, resolveRequestInfo, type RequestInfoResolution } from './request/requestinfo.js';
import {
  auditIDFromHeaders,
  auditNow,
  authenticationFailureMessage,
  FAILED_TO_STORE_AUDIT_EVENT,
  sourceIPs,
  type AuditRecorder,
  type AuditRequestInit,
  type Auditor,
  type ResponseStatusInput,
} from './audit/index.js';
import { badRequest, forbidden, internalError, isPrettyPrint, notFound, unauthorized, type EngineResponse } from './api/status.js';
import { badRequestStatus } from './api/apierrors.js';

const notFoundResponse = notFound();

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A request as any front-end hands it to the engine. */
export interface EngineRequest {
  readonly method: string;
  /** The request target as sent on the request line. */
  readonly target: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly peerCertificate?: PeerCertificate | undefined;
  readonly remoteAddress: string;
  /** Reads the request body; only handlers that need one call it, after authorization. */
  readonly body?: (() => Promise<Buffer>) | undefined;
}

/** What the handler stage sees once the request is authenticated and authorized. */
export interface HandlerContext {
  readonly request: EngineRequest;
  readonly url: CanonicalURL;
  readonly info: RequestInfo;
  /** The user the request acts as: the impersonated one when impersonation headers were accepted. */
  readonly user: UserInfo | undefined;
  readonly pretty: boolean;
  /** Lets a handler log the decoded request object (kube's LogRequestObject); absent when not audited. */
  readonly audit?: { setRequestObject(raw: string, gvr: { group: string; version: string; resource: string }): void } | undefined;
}

/** Serves an authorized request; returns undefined when nothing serves the path (404). */
export type Handler = (ctx: HandlerContext) => EngineResponse | undefined | Promise<EngineResponse | undefined>;

/** The frozen configuration a request is decided against. */
export interface EngineSnapshot {
  /** Undefined: authentication disabled (no authenticator and anonymous off), as in kube-apiserver. */
  readonly authenticator: Authenticator | undefined;
  readonly authorizer: Authorizer;
  readonly handler: Handler;
  /** The audit policy and backends; absent or disabled: no events. */
  readonly auditor?: Auditor | undefined;
  /** `--api-audiences`, when any: what every request's credential is presented for. */
  readonly apiAudiences?: readonly string[] | undefined;
}

/** The full decision trace of one request. */
export interface Decision {
  readonly auditID: string;
  readonly url?: CanonicalURL;
  readonly info?: RequestInfo;
  readonly authentication?: AuthenticationResult;
  readonly authorization?: AuthorizationResult;
  /** The user the request acted as after accepted impersonation headers. */
  readonly impersonatedUser?: UserInfo;
  readonly response: EngineResponse;
  readonly warnings: readonly string[];
  /** What the handler threw, for the server's log (never sent to the client). */
  readonly panic?: string;
  /** Answered before kube-apiserver's request-info and caching filters (no Cache-Control). */
  readonly early?: boolean;
}

function responseStatus(r: EngineResponse): ResponseStatusInput {
  const st = r.statusObject;
  if (!st) return { code: r.status };
  return { code: st.code, status: st.status, message: st.message, reason: st.reason, details: st.details };
}

/** Adds the headers kube-apiserver's outer filters add to every answer after request info. */
/** Formats a Warning header value as kube-apiserver does (code 299, agent `-`). */
function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

/**
 * The headers an answer carries on the wire: the handler's, plus what kube-apiserver's outer
 * filters add — `Audit-Id` always, `Cache-Control: no-cache, private` once past request info (when
 * the handler set none), `Warning` lines, and the length. `serve` writes these; `check` shows them.
 */
export function wireHeaders(d: Decision): Record<string, string | string[]> {
  // A for-in copy: adding keys to an object made by spread is ~40x slower in V8 (measured).
  const headers: Record<string, string | string[]> = {};
  for (const k in d.response.headers) headers[k] = d.response.headers[k] as string;
  headers['Audit-Id'] = d.auditID;
  if (!d.early && !('Cache-Control' in headers)) headers['Cache-Control'] = 'no-cache, private';
  if (d.warnings.length > 0) headers['Warning'] = d.warnings.map(warningHeader);
  headers['Content-Length'] = String(Buffer.byteLength(d.response.body));
  return headers;
}

interface ParsedTarget {
  readonly url: CanonicalURL;
  readonly resolved: RequestInfoResolution;
}

// Probes and clients repeat the same few request targets; parsing is a pure function of
// (method, target), so a small bounded cache saves the work. Entries are shared and read-only.
const PARSE_CACHE_LIMIT = 1024;
const MAX_CACHED_TARGET = 512;
const parseCache = new Map<string, ParsedTarget>();

/** The one canonical parse: target → URL → RequestInfo. Throws on a target that does not parse. */
function parseTarget(method: string, target: string): ParsedTarget {
  const key = target.length <= MAX_CACHED_TARGET ? `${method} ${target}` : undefined;
  if (key !== undefined) {
    const hit = parseCache.get(key);
    if (hit) return hit;
  }
  const url = parseRequestTarget(target);
  const parsed: ParsedTarget = { url, resolved: resolveRequestInfo(method, url) };
  if (key !== undefined) {
    if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
    parseCache.set(key, parsed);
  }
  return parsed;
}

/** Runs one request through the chain. Never throws for bad input; an internal failure becomes a 500. */
export async function decide(snap: EngineSnapshot, req: EngineRequest): Promise<Decision> {
  const auditID = auditIDFromHeaders(req.headers);
  const warnings: string[] = [];

  let parsed: ParsedTarget;
  try {
    parsed = parseTarget(req.method, req.target);
  } catch {
    return { auditID, response: badRequest(), warnings, early: true };
  }
  const { url, resolved } = parsed;
  const info = resolved.info;
  if (resolved.error !== undefined) {
    // kube-apiserver's RequestInfo filter answers before caching, authentication and audit.
    return { auditID, url, info, response: internalError(url.requestURI, `failed to create RequestInfo: ${resolved.error}`), warnings, early: true };
  }
  const pretty = isPrettyPrint(url.query, firstHeader(req.headers, 'user-agent'));
  const auditor = snap.auditor?.enabled ? snap.auditor : undefined;
  // Built field by field and filled in as the request goes on: in V8, a spread followed by more
  // properties costs microseconds per object, and this runs for every audited request.
  const auditInit: { -readonly [K in keyof AuditRequestInit]: AuditRequestInit[K] } | undefined = auditor && {
    auditID,
    requestURI: url.requestURI,
    requestInfo: info,
    user: undefined,
    sourceIPs: sourceIPs(req.headers, req.remoteAddress),
    userAgent: firstHeader(req.headers, 'user-agent'),
    receivedAt: auditNow(),
    longRunning: false,
  };

  // Authentication.
  let user: UserInfo | undefined;
  let authentication: AuthenticationResult | undefined;
  if (snap.authenticator) {
    const authnRequest: Mutable<AuthnRequest> = { method: req.method, path: url.path, headers: req.headers, peerCertificate: req.peerCertificate };
    // kube's WithAuthentication: with API audiences, every credential is presented for them.
    const apiAudiences = snap.apiAudiences;
    if (apiAudiences) authnRequest.audiences = apiAudiences;
    authentication = await snap.authenticator.authenticate(authnRequest);
    if (apiAudiences && authentication.kind === 'authenticated' && !audiencesAreAcceptable(apiAudiences, authentication.audiences)) {
      authentication = { kind: 'error', message: audienceMismatchMessage(authentication.audiences ?? [], apiAudiences) };
    }
    if (authentication.warnings) warnings.push(...authentication.warnings);
    if (authentication.kind !== 'authenticated') {
      const response = unauthorized(pretty);
      if (auditor && auditInit) {
        const attemptMessage = authenticationFailureMessage({
          authorization: firstHeader(req.headers, 'authorization'),
          accessTokenQuery: url.query.get('access_token') ?? undefined,
          clientCertificate: req.peerCertificate !== undefined,
        });
        auditor.failedAuthentication({
          auditID,
          requestURI: auditInit.requestURI,
          requestInfo: info,
          sourceIPs: auditInit.sourceIPs,
          userAgent: auditInit.userAgent,
          receivedAt: auditInit.receivedAt,
          attemptMessage,
          response: responseStatus(response),
        });
      }
      return { auditID, url, info, authentication, response, warnings };
    }
    user = authentication.user;
  }

  // Audit: the policy sees the authenticated user; RequestReceived comes before authorization.
  let audit: AuditRecorder | null = null;
  if (auditor && auditInit) {
    auditInit.user = user;
    auditInit.longRunning = isLongRunning(info);
    audit = auditor.begin(auditInit);
  }
  // Filled in as the stages run; `decision` assembles the trace from them.
  let authorization: AuthorizationResult | undefined;
  let impersonatedUser: UserInfo | undefined;
  const decision = (response: EngineResponse, panic?: string): Decision => {
    const out: Mutable<Decision> = { auditID, url, info, response, warnings };
    if (authentication) out.authentication = authentication;
    if (authorization) out.authorization = authorization;
    if (impersonatedUser) out.impersonatedUser = impersonatedUser;
    if (panic !== undefined) out.panic = panic;
    return out;
  };
  /** Completes the audit trail for `response` and returns the decision. */
  const finish = (response: EngineResponse): Decision => {
    if (response.warnings) warnings.push(...response.warnings);
    if (audit) {
      if (response.statusObject || response.apiObject) audit.setResponseObject(response.body);
      const status = responseStatus(response);
      audit.responseStarted(status.code, status);
      audit.responseComplete(status);
    }
    return decision(response);
  };
  if (audit && !(await audit.requestReceived())) {
    return decision(internalError(url.requestURI, FAILED_TO_STORE_AUDIT_EVENT));
  }

  // Impersonation: each Impersonate-* header is authorized (verb impersonate) for the
  // authenticated user; when all are allowed the request goes on as the impersonated user.
  let request = req;
  if (hasImpersonationHeaders(req.headers)) {
    const outcome = await impersonate(snap.authorizer, req.headers, user);
    switch (outcome.kind) {
      case 'bad-request':
        return finish(badRequestStatus(outcome.message, pretty));
      case 'internal-error':
        return finish(internalError(url.requestURI, outcome.message));
      case 'forbidden':
        return finish(forbidden(user?.name ?? '', impersonationInfo(outcome.attributes), outcome.reason, pretty));
      case 'impersonated':
        impersonatedUser = outcome.user;
        user = outcome.user;
        audit?.setImpersonatedUser(outcome.user);
        request = { ...req, headers: withoutImpersonationHeaders(req.headers) };
        break;
      case 'none':
        break;
    }
  }

  // Authorization.
  authorization = await snap.authorizer.authorize(attributesFor(info, user));
  if (authorization.decision !== 'Allow') {
    if (authorization.error !== undefined) {
      audit?.addAnnotation('authorization.k8s.io/reason', 'internal error');
      return finish(internalError(url.requestURI, authorization.error));
    }
    audit?.addAnnotation('authorization.k8s.io/decision', 'forbid');
    audit?.addAnnotation('authorization.k8s.io/reason', authorization.reason);
    return finish(forbidden(user?.name ?? '', info, authorization.reason, pretty));
  }
  audit?.addAnnotation('authorization.k8s.io/decision', 'allow');
  audit?.addAnnotation('authorization.k8s.io/reason', authorization.reason);

  // Handler. A crash is kube-apiserver's panic: a Panic audit event and its 500, never a dead server.
  let response: EngineResponse;
  try {
    response = (await snap.handler({ request, url, info, user, pretty, audit: audit ?? undefined })) ?? notFoundResponse;
  } catch (err) {
    audit?.panic(err);
    return decision(PANIC_RESPONSE, err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
  return finish(response);
}

/** The refused impersonation check as the request info its 403 is worded from. */
function impersonationInfo(a: Attributes): RequestInfo {
  return {
    isResourceRequest: a.isResourceRequest,
    path: a.path,
    verb: a.verb,
    apiPrefix: '',
    apiGroup: a.apiGroup,
    apiVersion: a.apiVersion,
    namespace: a.namespace,
    resource: a.resource,
    subresource: a.subresource,
    name: a.name,
    parts: null,
  };
}

/** What WithPanicRecovery answers after a handler panics. */
const PANIC_RESPONSE: EngineResponse = {
  status: 500,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
  body: 'This request caused apiserver to panic. Look in the logs for details.\n',
};
