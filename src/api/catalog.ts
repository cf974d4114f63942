/**
 * The API groups and resources doorman lists in discovery. Two kinds of entries: the review APIs
 * doorman really serves (authentication.k8s.io/v1, authorization.k8s.io/v1), and kube-apiserver
 * 1.35's built-in GA resources at their default versions, listed so that clients resolve names
 * the way they do against a cluster: `kubectl auth can-i create deployments.apps` needs the
 * RESTMapper to know `deployments` is in `apps`, `can-i get po` needs the short name. Those are
 * discovery only: requests for them are authorized like any other and then answered 404 NotFound,
 * because doorman stores nothing. Names, kinds, scopes, verbs, short names and categories are
 * kube-apiserver's (api/discovery in the Kubernetes repository); subresources and
 * storageVersionHash are left out.
 */

/** One resource as discovery describes it. */
export interface CatalogResource {
  readonly name: string;
  readonly singularName: string;
  readonly namespaced: boolean;
  readonly kind: string;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
}

/** A group with its versions, the preferred one first. */
export interface CatalogGroup {
  /** `''` for the core group (`/api`). */
  readonly name: string;
  readonly versions: readonly { readonly version: string; readonly resources: readonly CatalogResource[] }[];
  /** True when doorman implements the group's resources (the review APIs). */
  readonly served: boolean;
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const CREATE = ['create'] as const;

type Row = readonly [
  name: string,
  singular: string,
  namespaced: boolean,
  kind: string,
  verbs?: readonly string[],
  shortNames?: readonly string[] | undefined,
  categories?: readonly string[],
];

function resources(rows: readonly Row[]): CatalogResource[] {
  return rows.map(([name, singularName, namespaced, kind, verbs, shortNames, categories]) => ({
    name,
    singularName,
    namespaced,
    kind,
    verbs: verbs ?? RW,
    ...(shortNames ? { shortNames } : {}),
    ...(categories ? { categories } : {}),
  }));
}

const ALL = ['all'];
const EXT = ['api-extensions'];

const group = (name: string, versions: readonly string[], rows: readonly Row[], served = false): CatalogGroup => {
  const list = resources(rows);
  return { name, served, versions: versions.map((version) => ({ version, resources: list })) };
};

/** The review APIs doorman implements. */
export const AUTHENTICATION_GROUP = group(
  'authentication.k8s.io',
  ['v1'],
  [
    ['selfsubjectreviews', 'selfsubjectreview', false, 'SelfSubjectReview', CREATE],
    ['tokenreviews', 'tokenreview', false, 'TokenReview', CREATE],
  ],
  true,
);

export const AUTHORIZATION_GROUP = group(
  'authorization.k8s.io',
  ['v1'],
  [
    ['localsubjectaccessreviews', 'localsubjectaccessreview', true, 'LocalSubjectAccessReview', CREATE],
    ['selfsubjectaccessreviews', 'selfsubjectaccessreview', false, 'SelfSubjectAccessReview', CREATE],
    ['selfsubjectrulesreviews', 'selfsubjectrulesreview', false, 'SelfSubjectRulesReview', CREATE],
    ['subjectaccessreviews', 'subjectaccessreview', false, 'SubjectAccessReview', CREATE],
  ],
  true,
);

/** The core group, `/api/v1`. */
export const CORE_GROUP = group('', ['v1'], [
  ['bindings', 'binding', true, 'Binding', CREATE],
  ['componentstatuses', 'componentstatus', false, 'ComponentStatus', ['get', 'list'], ['cs']],
  ['configmaps', 'configmap', true, 'ConfigMap', RW, ['cm']],
  ['endpoints', 'endpoints', true, 'Endpoints', RW, ['ep']],
  ['events', 'event', true, 'Event', RW, ['ev']],
  ['limitranges', 'limitrange', true, 'LimitRange', RW, ['limits']],
  ['namespaces', 'namespace', false, 'Namespace', ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['ns']],
  ['nodes', 'node', false, 'Node', RW, ['no']],
  ['persistentvolumeclaims', 'persistentvolumeclaim', true, 'PersistentVolumeClaim', RW, ['pvc']],
  ['persistentvolumes', 'persistentvolume', false, 'PersistentVolume', RW, ['pv']],
  ['pods', 'pod', true, 'Pod', RW, ['po'], ALL],
  ['podtemplates', 'podtemplate', true, 'PodTemplate'],
  ['replicationcontrollers', 'replicationcontroller', true, 'ReplicationController', RW, ['rc'], ALL],
  ['resourcequotas', 'resourcequota', true, 'ResourceQuota', RW, ['quota']],
  ['secrets', 'secret', true, 'Secret'],
  ['serviceaccounts', 'serviceaccount', true, 'ServiceAccount', RW, ['sa']],
  ['services', 'service', true, 'Service', RW, ['svc'], ALL],
]);

/**
 * Every group in kube-apiserver's `/apis` order (APIService priority), the core group excluded.
 *
 * @example
 * API_GROUPS.find((g) => g.name === 'apps')?.versions[0]?.version // 'v1'
 */
export const API_GROUPS: readonly CatalogGroup[] = [
  group('apiregistration.k8s.io', ['v1'], [['apiservices', 'apiservice', false, 'APIService', RW, undefined, EXT]]),
  group('apps', ['v1'], [
    ['controllerrevisions', 'controllerrevision', true, 'ControllerRevision'],
    ['daemonsets', 'daemonset', true, 'DaemonSet', RW, ['ds'], ALL],
    ['deployments', 'deployment', true, 'Deployment', RW, ['deploy'], ALL],
    ['replicasets', 'replicaset', true, 'ReplicaSet', RW, ['rs'], ALL],
    ['statefulsets', 'statefulset', true, 'StatefulSet', RW, ['sts'], ALL],
  ]),
  group('events.k8s.io', ['v1'], [['events', 'event', true, 'Event', RW, ['ev']]]),
  AUTHENTICATION_GROUP,
  AUTHORIZATION_GROUP,
  group('autoscaling', ['v2', 'v1'], [['horizontalpodautoscalers', 'horizontalpodautoscaler', true, 'HorizontalPodAutoscaler', RW, ['hpa'], ALL]]),
  group('batch', ['v1'], [
    ['cronjobs', 'cronjob', true, 'CronJob', RW, ['cj'], ALL],
    ['jobs', 'job', true, 'Job', RW, undefined, ALL],
  ]),
  group('certificates.k8s.io', ['v1'], [['certificatesigningrequests', 'certificatesigningrequest', false, 'CertificateSigningRequest', RW, ['csr']]]),
  group('networking.k8s.io', ['v1'], [
    ['ingressclasses', 'ingressclass', false, 'IngressClass'],
    ['ingresses', 'ingress', true, 'Ingress', RW, ['ing']],
    ['ipaddresses', 'ipaddress', false, 'IPAddress', RW, ['ip']],
    ['networkpolicies', 'networkpolicy', true, 'NetworkPolicy', RW, ['netpol']],
    ['servicecidrs', 'servicecidr', false, 'ServiceCIDR'],
  ]),
  group('policy', ['v1'], [['poddisruptionbudgets', 'poddisruptionbudget', true, 'PodDisruptionBudget', RW, ['pdb']]]),
  group('rbac.authorization.k8s.io', ['v1'], [
    ['clusterrolebindings', 'clusterrolebinding', false, 'ClusterRoleBinding'],
    ['clusterroles', 'clusterrole', false, 'ClusterRole'],
    ['rolebindings', 'rolebinding', true, 'RoleBinding'],
    ['roles', 'role', true, 'Role'],
  ]),
  group('storage.k8s.io', ['v1'], [
    ['csidrivers', 'csidriver', false, 'CSIDriver'],
    ['csinodes', 'csinode', false, 'CSINode'],
    ['csistoragecapacities', 'csistoragecapacity', true, 'CSIStorageCapacity'],
    ['storageclasses', 'storageclass', false, 'StorageClass', RW, ['sc']],
    ['volumeattachments', 'volumeattachment', false, 'VolumeAttachment'],
    ['volumeattributesclasses', 'volumeattributesclass', false, 'VolumeAttributesClass', RW, ['vac']],
  ]),
  group('admissionregistration.k8s.io', ['v1'], [
    ['mutatingwebhookconfigurations', 'mutatingwebhookconfiguration', false, 'MutatingWebhookConfiguration', RW, undefined, EXT],
    ['validatingadmissionpolicies', 'validatingadmissionpolicy', false, 'ValidatingAdmissionPolicy', RW, undefined, EXT],
    ['validatingadmissionpolicybindings', 'validatingadmissionpolicybinding', false, 'ValidatingAdmissionPolicyBinding', RW, undefined, EXT],
    ['validatingwebhookconfigurations', 'validatingwebhookconfiguration', false, 'ValidatingWebhookConfiguration', RW, undefined, EXT],
  ]),
  group('apiextensions.k8s.io', ['v1'], [['customresourcedefinitions', 'customresourcedefinition', false, 'CustomResourceDefinition', RW, ['crd', 'crds'], EXT]]),
  group('scheduling.k8s.io', ['v1'], [['priorityclasses', 'priorityclass', false, 'PriorityClass', RW, ['pc']]]),
  group('coordination.k8s.io', ['v1'], [['leases', 'lease', true, 'Lease']]),
  group('node.k8s.io', ['v1'], [['runtimeclasses', 'runtimeclass', false, 'RuntimeClass']]),
  group('discovery.k8s.io', ['v1'], [['endpointslices', 'endpointslice', true, 'EndpointSlice']]),
  group('resource.k8s.io', ['v1'], [
    ['deviceclasses', 'deviceclass', false, 'DeviceClass'],
    ['resourceclaims', 'resourceclaim', true, 'ResourceClaim'],
    ['resourceclaimtemplates', 'resourceclaimtemplate', true, 'ResourceClaimTemplate'],
    ['resourceslices', 'resourceslice', false, 'ResourceSlice'],
  ]),
  group('flowcontrol.apiserver.k8s.io', ['v1'], [
    ['flowschemas', 'flowschema', false, 'FlowSchema'],
    ['prioritylevelconfigurations', 'prioritylevelconfiguration', false, 'PriorityLevelConfiguration'],
  ]),
];
