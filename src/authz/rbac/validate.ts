/**
 * Defaulting and validation of RBAC objects, as kube-apiserver applies them when the objects are
 * created (rbac/v1 defaults, pkg/apis/rbac/validation/validation.go). An object kube-apiserver
 * would refuse cannot exist in a cluster, so doorman refuses it at load with the same field paths
 * and words. Not checked: label and annotation syntax, and other ObjectMeta fields RBAC ignores.
 */
import type { FieldError } from '../../errors.js';
import { goQuote } from '../../util/goquote.js';
import { validateLabelSelector } from './selector.js';
import {
  RBAC_GROUP,
  type ClusterRole,
  type ClusterRoleBinding,
  type ObjectMeta,
  type PolicyRule,
  type Role,
  type RoleBinding,
  type RoleRef,
  type Subject,
} from './types.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function notSupported(field: string, value: string, supported: readonly string[]): FieldError {
  return { field, type: 'Unsupported value', value, detail: `supported values: ${supported.map(goQuote).join(', ')}` };
}

/** apimachinery's IsValidPathSegmentName: the rule RBAC applies to object and role names. */
function pathSegmentErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const out: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) out.push(`may not contain '${bad}'`);
  return out;
}

function dns1123LabelErrors(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v)) {
    out.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return out;
}

/** apimachinery's IsDNS1123Subdomain messages (empty when valid); also used for AuthenticationConfiguration extra keys. */
export function dns1123SubdomainErrors(v: string): string[] {
  const out: string[] = [];
  if (v.length > 253) out.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v)) {
    out.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return out;
}

function validateMeta(meta: ObjectMeta, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = meta.name ?? '';
  if (name === '') errs.push({ field: 'metadata.name', type: 'Required value', detail: 'name or generateName is required' });
  else for (const msg of pathSegmentErrors(name)) errs.push({ field: 'metadata.name', type: 'Invalid value', value: name, detail: msg });
  if (namespaced) {
    const ns = meta.namespace ?? '';
    if (ns === '') errs.push({ field: 'metadata.namespace', type: 'Required value' });
    else for (const msg of dns1123LabelErrors(ns)) errs.push({ field: 'metadata.namespace', type: 'Invalid value', value: ns, detail: msg });
  }
  return errs;
}

function validateRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (rule.verbs.length === 0) {
    errs.push({ field: `${path}.verbs`, type: 'Required value', detail: 'verbs must contain at least one value' });
  }
  const urls = rule.nonResourceURLs ?? [];
  const groups = rule.apiGroups ?? [];
  const resources = rule.resources ?? [];
  const names = rule.resourceNames ?? [];
  if (urls.length > 0) {
    if (namespaced) {
      errs.push({ field: `${path}.nonResourceURLs`, type: 'Invalid value', value: urls, detail: 'namespaced rules cannot apply to non-resource URLs' });
    }
    if (groups.length > 0 || resources.length > 0 || names.length > 0) {
      errs.push({ field: `${path}.nonResourceURLs`, type: 'Invalid value', value: urls, detail: 'rules cannot apply to both regular resources and non-resource URLs' });
    }
    return errs;
  }
  if (groups.length === 0) {
    errs.push({ field: `${path}.apiGroups`, type: 'Required value', detail: 'resource rules must supply at least one api group' });
  }
  if (resources.length === 0) {
    errs.push({ field: `${path}.resources`, type: 'Required value', detail: 'resource rules must supply at least one resource' });
  }
  if (names.length > 0 && resources.length > 1) {
    errs.push({ field: `${path}.resourceNames`, type: 'Required value', detail: 'resource names cannot apply to multiple resources' });
  }
  return errs;
}

function validateRoleRef(ref: RoleRef, kinds: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (ref.apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', ref.apiGroup, [RBAC_GROUP]));
  if (!kinds.includes(ref.kind)) errs.push(notSupported('roleRef.kind', ref.kind, kinds));
  if (ref.name === '') errs.push({ field: 'roleRef.name', type: 'Required value' });
  else for (const msg of pathSegmentErrors(ref.name)) errs.push({ field: 'roleRef.name', type: 'Invalid value', value: ref.name, detail: msg });
  return errs;
}

function validateSubject(s: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (s.name === '') errs.push({ field: `${path}.name`, type: 'Required value' });
  const apiGroup = s.apiGroup ?? '';
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name !== '') {
        for (const msg of dns1123SubdomainErrors(s.name)) errs.push({ field: `${path}.name`, type: 'Invalid value', value: s.name, detail: msg });
      }
      if (apiGroup !== '') errs.push(notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && (s.namespace ?? '') === '') errs.push({ field: `${path}.namespace`, type: 'Required value' });
      break;
    case 'User':
    case 'Group':
      if (s.name === '') {
        errs.push({ field: `${path}.name`, type: 'Invalid value', value: s.name, detail: `${s.kind.toLowerCase()} name cannot be empty` });
      }
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** rbac/v1 defaulting: an empty roleRef.apiGroup, and User/Group subjects' apiGroup, become the RBAC group. */
export function defaultBinding<T extends RoleBinding | ClusterRoleBinding>(b: T): T {
  const roleRef = b.roleRef.apiGroup === '' ? { ...b.roleRef, apiGroup: RBAC_GROUP } : b.roleRef;
  const subjects = b.subjects?.map((s): Subject =>
    (s.apiGroup ?? '') === '' && (s.kind === 'User' || s.kind === 'Group') ? { ...s, apiGroup: RBAC_GROUP } : s,
  );
  return subjects === undefined ? { ...b, roleRef } : { ...b, roleRef, subjects };
}

/** Field errors for a Role (kube's ValidateRole). */
export function validateRole(role: Role): FieldError[] {
  return [
    ...validateMeta(role.metadata, true),
    ...(role.rules ?? []).flatMap((r, i) => validateRule(r, true, `rules[${i}]`)),
  ];
}

/** Field errors for a ClusterRole (kube's ValidateClusterRole, plus its aggregation selectors). */
export function validateClusterRole(role: ClusterRole): FieldError[] {
  return [
    ...validateMeta(role.metadata, false),
    ...(role.rules ?? []).flatMap((r, i) => validateRule(r, false, `rules[${i}]`)),
    ...(role.aggregationRule?.clusterRoleSelectors ?? []).flatMap((sel, i) =>
      validateLabelSelector(sel, `aggregationRule.clusterRoleSelectors[${i}]`),
    ),
  ];
}

/** Field errors for a defaulted RoleBinding (kube's ValidateRoleBinding). */
export function validateRoleBinding(b: RoleBinding): FieldError[] {
  return [
    ...validateMeta(b.metadata, true),
    ...validateRoleRef(b.roleRef, ['Role', 'ClusterRole']),
    ...(b.subjects ?? []).flatMap((s, i) => validateSubject(s, true, `subjects[${i}]`)),
  ];
}

/** Field errors for a defaulted ClusterRoleBinding (kube's ValidateClusterRoleBinding). */
export function validateClusterRoleBinding(b: ClusterRoleBinding): FieldError[] {
  return [
    ...validateMeta(b.metadata, false),
    ...validateRoleRef(b.roleRef, ['ClusterRole']),
    ...(b.subjects ?? []).flatMap((s, i) => validateSubject(s, false, `subjects[${i}]`)),
  ];
}
