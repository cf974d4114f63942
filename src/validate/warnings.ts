/**
 * The risky-but-valid settings `doorman validate` warns about (never errors): anonymous access on
 * every path; a condition path RBAC does not grant to anonymous (it answers 403); RBAC grants to
 * `system:anonymous` / `system:unauthenticated` beyond public information; a condition no probe
 * will ever match; a kubelet probe that would be refused; and the CIS-style scanner finding for
 * the absent `--anonymous-auth=false` although the file is safer. Requests are simulated with
 * the engine itself (`decide`), so a warning says what the server would really answer.
 */
import { decide, type EngineSnapshot } from '../engine.js';
import { buildAuthenticator } from '../authn/chain.js';
import type { EffectiveAnonymous } from '../config/authentication.js';
import { ANONYMOUS_USER, UNAUTHENTICATED_GROUP } from '../authn/types.js';
import { aggregateClusterRoles, type Authorizer, type PolicyRule, type RbacObjects, type Subject } from '../authz/index.js';
import { builtinHandler } from '../api/router.js';
import { defaultHealthEndpoints, shutdownCheck } from '../health/index.js';
import { describeRule } from '../check/explain.js';
import type { HttpProbe } from './manifest.js';
import type { Problem } from './report.js';

/** What the warnings look at. */
export interface WarningInput {
  /** Where flags came from: `command line` or the manifest path. */
  readonly source: string;
  /** The authentication config as kube-apiserver names it, when one is given. */
  readonly authnFile: string | undefined;
  /** The file's anonymous section, when it has one. */
  readonly fileAnonymous: { readonly enabled: boolean; readonly conditions: readonly string[] } | undefined;
  readonly anonymousFlag: { readonly set: boolean; readonly value: boolean };
  readonly anonymous: EffectiveAnonymous;
  readonly modes: readonly string[];
  readonly authorizer: Authorizer;
  /** Bootstrap policy plus the operator's objects, when RBAC is a mode. */
  readonly rbac: RbacObjects | undefined;
  /** Where the operator's RBAC objects came from, for the report. */
  readonly rbacSource: string;
  readonly probes: readonly HttpProbe[];
  readonly serverAddress: string;
}

const HEALTH = ['/livez', '/readyz', '/healthz'];
const PUBLIC_INFO_URLS: ReadonlySet<string> = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);
const FILE_FIX = 'in --authentication-config, set anonymous: {enabled: true, conditions: [{path: /livez}, {path: /readyz}, {path: /healthz}]} and drop --anonymous-auth';

/** A snapshot that answers credential-free requests exactly as serve would. */
function anonymousSnapshot(w: WarningInput): EngineSnapshot {
  return {
    authenticator: buildAuthenticator({ clientCertificates: false, tokens: [], anonymous: w.anonymous }),
    authorizer: w.authorizer,
    handler: builtinHandler({ health: defaultHealthEndpoints(shutdownCheck()), serverAddress: w.serverAddress, extra: new Map() }),
  };
}

async function anonymousGet(snap: EngineSnapshot, target: string, headers: Record<string, string> = {}): Promise<{ code: number; reason: string }> {
  const d = await decide(snap, { method: 'GET', target, headers, remoteAddress: '127.0.0.1' });
  return { code: d.response.status, reason: d.authorization?.reason ?? '' };
}

function everywhere(w: WarningInput): Problem[] {
  const a = w.anonymous;
  if (!a.enabled || a.paths.length > 0) return [];
  const out: Problem[] = [];
  if (a.source === 'file') {
    out.push({
      file: w.authnFile ?? '',
      field: 'anonymous',
      message: 'anonymous is enabled with no conditions: system:anonymous may call every path, and gets whatever RBAC grants system:unauthenticated',
      fix: 'list the paths anonymous may use, e.g. conditions: [{path: /livez}, {path: /readyz}, {path: /healthz}]',
    });
    if (w.modes.includes('AlwaysAllow')) {
      out.push({
        file: w.authnFile ?? '',
        field: 'anonymous.enabled',
        message: 'with --authorization-mode=AlwaysAllow every anonymous request is allowed: kube-apiserver resets only the --anonymous-auth flag to false under AlwaysAllow, not the file\'s anonymous.enabled',
        fix: 'use --authorization-mode=RBAC (or Node,RBAC), or set anonymous.enabled: false',
      });
    }
  } else {
    out.push({
      file: w.source,
      field: '--anonymous-auth',
      message: `anonymous requests are accepted on every path (--anonymous-auth ${w.anonymousFlag.set ? 'is true' : 'defaults to true'}): system:anonymous gets whatever RBAC grants system:unauthenticated`,
      fix: FILE_FIX,
    });
  }
  return out;
}

