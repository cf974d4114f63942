/**
 * The words of `doorman check`: one line per stage of a decided request (request info,
 * authentication, authorization, audit, response), saying not only what happened but why, e.g.
 * which anonymous conditions a path missed or which binding, role and rule allowed it. Pure
 * functions over the Decision and the runtime it was decided against.
 */
import { STATUS_CODES } from 'node:http';
import type { Decision, EngineSnapshot } from '../engine.js';
import type { Runtime, ServeOptions } from '../snapshot.js';
import type { AuditEvent } from '../audit/index.js';
import type { PeerCertificate, UserInfo } from '../authn/types.js';
import type { PolicyRule, RBACTrace } from '../authz/index.js';
import { PRIVILEGED_GROUP_AUTHORIZER_NAME } from '../authz/index.js';
import type { RequestInfo } from '../request/types.js';
import { firstHeader } from '../request/headers.js';
import { ASSERTED_AUTHENTICATOR, type CheckIdentity } from './request.js';

/** The explanatory line of each stage. */
export interface CheckStages {
  readonly request: string;
  readonly authentication: string;
  readonly authorization: string;
  readonly audit: string;
  readonly response: string;
  /** Why nobody authenticated the request (the JSON `authentication.error`), when that is the outcome. */
  readonly authenticationError?: string;
}

/** What {@link explainStages} reads. */
export interface ExplainContext {
  readonly runtime: Runtime;
  readonly options: ServeOptions;
  readonly snapshot: EngineSnapshot;
  readonly decision: Decision;
  readonly method: string;
  readonly target: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly peerCertificate: PeerCertificate | undefined;
  readonly identity: CheckIdentity;
  readonly events: readonly AuditEvent[];
}

const q = JSON.stringify;

/** `[get] on /livez, /readyz` or `[list, watch] on pods, pods/log in API group ""`. */
export function describeRule(rule: PolicyRule): string {
  const verbs = `[${rule.verbs.join(', ')}]`;
  const parts: string[] = [];
  if ((rule.nonResourceURLs ?? []).length > 0) parts.push(`${verbs} on ${(rule.nonResourceURLs ?? []).join(', ')}`);
  if ((rule.resources ?? []).length > 0) {
    const groups = (rule.apiGroups ?? []).map((g) => q(g)).join(', ');
    const names = (rule.resourceNames ?? []).length > 0 ? ` named ${(rule.resourceNames ?? []).join(', ')}` : '';
    parts.push(`${verbs} on ${(rule.resources ?? []).join(', ')}${names} in API group ${groups}`);
  }
  return parts.length > 0 ? parts.join('; ') : verbs;
}

/** `ClusterRoleBinding "b" → ClusterRole "r" → rule [get] on /livez (subject Group "g")`. */
export function describeTrace(t: RBACTrace): string {
  const binding = t.binding.namespace !== undefined ? `${t.binding.namespace}/${t.binding.name}` : t.binding.name;
  return `${t.binding.kind} ${q(binding)} → ${t.roleRef.kind} ${q(t.roleRef.name)} → rule ${describeRule(t.rule)} (subject ${t.subject.kind} ${q(t.subject.name)})`;
}

function describeUser(u: UserInfo): string {
  const parts = [`user ${q(u.name)}`];
  if (u.uid !== '') parts.push(`uid ${q(u.uid)}`);
  parts.push(u.groups.length > 0 ? `groups ${u.groups.join(', ')}` : 'no groups');
  const extra = Object.keys(u.extra);
  if (extra.length > 0) parts.push(`extra ${extra.map((k) => `${k}=${(u.extra[k] ?? []).join(',')}`).join('; ')}`);
  return parts.join(', ');
}

function describeRequest(method: string, target: string, info: RequestInfo | undefined): string {
  if (!info) return `${method} ${target}: not a request target the server can parse`;
  if (!info.isResourceRequest) return `${method} ${target} → non-resource path ${q(info.path)}, verb ${info.verb}`;
  const what = `${info.resource}${info.subresource ? `/${info.subresource}` : ''}${info.name ? ` ${q(info.name)}` : ''}`;
  const where = info.namespace !== '' ? `in namespace ${q(info.namespace)}` : 'at cluster scope';
  return `${method} ${target} → ${info.verb} ${what} ${where} (API group ${q(info.apiGroup)}, version ${info.apiVersion})`;
}

