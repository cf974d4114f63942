/**
 * The bootstrap policy compared as data (kube's bootstrappolicy testdata shape), and the
 * decisions it gives for the requests doorman exists for: anonymous health checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BOOTSTRAP_CLUSTER_ROLES,
  BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
  BOOTSTRAP_POLICY,
  withBootstrapPolicy,
} from '../../../src/authz/rbac/bootstrap.js';
import { RBACAuthorizer } from '../../../src/authz/rbac/authorizer.js';
import { NO_RBAC_OBJECTS } from '../../../src/authz/rbac/types.js';
import { ANONYMOUS, nonResource, resource, user } from '../helpers.js';

const meta = (name: string) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

test('bootstrap ClusterRoles as data', () => {
  assert.deepEqual(BOOTSTRAP_CLUSTER_ROLES, [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('cluster-admin'),
      rules: [
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['*'], nonResourceURLs: ['*'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('system:public-info-viewer'),
      rules: [{ verbs: ['get'], nonResourceURLs: ['/livez', '/readyz', '/healthz', '/version', '/version/'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('system:discovery'),
      rules: [
        {
          verbs: ['get'],
          nonResourceURLs: ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('system:basic-user'),
      rules: [
        { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
        { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('system:monitoring'),
      rules: [{ verbs: ['get'], nonResourceURLs: ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'] }],
    },
  ]);
});

test('bootstrap ClusterRoleBindings as data, in visiting order', () => {
  const group = (name: string) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
  const binding = (name: string, groups: string[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: groups.map(group),
  });
  assert.deepEqual(BOOTSTRAP_CLUSTER_ROLE_BINDINGS, [
    binding('cluster-admin', ['system:masters']),
    binding('system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
    binding('system:discovery', ['system:authenticated']),
    binding('system:basic-user', ['system:authenticated']),
    binding('system:monitoring', ['system:monitoring']),
  ]);
});

test('bootstrap data is frozen', () => {
  assert.ok(Object.isFrozen(BOOTSTRAP_CLUSTER_ROLES));
  assert.ok(Object.isFrozen(BOOTSTRAP_CLUSTER_ROLES[0]?.rules?.[0]?.verbs));
  assert.ok(Object.isFrozen(BOOTSTRAP_CLUSTER_ROLE_BINDINGS[1]?.subjects));
});

const rbac = new RBACAuthorizer(BOOTSTRAP_POLICY);
const alice = user('alice', ['system:authenticated']);

test('anonymous GET /livez, /readyz, /healthz, /version, /version/ allowed by system:public-info-viewer', () => {
  for (const path of ['/livez', '/readyz', '/healthz', '/version', '/version/']) {
    assert.deepEqual(rbac.authorize(nonResource(ANONYMOUS, 'get', path)), {
      decision: 'Allow',
      reason: 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"',
      authorizer: 'rbac',
      trace: {
        kind: 'rbac',
        binding: { kind: 'ClusterRoleBinding', name: 'system:public-info-viewer' },
        subject: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:public-info-viewer' },
        rule: { verbs: ['get'], nonResourceURLs: ['/livez', '/readyz', '/healthz', '/version', '/version/'] },
      },
    });
  }
});

test('authenticated GET /livez names system:public-info-viewer (doorman visits it before system:discovery)', () => {
  assert.equal(
    rbac.authorize(nonResource(alice, 'get', '/livez')).reason,
    'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:authenticated"',
  );
});

test('anonymous is NoOpinion on discovery, per-check health paths and anything else', () => {
  for (const path of ['/apis', '/api', '/api/v1', '/openapi/v2', '/livez/etcd', '/readyz/informer-sync', '/healthz/', '/metrics', '/']) {
    assert.deepEqual(rbac.authorize(nonResource(ANONYMOUS, 'get', path)), { decision: 'NoOpinion', reason: '', authorizer: 'rbac' }, path);
  }
  assert.equal(rbac.authorize(resource(ANONYMOUS, 'list', 'pods', { namespace: 'default' })).decision, 'NoOpinion');
});

test('authenticated GET /apis is allowed by system:discovery', () => {
  assert.equal(
    rbac.authorize(nonResource(alice, 'get', '/apis')).reason,
    'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
  );
  assert.equal(rbac.authorize(nonResource(alice, 'get', '/apis/apps/v1')).decision, 'Allow');
  assert.equal(rbac.authorize(nonResource(alice, 'get', '/openapi/v3')).decision, 'Allow');
});

test('HEAD (verb head) and POST are not granted by the get rules', () => {
  assert.equal(rbac.authorize(nonResource(ANONYMOUS, 'head', '/healthz')).decision, 'NoOpinion');
  assert.equal(rbac.authorize(nonResource(alice, 'head', '/apis')).decision, 'NoOpinion');
  assert.equal(rbac.authorize(nonResource(alice, 'post', '/livez')).decision, 'NoOpinion');
});

test('system:basic-user lets authenticated users create self reviews, not anonymous', () => {
  const ssar = (u: typeof alice) => resource(u, 'create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' });
  assert.equal(
    rbac.authorize(ssar(alice)).reason,
    'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"',
  );
  assert.equal(rbac.authorize(resource(alice, 'create', 'selfsubjectreviews', { apiGroup: 'authentication.k8s.io' })).decision, 'Allow');
  assert.equal(rbac.authorize(resource(alice, 'create', 'selfsubjectrulesreviews', { apiGroup: 'authorization.k8s.io' })).decision, 'Allow');
  assert.equal(rbac.authorize(ssar(ANONYMOUS)).decision, 'NoOpinion');
  assert.equal(rbac.authorize(resource(alice, 'create', 'subjectaccessreviews', { apiGroup: 'authorization.k8s.io' })).decision, 'NoOpinion');
});

test('system:masters is cluster-admin through RBAC too', () => {
  const admin = user('root', ['system:masters', 'system:authenticated']);
  assert.equal(
    rbac.authorize(resource(admin, 'delete', 'secrets', { namespace: 'kube-system', name: 'x' })).reason,
    'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
  );
  assert.equal(rbac.authorize(nonResource(admin, 'get', '/livez')).reason.includes('"cluster-admin"'), true);
});

test('withBootstrapPolicy: bootstrap first, user objects after, same-named user object replaces with a warning', () => {
  const userCrb = {
    metadata: { name: 'mine' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:discovery' },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:unauthenticated' }],
  };
  const narrowed = {
    metadata: { name: 'system:public-info-viewer' },
    rules: [{ verbs: ['get'], nonResourceURLs: ['/livez'] }],
  };
  const { objects, warnings } = withBootstrapPolicy({ ...NO_RBAC_OBJECTS, clusterRoles: [narrowed], clusterRoleBindings: [userCrb] });
  assert.deepEqual(
    objects.clusterRoleBindings.map((b) => b.metadata.name),
    ['cluster-admin', 'system:public-info-viewer', 'system:discovery', 'system:basic-user', 'system:monitoring', 'mine'],
  );
  assert.equal(objects.clusterRoles[1], narrowed);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /^ClusterRole "system:public-info-viewer" replaces the bootstrap ClusterRole/);

  const r = new RBACAuthorizer(objects);
  assert.equal(r.authorize(nonResource(ANONYMOUS, 'get', '/readyz')).decision, 'Allow', 'via the user binding to system:discovery');
  assert.match(r.authorize(nonResource(ANONYMOUS, 'get', '/readyz')).reason, /ClusterRoleBinding "mine"/);
  assert.match(r.authorize(nonResource(ANONYMOUS, 'get', '/livez')).reason, /ClusterRoleBinding "system:public-info-viewer"/);
});

test('withBootstrapPolicy: an identical copy of a bootstrap object (kubectl get -o yaml output) replaces silently', () => {
  const copy = JSON.parse(JSON.stringify(BOOTSTRAP_CLUSTER_ROLE_BINDINGS[2])) as (typeof BOOTSTRAP_CLUSTER_ROLE_BINDINGS)[number];
  const role = JSON.parse(JSON.stringify(BOOTSTRAP_CLUSTER_ROLES[0])) as (typeof BOOTSTRAP_CLUSTER_ROLES)[number];
  const { objects, warnings } = withBootstrapPolicy({ ...NO_RBAC_OBJECTS, clusterRoles: [role], clusterRoleBindings: [copy] });
  assert.deepEqual(warnings, []);
  assert.equal(objects.clusterRoleBindings.length, BOOTSTRAP_CLUSTER_ROLE_BINDINGS.length);
  assert.equal(objects.clusterRoleBindings[2], copy);
});