function unlikelyCondition(p: string, seen: Set<string>): string | undefined {
  if (seen.has(p)) return 'listed more than once (harmless: conditions are a set)';
  seen.add(p);
  if (p === '') return 'an empty path matches no request, and a non-empty condition list turns anonymous off everywhere else: anonymous is off on every path';
  if (!p.startsWith('/')) return 'never matches: request paths start with "/"';
  if (p.includes('?')) return `never matches: the query string is not part of the path conditions are compared with; use ${p.slice(0, p.indexOf('?'))}`;
  if (p.includes('*')) return 'never matches a real probe: conditions are exact paths, "*" is not a wildcard';
  if (p.includes('%')) return 'never matches: conditions are compared with the percent-decoded path, so write the path decoded';
  const bare = p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') : undefined;
  if (bare !== undefined) return `probes request ${bare}, and the trailing slash is significant: ${bare} would get 401`;
  if (p !== p.toLowerCase() && HEALTH.includes(p.toLowerCase())) return `paths are case-sensitive: probes request ${p.toLowerCase()}, which would get 401`;
  return undefined;
}

async function conditionWarnings(w: WarningInput, snap: EngineSnapshot): Promise<Problem[]> {
  const out: Problem[] = [];
  const file = w.fileAnonymous;
  if (!file || !file.enabled) return out;
  const seen = new Set<string>();
  for (const [i, p] of file.conditions.entries()) {
    const field = `anonymous.conditions[${i}].path`;
    const unlikely = unlikelyCondition(p, seen);
    if (unlikely !== undefined) {
      out.push({ file: w.authnFile ?? '', field, message: `${JSON.stringify(p)}: ${unlikely}` });
      continue;
    }
    const r = await anonymousGet(snap, p);
    if (r.code === 403) {
      out.push({
        file: w.authnFile ?? '',
        field,
        message: `GET ${p} by system:anonymous would answer 403: anonymous is let in there, but no authorizer allows it${r.reason ? ` (${r.reason})` : ''}`,
        fix: `grant get on ${p} to Group system:unauthenticated (a ClusterRole with nonResourceURLs: ["${p}"] and a ClusterRoleBinding), or drop the condition`,
      });
    }
  }
  return out;
}

/** The subject of `subjects` that applies to the anonymous user, if any. */
function anonymousSubject(subjects: readonly Subject[] | undefined): Subject | undefined {
  return (subjects ?? []).find((s) => (s.kind === 'User' && s.name === ANONYMOUS_USER) || (s.kind === 'Group' && s.name === UNAUTHENTICATED_GROUP));
}

function isPublicInfo(rule: PolicyRule): boolean {
  return (
    (rule.resources ?? []).length === 0 &&
    rule.verbs.every((v) => v === 'get') &&
    (rule.nonResourceURLs ?? []).length > 0 &&
    (rule.nonResourceURLs ?? []).every((u) => PUBLIC_INFO_URLS.has(u))
  );
}

function reach(a: EffectiveAnonymous): string {
  if (!a.enabled) return 'inert while anonymous is disabled, live again the day it is enabled';
  if (a.paths.length > 0) return `reachable anonymously only on the condition paths (${a.paths.join(', ')})`;
  return 'reachable by anyone who can connect';
}