/** Why anonymous did not answer this path (the JSON error when nobody authenticated). */
function anonymousNote(ctx: ExplainContext, path: string): string {
  const anon = ctx.runtime.anonymous;
  if (anon.enabled) return `anonymous not allowed on ${path}: conditions are ${anon.paths.join(', ')}`;
  if (anon.source === 'file') return `anonymous is disabled (anonymous.enabled: false in ${ctx.options.authenticationConfig ?? '--authentication-config'})`;
  if (ctx.options.anonymousAuth.value) return 'anonymous is disabled: --anonymous-auth is reset to false with --authorization-mode=AlwaysAllow';
  return 'anonymous is disabled (--anonymous-auth=false)';
}

/** What credential the request carried that nobody took, if any. */
function credentialNote(ctx: ExplainContext): string | undefined {
  const auth = firstHeader(ctx.headers, 'authorization');
  const notes: string[] = [];
  if (auth !== undefined && auth.trim() !== '') {
    const scheme = auth.trim().split(' ')[0] ?? '';
    if (scheme.toLowerCase() === 'bearer') notes.push('the bearer token is ignored (extra space before it)');
    else notes.push(`Authorization ${q(scheme)} is not a credential kube-apiserver accepts`);
  }
  if (ctx.identity.clientCertFile !== undefined) {
    if (ctx.runtime.clientCA === undefined) notes.push('the client certificate is never asked for (--client-ca-file is not set)');
    else if (ctx.peerCertificate?.commonName === '') notes.push('the client certificate has an empty CN');
  }
  return notes.length > 0 ? notes.join('; ') : undefined;
}

function asksToImpersonate(id: CheckIdentity): boolean {
  return id.as !== undefined || (id.asGroups ?? []).length > 0 || id.asUid !== undefined;
}

/** The impersonation the request asked for, and whether the engine's impersonation step accepted it. */
function impersonation(ctx: ExplainContext): string {
  const id = ctx.identity;
  if (!asksToImpersonate(id)) return '';
  const u = ctx.decision.impersonatedUser;
  if (u) return `; impersonates ${describeUser(u)}`;
  const parts = [id.as !== undefined ? `user ${q(id.as)}` : '', (id.asGroups ?? []).length > 0 ? `groups ${(id.asGroups ?? []).join(', ')}` : '', id.asUid !== undefined ? `uid ${q(id.asUid)}` : ''].filter((p) => p !== '');
  return `; asks to impersonate ${parts.join(', ')}`;
}

function explainAuthentication(ctx: ExplainContext, path: string): { line: string; error?: string } {
  const a = ctx.decision.authentication;
  if (!ctx.snapshot.authenticator) return { line: 'disabled: no authenticator is configured and anonymous is off, so the request goes on without a user' };
  if (!a) return { line: 'not reached' };
  if (a.kind === 'authenticated') {
    const who = describeUser(a.user);
    if (a.authenticator === ASSERTED_AUTHENTICATOR) return { line: `skipped: asserted identity (--user), ${who}${impersonation(ctx)}` };
    if (a.authenticator === 'anonymous') {
      const where = ctx.runtime.anonymous.paths.length > 0 ? `${path} is one of the anonymous conditions` : 'anonymous is enabled on every path';
      return { line: `anonymous: ${who} (${where})${impersonation(ctx)}` };
    }
    return { line: `${a.authenticator}: ${who}${impersonation(ctx)}` };
  }
  if (a.kind === 'error') {
    const never = ctx.runtime.anonymous.enabled ? ' (a rejected credential is never downgraded to anonymous)' : '';
    return { line: `rejected: ${a.message}${never}` };
  }
  const why = anonymousNote(ctx, path);
  const cred = credentialNote(ctx);
  return { line: `none: ${cred ? `${cred}; ` : 'no credentials; '}${why}`, error: why };
}

