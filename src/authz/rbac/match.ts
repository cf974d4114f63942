/**
 * RBAC's matching predicates, one per question kube-apiserver asks: does a rule allow this
 * request (pkg/apis/rbac/v1/evaluation_helpers.go, plugin/pkg/auth/authorizer/rbac/rbac.go
 * `RuleAllows`), does a binding subject apply to this user (pkg/registry/rbac/validation/rule.go
 * `appliesTo`), and how a binding is named in the Allow reason (the describers in rule.go).
 * All comparisons are exact and case-sensitive; `*` is the only wildcard.
 */
import type { UserInfo } from '../../authn/types.js';
import type { Attributes } from '../types.js';
import { goQuote } from '../../util/goquote.js';
import type { PolicyRule, Subject, RoleRef } from './types.js';

const ALL = '*';

/** The request fields rule matching reads. */
export type RuleRequest = Pick<
  Attributes,
  'verb' | 'isResourceRequest' | 'path' | 'apiGroup' | 'resource' | 'subresource' | 'name'
>;

/** True if some rule verb is `*` or equals `verb`. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of rule.verbs) if (v === ALL || v === verb) return true;
  return false;
}

/** True if some rule API group is `*` or equals `group` (`""` is the core group). */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  for (const g of rule.apiGroups ?? []) if (g === ALL || g === group) return true;
  return false;
}

/**
 * True if some rule resource is `*`, equals `combined` (`resource` or `resource/subresource`),
 * or, only when a subresource was requested, is exactly a star, a slash and that subresource
 * (`*&#47;scale`). Plain `pods` does not cover `pods/status`.
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (subresource.length === 0) continue;
    if (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/** True if the rule lists no names, or lists `name`. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/**
 * True if some rule URL is `*`, equals `path`, or ends in `*` and `path` starts with the URL
 * minus all its trailing `*` (so `/apis/*` matches `/apis/v1` but not `/apis`).
 */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith(ALL) && path.startsWith(trimRightStars(u))) return true;
  }
  return false;
}

function trimRightStars(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 42 /* '*' */) end--;
  return s.slice(0, end);
}

/**
 * kube's `RuleAllows`: a resource request needs verb, group, resource and name to match; a
 * non-resource request needs verb and URL. A rule carrying both kinds of fields can allow both.
 *
 * @example
 * ruleAllows({ verbs: ['get'], nonResourceURLs: ['/healthz'] },
 *   { isResourceRequest: false, verb: 'get', path: '/healthz', apiGroup: '', resource: '', subresource: '', name: '' }) // true
 */
export function ruleAllows(req: RuleRequest, rule: PolicyRule): boolean {
  if (req.isResourceRequest) {
    const combined = req.subresource.length > 0 ? `${req.resource}/${req.subresource}` : req.resource;
    return (
      verbMatches(rule, req.verb) &&
      apiGroupMatches(rule, req.apiGroup) &&
      resourceMatches(rule, combined, req.subresource) &&
      resourceNameMatches(rule, req.name)
    );
  }
  return verbMatches(rule, req.verb) && nonResourceURLMatches(rule, req.path);
}

/** The username kube gives a service account's tokens. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/**
 * kube's `appliesToUser`. `namespace` is the binding's namespace context: the RoleBinding's
 * namespace, or `""` for a ClusterRoleBinding (where a ServiceAccount subject without a
 * namespace therefore never matches). The subject's `apiGroup` is not consulted.
 */
export function appliesToUser(user: Pick<UserInfo, 'name' | 'groups'>, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace ? subject.namespace : namespace;
      if (ns.length === 0) return false;
      return user.name === serviceAccountUsername(ns, subject.name);
    }
    default:
      return false;
  }
}

/** kube's `appliesTo`: the index of the first subject that applies, or -1. */
export function appliesTo(
  user: Pick<UserInfo, 'name' | 'groups'>,
  subjects: readonly Subject[],
  namespace: string,
): number {
  for (let i = 0; i < subjects.length; i++) {
    const s = subjects[i];
    if (s !== undefined && appliesToUser(user, s, namespace)) return i;
  }
  return -1;
}

/** How a subject is named in a reason: `Group "x"`, or `ServiceAccount "name/ns"` (ns defaulted to the binding's). */
export function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') {
    const ns = subject.namespace ? subject.namespace : bindingNamespace;
    return `${subject.kind} ${goQuote(`${subject.name}/${ns}`)}`;
  }
  return `${subject.kind} ${goQuote(subject.name)}`;
}

/**
 * The binding describer kube prints after `RBAC: allowed by `:
 * `ClusterRoleBinding "b" of ClusterRole "r" to Group "g"` or
 * `RoleBinding "b/ns" of Role "r" to User "u"`. `namespace` is `undefined` for a ClusterRoleBinding.
 */
export function describeBinding(
  bindingName: string,
  namespace: string | undefined,
  roleRef: RoleRef,
  subject: Subject,
): string {
  const of = `of ${roleRef.kind} ${goQuote(roleRef.name)} to`;
  if (namespace === undefined) {
    return `ClusterRoleBinding ${goQuote(bindingName)} ${of} ${describeSubject(subject, '')}`;
  }
  return `RoleBinding ${goQuote(`${bindingName}/${namespace}`)} ${of} ${describeSubject(subject, namespace)}`;
}