function rbacWarnings(w: WarningInput): Problem[] {
  if (!w.rbac) return [];
  const clusterRoles = new Map(aggregateClusterRoles(w.rbac.clusterRoles).clusterRoles.map((r) => [r.metadata.name ?? '', r.rules ?? []]));
  const roles = new Map(w.rbac.roles.map((r) => [`${r.metadata.namespace ?? ''}/${r.metadata.name ?? ''}`, r.rules ?? []]));
  const bindings = [
    ...w.rbac.clusterRoleBindings.map((b) => ({ b, kind: 'ClusterRoleBinding', ns: '' })),
    ...w.rbac.roleBindings.map((b) => ({ b, kind: 'RoleBinding', ns: b.metadata.namespace ?? '' })),
  ];
  const out: Problem[] = [];
  for (const { b, kind, ns } of bindings) {
    const subject = anonymousSubject(b.subjects);
    if (!subject) continue;
    const rules = b.roleRef.kind === 'ClusterRole' ? clusterRoles.get(b.roleRef.name) : roles.get(`${ns}/${b.roleRef.name}`);
    const beyond = (rules ?? []).filter((r) => !isPublicInfo(r));
    if (beyond.length === 0) continue;
    const name = ns !== '' ? `${ns}/${b.metadata.name ?? ''}` : (b.metadata.name ?? '');
    const kubeadm = b.metadata.name === 'kubeadm:bootstrap-signer-clusterinfo';
    out.push({
      file: w.rbacSource,
      field: `${kind} ${JSON.stringify(name)}`,
      message: `grants ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${subject.kind} ${JSON.stringify(subject.name)} beyond public information: ${beyond.map(describeRule).join('; ')}; ${reach(w.anonymous)}`,
      fix: kubeadm
        ? 'kubeadm creates this binding for `kubeadm join --discovery-token`; keep it and add /api/v1/namespaces/kube-public/configmaps/cluster-info to anonymous.conditions, or delete it and join with --discovery-file'
        : 'bind the role to the users or groups that need it, not to anonymous callers',
    });
  }
  return out;
}

async function probeWarnings(w: WarningInput, snap: EngineSnapshot): Promise<Problem[]> {
  const out: Problem[] = [];
  const effect = { livenessProbe: 'the kubelet would keep restarting kube-apiserver', readinessProbe: 'the Pod would never be Ready', startupProbe: 'the Pod would never finish starting' };
  for (const p of w.probes) {
    const headers: Record<string, string> = {};
    for (const h of p.headers) headers[h.name.toLowerCase()] = h.value;
    if (headers['authorization'] !== undefined) continue;
    const r = await anonymousGet(snap, p.path, headers);
    if (r.code >= 200 && r.code < 400) continue;
    const path = p.path.split('?')[0] ?? p.path;
    out.push({
      file: w.source,
      field: `spec.containers[kube-apiserver].${p.kind}.httpGet.path`,
      message: `the kubelet's GET ${p.path} would get ${r.code}: ${effect[p.kind]}`,
      ...(r.code === 401 ? { fix: `add {path: ${path}} to anonymous.conditions` } : {}),
    });
  }
  return out;
}

function scannerWarning(w: WarningInput): Problem[] {
  if (!w.fileAnonymous || w.anonymousFlag.set) return [];
  const a = w.anonymous;
  // Only when the file is at least as safe as the flag; anonymous everywhere is warned about above.
  if (a.enabled && a.paths.length === 0) return [];
  const state = a.enabled ? `anonymous is limited to ${[...new Set(a.paths)].map((p) => JSON.stringify(p)).join(', ')}` : 'anonymous is off everywhere, as the flag would make it';
  return [
    {
      file: w.source,
      field: '--anonymous-auth',
      message: `CIS-style scanners (kube-bench check 1.2.1, kubescape C-0113) report the absent --anonymous-auth=false as a failure, although the file decides instead: ${state}`,
      fix: 'record a scanner exception; do not add --anonymous-auth=false: kube-apiserver refuses to start with both the flag and the anonymous section',
    },
  ];
}

/** Every warning for one configuration, in a stable order. */
export async function collectWarnings(w: WarningInput): Promise<Problem[]> {
  const snap = anonymousSnapshot(w);
  return [
    ...everywhere(w),
    ...(await conditionWarnings(w, snap)),
    ...rbacWarnings(w),
    ...(await probeWarnings(w, snap)),
    ...scannerWarning(w),
  ];
}
