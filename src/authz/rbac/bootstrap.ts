/**
 * The bootstrap RBAC policy doorman always carries: the four ClusterRoles and ClusterRoleBindings
 * of kube-apiserver's bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go)
 * that decide who may reach health, version, discovery and the self-review APIs, and who is
 * cluster-admin. They are plain data, as kube-apiserver writes them.
 *
 * Order: the bindings are visited first, in the order `cluster-admin`,
 * `system:public-info-viewer`, `system:discovery`, `system:basic-user`. Kube visits bindings in no
 * fixed order; doorman puts `system:public-info-viewer` ahead of `system:discovery` so that the
 * health and version endpoints (`/livez`, `/readyz`, `/healthz`, `/version`) are reported as
 * allowed by the role made for them, for anonymous and authenticated callers alike.
 *
 * User objects with the name of a bootstrap object replace it (kube's start-up reconciler would
 * instead merge missing rules and subjects back in unless the object is annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "false"`); a replacement that differs from the
 * bootstrap content is reported as a warning. The aggregated `admin`/`edit`/`view` roles and the
 * controller roles are not included.
 */
import type { ClusterRole, ClusterRoleBinding, RbacObjects, Role, RoleBinding, PolicyRule } from './types.js';
import { RBAC_API_VERSION, RBAC_GROUP } from './types.js';
import { rulesEqual } from './aggregate.js';

const LABELS = Object.freeze({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
const ANNOTATIONS = Object.freeze({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' });

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function clusterRole(name: string, rules: PolicyRule[]): ClusterRole {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRole',
    metadata: { name, labels: LABELS, annotations: ANNOTATIONS },
    rules,
  };
}

function clusterBinding(name: string, groups: string[]): ClusterRoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: LABELS, annotations: ANNOTATIONS },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
    subjects: groups.map((g) => ({ kind: 'Group', apiGroup: RBAC_GROUP, name: g })),
  };
}

/** The bootstrap ClusterRoles, in doorman's fixed order. */
export const BOOTSTRAP_CLUSTER_ROLES: readonly ClusterRole[] = deepFreeze([
  clusterRole('cluster-admin', [
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    { verbs: ['*'], nonResourceURLs: ['*'] },
  ]),
  clusterRole('system:public-info-viewer', [
    { verbs: ['get'], nonResourceURLs: ['/livez', '/readyz', '/healthz', '/version', '/version/'] },
  ]),
  clusterRole('system:discovery', [
    {
      verbs: ['get'],
      nonResourceURLs: [
        '/livez', '/readyz', '/healthz', '/version', '/version/',
        '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*',
      ],
    },
  ]),
  clusterRole('system:basic-user', [
    { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
    { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
  ]),
  clusterRole('system:monitoring', [
    { verbs: ['get'], nonResourceURLs: ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'] },
  ]),
]);

/** The bootstrap ClusterRoleBindings, in the order doorman visits them. */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly ClusterRoleBinding[] = deepFreeze([
  clusterBinding('cluster-admin', ['system:masters']),
  clusterBinding('system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
  clusterBinding('system:discovery', ['system:authenticated']),
  clusterBinding('system:basic-user', ['system:authenticated']),
  clusterBinding('system:monitoring', ['system:monitoring']),
]);

/** The bootstrap policy as an {@link RbacObjects}. */
export const BOOTSTRAP_POLICY: RbacObjects = deepFreeze({
  roles: [],
  clusterRoles: BOOTSTRAP_CLUSTER_ROLES,
  roleBindings: [],
  clusterRoleBindings: BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
});

/** Result of {@link withBootstrapPolicy}. */
export interface MergedPolicy {
  readonly objects: RbacObjects;
  readonly warnings: readonly string[];
}

type Named = { readonly metadata: { readonly name?: string; readonly namespace?: string } };

function key(o: Named): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

function sameClusterRole(a: ClusterRole, b: ClusterRole): boolean {
  const ra = a.rules ?? [];
  const rb = b.rules ?? [];
  return (
    a.aggregationRule === undefined &&
    b.aggregationRule === undefined &&
    ra.length === rb.length &&
    ra.every((r, i) => rulesEqual(r, rb[i] as PolicyRule))
  );
}

function sameBinding(a: ClusterRoleBinding, b: ClusterRoleBinding): boolean {
  const sa = a.subjects ?? [];
  const sb = b.subjects ?? [];
  return (
    a.roleRef.kind === b.roleRef.kind &&
    a.roleRef.name === b.roleRef.name &&
    sa.length === sb.length &&
    sa.every((s, i) => {
      const t = sb[i];
      return t !== undefined && s.kind === t.kind && s.name === t.name && (s.namespace ?? '') === (t.namespace ?? '');
    })
  );
}

function merge<T extends Named>(
  kind: string,
  base: readonly T[],
  user: readonly T[],
  same: (a: T, b: T) => boolean,
  warnings: string[],
): T[] {
  const out = [...base];
  const at = new Map(base.map((o, i) => [key(o), i]));
  for (const o of user) {
    const i = at.get(key(o));
    if (i === undefined) {
      out.push(o);
      continue;
    }
    const b = out[i] as T;
    if (!same(b, o)) {
      warnings.push(`${kind} ${JSON.stringify(o.metadata.name ?? '')} replaces the bootstrap ${kind} of that name (kube-apiserver would reconcile the bootstrap rules and subjects back in unless it is annotated rbac.authorization.kubernetes.io/autoupdate: "false")`);
    }
    out[i] = o;
  }
  return out;
}

/**
 * The bootstrap policy followed by `objects`. A user object with the name of a bootstrap object
 * takes its place (and its position in the visiting order); a warning says so when its content
 * differs, so loading a cluster's own `kubectl get -o yaml` output, which contains the bootstrap
 * objects unchanged, is silent.
 *
 * @example
 * const { objects, warnings } = withBootstrapPolicy(loadRbacObjects(['rbac.yaml']).objects);
 * const rbac = new RBACAuthorizer(objects);
 */
export function withBootstrapPolicy(objects: RbacObjects): MergedPolicy {
  const warnings: string[] = [];
  const clusterRoles = merge<ClusterRole>('ClusterRole', BOOTSTRAP_CLUSTER_ROLES, objects.clusterRoles, sameClusterRole, warnings);
  const clusterRoleBindings = merge<ClusterRoleBinding>(
    'ClusterRoleBinding',
    BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
    objects.clusterRoleBindings,
    sameBinding,
    warnings,
  );
  const roles: readonly Role[] = objects.roles;
  const roleBindings: readonly RoleBinding[] = objects.roleBindings;
  return { objects: { roles, clusterRoles, roleBindings, clusterRoleBindings }, warnings };
}