function explainAuthorization(ctx: ExplainContext, user: UserInfo | undefined): string {
  const d = ctx.decision;
  const z = d.authorization;
  if (!z) {
    if (d.response.status === 401) return 'not reached: the request is not authenticated (401)';
    if (asksToImpersonate(ctx.identity) && d.authentication?.kind === 'authenticated') {
      return `not reached: impersonation refused (${d.response.status}): ${d.response.statusObject?.message ?? d.response.body.trim()}`;
    }
    return `not reached (${d.response.status})`;
  }
  if (z.decision === 'Allow') {
    if (z.trace) return `allow by ${z.authorizer ?? ''}: ${describeTrace(z.trace)}`;
    if (z.authorizer === PRIVILEGED_GROUP_AUTHORIZER_NAME) return `allow by ${z.authorizer}: the user is in group system:masters`;
    return `allow by ${z.authorizer ?? ''}${z.reason ? `: ${z.reason}` : ''}`;
  }
  if (z.error !== undefined) return `error: ${z.error} (answered 500)`;
  const by = z.decision === 'Deny' ? `deny by ${z.authorizer ?? ''}` : 'forbid: no authorizer allowed it';
  const reason = z.reason ? ` (${z.reason.replace(/\n/g, '; ')})` : '';
  const rbac = ctx.runtime.authorization.rbac;
  let rbacNote = '';
  if (rbac && user && d.info) {
    const rules = rbac.rulesFor(user, d.info.namespace);
    const n = rules.resourceRules.length + rules.nonResourceRules.length;
    const what = d.info.isResourceRequest ? `${d.info.verb} on ${d.info.resource}${d.info.subresource ? `/${d.info.subresource}` : ''}` : `${d.info.verb} on ${d.info.path}`;
    rbacNote = `; RBAC gives ${q(user.name)} ${n} rule${n === 1 ? '' : 's'} here, none allows ${what}`;
  }
  return `${by}${reason}${rbacNote}`;
}

function explainAudit(ctx: ExplainContext): string {
  const auditor = ctx.runtime.auditor;
  if (!auditor.enabled) return 'no events: --audit-policy-file is not set';
  const o = ctx.options.audit;
  const nowhere = o && o.log.path === '' && o.webhook.configFile === '' ? ' (no --audit-log-path or --audit-webhook-config-file: serve would store them nowhere)' : '';
  if (ctx.events.length === 0) return `no events: the policy gives this request level None, or omits its stages${nowhere}`;
  const first = ctx.events[0] as AuditEvent;
  const stages = ctx.events.map((e) => e.stage).join(', ');
  // The reason annotation repeats the authorization line; the decision is enough here.
  const decision = ctx.events[ctx.events.length - 1]?.annotations?.['authorization.k8s.io/decision'];
  return `level ${first.level}, ${ctx.events.length} event${ctx.events.length === 1 ? '' : 's'}: ${stages}${decision !== undefined ? `; annotation decision=${decision}` : ''}${nowhere}`;
}

/** A body on one line: a compact JSON body as is, anything else as a JSON string. */
function oneLine(body: string): string {
  const trimmed = body.endsWith('\n') ? body.slice(0, -1) : body;
  return trimmed.includes('\n') || trimmed === '' || !trimmed.startsWith('{') ? q(body) : trimmed;
}

function explainResponse(d: Decision): string {
  const r = d.response;
  const type = r.headers['Content-Type'];
  const warnings = d.warnings.length > 0 ? `; warning: ${d.warnings.map((w) => q(w)).join(', ')}` : '';
  return `${r.status} ${STATUS_CODES[r.status] ?? ''}${type ? ` ${type}` : ''} ${oneLine(r.body)}${warnings}`;
}

/** The five stage lines of a decided request. */
export function explainStages(ctx: ExplainContext): CheckStages {
  const d = ctx.decision;
  const path = d.url?.path ?? ctx.target;
  const authn = explainAuthentication(ctx, path);
  // Authorization decides for the impersonated user when impersonation was accepted.
  const user = d.impersonatedUser ?? (d.authentication?.kind === 'authenticated' ? d.authentication.user : undefined);
  return {
    request: describeRequest(ctx.method, ctx.target, d.info),
    authentication: authn.line,
    authorization: explainAuthorization(ctx, user),
    audit: explainAudit(ctx),
    response: explainResponse(d),
    ...(authn.error !== undefined ? { authenticationError: authn.error } : {}),
  };
}
