/**
 * Loading RBAC objects from files and folders: multi-document YAML, `kind: List`, typed lists,
 * `kubectl get -o yaml` output with server metadata, skipped kinds, and the errors for objects
 * kube-apiserver would refuse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRbacObjects, parseRbacDocuments } from '../../../src/authz/rbac/load.js';
import { RBACAuthorizer } from '../../../src/authz/rbac/authorizer.js';
import { withBootstrapPolicy } from '../../../src/authz/rbac/bootstrap.js';
import { DoormanError } from '../../../src/errors.js';
import { ANONYMOUS, nonResource, resource, user } from '../helpers.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'doorman-rbac-'));
}

function throwsMessage(fn: () => unknown, message: string, code?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DoormanError, `expected a DoormanError, got ${String(e)}`);
    assert.equal(e.message, message);
    if (code) assert.equal(e.code, code);
    return true;
  });
}

const MULTI = `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
  namespace: team
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods
  namespace: team
subjects:
- kind: User
  name: alice
- kind: ServiceAccount
  name: builder
roleRef:
  kind: Role
  name: pod-reader
---
# an empty document is fine
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: health
rules:
- nonResourceURLs: ["/livez", "/readyz"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: health
subjects:
- kind: Group
  name: monitoring
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: health
`;

test('multi-document YAML: every kind, in order, with rbac/v1 defaulting applied', () => {
  const { objects, warnings } = parseRbacDocuments(MULTI, 'multi.yaml');
  assert.deepEqual(warnings, []);
  assert.equal(objects.roles.length, 1);
  assert.equal(objects.clusterRoles.length, 1);
  assert.deepEqual(objects.roleBindings[0], {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'read-pods', namespace: 'team' },
    subjects: [
      { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'builder' },
    ],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
  });
  assert.ok(Object.isFrozen(objects.roleBindings[0]?.subjects?.[0]));
  const rbac = new RBACAuthorizer(objects);
  assert.equal(
    rbac.authorize(resource(user('system:serviceaccount:team:builder'), 'list', 'pods', { namespace: 'team' })).reason,
    'RBAC: allowed by RoleBinding "read-pods/team" of Role "pod-reader" to ServiceAccount "builder/team"',
  );
  assert.equal(rbac.authorize(nonResource(user('x', ['monitoring']), 'get', '/readyz')).decision, 'Allow');
});

const KUBECTL_OUTPUT = `apiVersion: v1
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata:
    annotations:
      rbac.authorization.kubernetes.io/autoupdate: "true"
    creationTimestamp: "2024-05-01T10:00:00Z"
    labels:
      kubernetes.io/bootstrapping: rbac-defaults
    managedFields:
    - apiVersion: rbac.authorization.k8s.io/v1
      fieldsType: FieldsV1
      fieldsV1:
        f:metadata:
          f:annotations:
            .: {}
            f:rbac.authorization.kubernetes.io/autoupdate: {}
      manager: kube-apiserver
      operation: Update
      time: "2024-05-01T10:00:00Z"
    name: system:public-info-viewer
    resourceVersion: "73"
    uid: 0b7e6b2c-1111-2222-3333-444455556666
  rules:
  - nonResourceURLs:
    - /livez
    - /readyz
    - /healthz
    - /version
    - /version/
    verbs:
    - get
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata:
    creationTimestamp: "2024-05-01T10:00:00Z"
    name: view-widgets
    resourceVersion: "900"
    uid: 5c2b0000-0000-0000-0000-000000000001
  aggregationRule:
    clusterRoleSelectors:
    - matchLabels:
        example.com/aggregate-to-view: "true"
  rules: null
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata:
    labels:
      example.com/aggregate-to-view: "true"
    name: widget-reader
    resourceVersion: "901"
  rules:
  - apiGroups: ["example.com"]
    resources: ["widgets"]
    verbs: ["get", "list", "watch"]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata:
    annotations:
      rbac.authorization.kubernetes.io/autoupdate: "true"
    creationTimestamp: "2024-05-01T10:00:00Z"
    labels:
      kubernetes.io/bootstrapping: rbac-defaults
    name: system:public-info-viewer
    resourceVersion: "140"
    uid: 9a9a9a9a-0000-0000-0000-000000000000
  roleRef:
    apiGroup: rbac.authorization.k8s.io
    kind: ClusterRole
    name: system:public-info-viewer
  subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: system:authenticated
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: system:unauthenticated
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata:
    creationTimestamp: "2024-05-01T10:00:00Z"
    name: widget-viewers
    namespace: shop
    ownerReferences: []
    finalizers: []
    generation: 1
  roleRef:
    apiGroup: rbac.authorization.k8s.io
    kind: ClusterRole
    name: view-widgets
  subjects:
  - kind: ServiceAccount
    name: shopper
    namespace: shop
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: not-rbac
kind: List
metadata:
  resourceVersion: ""
`;

test('kubectl get ... -A -o yaml output loads as is (server metadata accepted, other kinds skipped)', () => {
  const dir = tmp();
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, KUBECTL_OUTPUT);
  const { objects, warnings } = loadRbacObjects([file]);
  assert.deepEqual(warnings, [`${file}: document 1, items[5]: skipping ConfigMap (apiVersion "v1"): not an RBAC object`]);
  assert.deepEqual(objects.clusterRoles.map((r) => r.metadata.name), ['system:public-info-viewer', 'view-widgets', 'widget-reader']);
  assert.deepEqual(objects.clusterRoles[0]?.metadata, {
    name: 'system:public-info-viewer',
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
  });
  const merged = withBootstrapPolicy(objects);
  assert.deepEqual(merged.warnings, [], 'identical bootstrap objects replace silently');
  const rbac = new RBACAuthorizer(merged.objects);
  const shopper = user('system:serviceaccount:shop:shopper', ['system:serviceaccounts', 'system:authenticated']);
  assert.equal(
    rbac.authorize(resource(shopper, 'watch', 'widgets', { namespace: 'shop', apiGroup: 'example.com' })).reason,
    'RBAC: allowed by RoleBinding "widget-viewers/shop" of ClusterRole "view-widgets" to ServiceAccount "shopper/shop"',
  );
  assert.equal(rbac.authorize(nonResource(ANONYMOUS, 'get', '/healthz')).decision, 'Allow');
});

test('typed lists (ClusterRoleBindingList) whose items carry no kind; JSON files', () => {
  const json = JSON.stringify({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBindingList',
    metadata: { resourceVersion: '1' },
    items: [
      { metadata: { name: 'a' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'x' }, subjects: [{ kind: 'User', name: 'u' }] },
      { metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'y' } },
    ],
  });
  const { objects } = parseRbacDocuments(json, 'list.json');
  assert.deepEqual(objects.clusterRoleBindings.map((b) => [b.kind, b.metadata.name, b.roleRef.apiGroup]), [
    ['ClusterRoleBinding', 'a', 'rbac.authorization.k8s.io'],
    ['ClusterRoleBinding', 'b', 'rbac.authorization.k8s.io'],
  ]);
});

test('other kinds are skipped with a warning naming the kind and file', () => {
  const { warnings, objects } = parseRbacDocuments(
    'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\n---\napiVersion: example.com/v1\nkind: Role\nmetadata: {name: y}\n',
    'mixed.yaml',
  );
  assert.deepEqual(warnings, [
    'mixed.yaml: document 1: skipping ServiceAccount (apiVersion "v1"): not an RBAC object',
    'mixed.yaml: document 2: skipping Role (apiVersion "example.com/v1"): not an RBAC object',
  ]);
  assert.equal(objects.roles.length, 0);
});

test('namespaced objects without a namespace get "default" with a warning; cluster objects lose a namespace', () => {
  const { warnings, objects } = parseRbacDocuments(
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c, namespace: ignored}\n',
    'ns.yaml',
  );
  assert.deepEqual(warnings, ['ns.yaml: document 1: Role "r" has no metadata.namespace; using "default", as kubectl apply would in the default context']);
  assert.equal(objects.roles[0]?.metadata.namespace, 'default');
  assert.deepEqual(objects.clusterRoles[0]?.metadata, { name: 'c' });
});

test('malformed objects: errors name file, document and field in kube-apiserver words', () => {
  const crb = (body: string) => `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b\n${body}`;
  throwsMessage(
    () => parseRbacDocuments(`kind: List\napiVersion: v1\nitems: []\n---\n${crb('roleRef:\n  kind: Foo\n  name: x\n')}`, 'bad.yaml'),
    'bad.yaml: document 2: ClusterRoleBinding.rbac.authorization.k8s.io "b" is invalid: roleRef.kind: Unsupported value: "Foo": supported values: "ClusterRole"',
    'CONFIG_INVALID',
  );
  throwsMessage(
    () => parseRbacDocuments(crb('roleRef:\n  kind: Role\n  name: ""\nsubjects:\n- kind: ServiceAccount\n  name: Bad_Name\n- kind: Robot\n  name: r2\n'), 'bad.yaml'),
    'bad.yaml: document 1: ClusterRoleBinding.rbac.authorization.k8s.io "b" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", roleRef.name: Required value, ' +
      "subjects[0].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), " +
      'subjects[0].namespace: Required value, subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"]',
  );
  throwsMessage(
    () => parseRbacDocuments('apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: n}\nrules:\n- verbs: []\n  nonResourceURLs: ["/x"]\n', 'role.yaml'),
    'role.yaml: document 1: Role.rbac.authorization.k8s.io "r" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].nonResourceURLs: Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs]',
  );
  throwsMessage(
    () => parseRbacDocuments('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a/b}\nrules:\n- verbs: [get]\n  resources: [pods]\n', 'cr.yaml'),
    'cr.yaml: document 1: ClusterRole.rbac.authorization.k8s.io "a/b" is invalid: [metadata.name: Invalid value: "a/b": may not contain \'/\', rules[0].apiGroups: Required value: resource rules must supply at least one api group]',
  );
  throwsMessage(
    () => parseRbacDocuments('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a}\naggregationRule:\n  clusterRoleSelectors:\n  - matchExpressions:\n    - {key: k, operator: Maybe}\n', 'agg.yaml'),
    'agg.yaml: document 1: ClusterRole.rbac.authorization.k8s.io "a" is invalid: aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator: Invalid value: "Maybe": not a valid selector operator',
  );
});

test('decode errors: unknown fields, wrong types, bad documents, old API versions, YAML syntax', () => {
  throwsMessage(
    () => parseRbacDocuments('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a, colour: red}\nrule: []\n', 'u.yaml'),
    'u.yaml: document 1: strict decoding error: unknown field "metadata.colour", unknown field "rule"',
    'CONFIG_DECODE',
  );
  throwsMessage(
    () => parseRbacDocuments('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a}\nrules:\n- verbs: get\n', 't.yaml'),
    't.yaml: document 1: json: cannot unmarshal string into Go struct field ClusterRole.rules[0].verbs of type []string',
  );
  throwsMessage(() => parseRbacDocuments('- a\n- b\n', 'l.yaml'), 'l.yaml: document 1: expected an object, got a list');
  throwsMessage(
    () => parseRbacDocuments('metadata: {name: a}\n', 'k.yaml'),
    "k.yaml: document 1: Object 'Kind' is missing (every document needs apiVersion and kind)",
  );
  throwsMessage(
    () => parseRbacDocuments('kind: List\napiVersion: v1\nitems:\n- kind: ClusterRole\n  metadata: {name: a}\n', 'noversion.yaml'),
    "noversion.yaml: document 1, items[0]: Object 'apiVersion' is missing (expected rbac.authorization.k8s.io/v1 for kind ClusterRole)",
  );
  throwsMessage(
    () => parseRbacDocuments('apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: ClusterRole\nmetadata: {name: a}\n', 'old.yaml'),
    'old.yaml: document 1: no matches for kind "ClusterRole" in version "rbac.authorization.k8s.io/v1beta1" (RBAC is served as rbac.authorization.k8s.io/v1 since Kubernetes 1.22)',
  );
  assert.throws(() => parseRbacDocuments('a: b\na: c\n', 'dup.yaml'), /^DoormanError: dup\.yaml: yaml: line 2: key "a" already set in map$/);
});

test('folders: .yaml/.yml/.json files sorted by name, not recursive; later duplicates replace earlier ones', () => {
  const dir = tmp();
  const cr = (name: string, verb: string) =>
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: ${name}}\nrules:\n- {verbs: [${verb}], nonResourceURLs: [/x]}\n`;
  writeFileSync(join(dir, 'b.yml'), cr('two', 'get'));
  writeFileSync(join(dir, 'a.yaml'), cr('one', 'get') + '---\n' + cr('two', 'put'));
  writeFileSync(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'three' } }));
  writeFileSync(join(dir, 'notes.txt'), 'not yaml: [');
  mkdirSync(join(dir, 'sub.yaml'));
  writeFileSync(join(dir, 'sub.yaml', 'deep.yaml'), cr('deep', 'get'));
  const { objects, warnings } = loadRbacObjects([dir]);
  assert.deepEqual(objects.clusterRoles.map((r) => [r.metadata.name, r.rules?.[0]?.verbs[0]]), [
    ['one', 'get'],
    ['two', 'get'],
    ['three', undefined],
  ]);
  assert.deepEqual(warnings, [`${join(dir, 'b.yml')}: document 1: ClusterRole "two" replaces the one from ${join(dir, 'a.yaml')}: document 2`]);

  const empty = tmp();
  assert.deepEqual(loadRbacObjects([empty]).warnings, [`${empty}: no .yaml, .yml or .json files in this folder`]);
});

test('several paths load in order; a missing path is an open error', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'x.yaml'), MULTI);
  const { objects } = loadRbacObjects([join(dir, 'x.yaml'), dir]);
  assert.equal(objects.clusterRoles.length, 1, 'the same objects twice collapse to one');
  throwsMessage(() => loadRbacObjects([join(dir, 'nope.yaml')]), `open ${join(dir, 'nope.yaml')}: no such file or directory`, 'CONFIG_READ');
});
