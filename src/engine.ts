/**
 * The pure decision pipeline shared by `doorman serve` and `doorman check`: a normalized request
 * goes in; the request info, the authentication and authorization outcomes, the audit events and
 * the response come out. It reads top to bottom in kube-apiserver's filter order: request info →
 * audit init → authentication → audit → authorization → handler.
 */
import { randomUUID } from 'node:crypto';
import type { Authenticator, AuthenticationResult, PeerCertificate, UserInfo } from './authn/types.js';
import type { Attributes, AuthorizationResult, Authorizer } from './authz/types.js';
import type { CanonicalURL, RequestInfo } from './request/types.js';
import { parseRequestTarget } from './request/url.js';
import { resolveRequestInfo } from './request/requestinfo.js';
import { badRequest, forbidden, internalError, isPrettyPrint, notFound, unauthorized, type EngineResponse } from './api/status.js';

const notFoundResponse = notFound();

/** A request as any front-end hands it to the engine. */
export interface EngineRequest {
  readonly method: string;
  /** The request target as sent on the request line. */
  readonly target: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly peerCertificate?: PeerCertificate | undefined;
  readonly remoteAddress: string;
}

/** What the handler stage sees once the request is authenticated and authorized. */
export interface HandlerContext {
  readonly request: EngineRequest;
  readonly url: CanonicalURL;
  readonly info: RequestInfo;
  readonly user: UserInfo | undefined;
  readonly pretty: boolean;
}

/** Serves an authorized request; returns undefined when nothing serves the path (404). */
export type Handler = (ctx: HandlerContext) => EngineResponse | undefined | Promise<EngineResponse | undefined>;

/** Per-request audit hooks (see src/audit); null from `begin` means the policy records nothing. */
export interface AuditHooks {
  begin(ctx: AuditStart): RequestAudit | null;
  failedAuthentication(ctx: AuditStart, response: EngineResponse, attempted: string): void;
}
export interface AuditStart {
  readonly auditID: string;
  readonly request: EngineRequest;
  readonly url: CanonicalURL;
  readonly info: RequestInfo;
  readonly user: UserInfo | undefined;
  readonly receivedAt: Date;
}
export interface RequestAudit {
  /** False when a blocking-strict backend could not store RequestReceived: the request must fail. */
  requestReceived(): boolean;
  addAnnotation(key: string, value: string): void;
  responseComplete(response: EngineResponse): void;
}

/** The frozen configuration a request is decided against. */
export interface EngineSnapshot {
  /** Undefined: authentication disabled (no authenticator and anonymous off), as in kube-apiserver. */
  readonly authenticator: Authenticator | undefined;
  readonly authorizer: Authorizer;
  readonly handler: Handler;
  readonly audit?: AuditHooks | undefined;
}

/** The full decision trace of one request. */
export interface Decision {
  readonly auditID: string;
  readonly url?: CanonicalURL;
  readonly info?: RequestInfo;
  readonly authentication?: AuthenticationResult;
  readonly authorization?: AuthorizationResult;
  readonly response: EngineResponse;
  readonly warnings: readonly string[];
}

function header(req: EngineRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : (v as string | undefined);
}

/** Which credentials a request carried, as the failed-authentication audit message names them. */
export function attemptedMethods(req: EngineRequest, url: CanonicalURL): string {
  const methods: string[] = [];
  const auth = header(req, 'authorization')?.trim() ?? '';
  const scheme = auth.split(' ', 1)[0]?.toLowerCase() ?? '';
  if (scheme === 'basic') methods.push('basic');
  if (scheme === 'bearer') methods.push('bearer');
  if (url.query.has('access_token')) methods.push('access_token');
  if (req.peerCertificate) methods.push('x509');
  return methods.length > 0 ? `Authentication failed, attempted: ${methods.join(', ')}` : 'Authentication failed, no credentials provided';
}

function attributes(info: RequestInfo, user: UserInfo | undefined): Attributes {
  return {
    user,
    verb: info.verb,
    isResourceRequest: info.isResourceRequest,
    path: info.path,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    namespace: info.namespace,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
  };
}

/** Runs one request through the chain. Never throws for bad input; an internal failure becomes a 500. */
export async function decide(snap: EngineSnapshot, req: EngineRequest): Promise<Decision> {
  const receivedAt = new Date();
  const auditID = header(req, 'audit-id') || randomUUID();
  const warnings: string[] = [];

  let url: CanonicalURL;
  try {
    url = parseRequestTarget(req.target);
  } catch {
    return { auditID, response: badRequest(), warnings };
  }
  const resolved = resolveRequestInfo(req.method, url);
  const info = resolved.info;
  if (resolved.error !== undefined) {
    return { auditID, url, info, response: internalError(url.requestURI, `failed to create RequestInfo: ${resolved.error}`), warnings };
  }
  const pretty = isPrettyPrint(url.query, header(req, 'user-agent'));

  // Authentication.
  let user: UserInfo | undefined;
  let authentication: AuthenticationResult | undefined;
  if (snap.authenticator) {
    authentication = await snap.authenticator.authenticate({ method: req.method, path: url.path, headers: req.headers, peerCertificate: req.peerCertificate });
    if (authentication.warnings) warnings.push(...authentication.warnings);
    if (authentication.kind !== 'authenticated') {
      const response = unauthorized(pretty);
      snap.audit?.failedAuthentication({ auditID, request: req, url, info, user: undefined, receivedAt }, response, attemptedMethods(req, url));
      return { auditID, url, info, authentication, response, warnings };
    }
    user = authentication.user;
  }

  // Audit: the policy sees the authenticated user; RequestReceived comes before authorization.
  const audit = snap.audit?.begin({ auditID, request: req, url, info, user, receivedAt }) ?? null;
  const finish = (d: Omit<Decision, 'auditID' | 'url' | 'info' | 'warnings'>): Decision => {
    audit?.responseComplete(d.response);
    return { auditID, url, info, warnings, ...d };
  };
  if (audit && !audit.requestReceived()) {
    return finish({ ...(authentication ? { authentication } : {}), response: internalError(url.requestURI, 'failed to store audit event') });
  }

  // Authorization.
  const authorization = await snap.authorizer.authorize(attributes(info, user));
  const base = authentication ? { authentication, authorization } : { authorization };
  if (authorization.decision !== 'Allow') {
    if (authorization.error !== undefined) {
      audit?.addAnnotation('authorization.k8s.io/reason', 'internal error');
      return finish({ ...base, response: internalError(url.requestURI, authorization.error) });
    }
    audit?.addAnnotation('authorization.k8s.io/decision', 'forbid');
    audit?.addAnnotation('authorization.k8s.io/reason', authorization.reason);
    return finish({ ...base, response: forbidden(user?.name ?? '', info, authorization.reason, pretty) });
  }
  audit?.addAnnotation('authorization.k8s.io/decision', 'allow');
  audit?.addAnnotation('authorization.k8s.io/reason', authorization.reason);

  // Handler.
  const response = (await snap.handler({ request: req, url, info, user, pretty })) ?? notFoundResponse;
  return finish({ ...base, response });
}
