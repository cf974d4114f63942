/**
 * The RBAC API objects (rbac.authorization.k8s.io/v1) as their JSON looks on the wire, so that
 * `kubectl get ... -o yaml` output and hand-written manifests map onto them field for field.
 * Optional properties are the ones Kubernetes marks `omitempty`; only the metadata fields RBAC
 * reads are typed (the loader accepts and drops the rest).
 */

/** The API group of every RBAC object and of User/Group subjects. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** The only RBAC apiVersion kube-apiserver v1.22+ serves. */
export const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';

/** The part of ObjectMeta RBAC evaluation reads. */
export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** One permission: verbs on resources, or verbs on non-resource URLs. */
export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

/** Who a binding grants to: `User`, `Group` or `ServiceAccount` (other kinds never match). */
export interface Subject {
  readonly kind: string;
  readonly apiGroup?: string;
  readonly name: string;
  readonly namespace?: string;
}

/** The role a binding grants: kind `Role` (RoleBindings only) or `ClusterRole`. */
export interface RoleRef {
  readonly apiGroup: string;
  readonly kind: string;
  readonly name: string;
}

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  readonly key: string;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  readonly operator: string;
  readonly values?: readonly string[];
}

/** metav1.LabelSelector: all of matchLabels and matchExpressions must hold; `{}` matches everything. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** A ClusterRole whose rules are the union of the ClusterRoles its selectors pick. */
export interface AggregationRule {
  readonly clusterRoleSelectors?: readonly LabelSelector[];
}

export interface Role {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly rules?: readonly PolicyRule[];
}

export interface ClusterRole {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly rules?: readonly PolicyRule[];
  readonly aggregationRule?: AggregationRule;
}

export interface RoleBinding {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly subjects?: readonly Subject[];
  readonly roleRef: RoleRef;
}

export interface ClusterRoleBinding {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly subjects?: readonly Subject[];
  readonly roleRef: RoleRef;
}

/**
 * A set of RBAC objects, as a cluster's RBAC informers would hold them. Order matters to doorman
 * (not to kube): bindings are visited in array order, which makes the reason string deterministic.
 */
export interface RbacObjects {
  readonly roles: readonly Role[];
  readonly clusterRoles: readonly ClusterRole[];
  readonly roleBindings: readonly RoleBinding[];
  readonly clusterRoleBindings: readonly ClusterRoleBinding[];
}

/** An empty {@link RbacObjects}. */
export const NO_RBAC_OBJECTS: RbacObjects = Object.freeze({
  roles: Object.freeze([]),
  clusterRoles: Object.freeze([]),
  roleBindings: Object.freeze([]),
  clusterRoleBindings: Object.freeze([]),
});
