/**
 * The RBAC authorizer beyond the upstream tables: reason strings for every subject kind, the
 * first-subject rule, binding order, resolution errors, namespaces, and rulesFor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RBACAuthorizer } from '../../../src/authz/rbac/authorizer.js';
import type { ClusterRoleBinding, RbacObjects, RoleBinding, Subject } from '../../../src/authz/rbac/types.js';
import { nonResource, resource, user } from '../helpers.js';

const G = 'rbac.authorization.k8s.io';
const objects = (o: Partial<RbacObjects>): RbacObjects => ({ roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [], ...o });
const crb = (name: string, role: string, subjects: Subject[], kind = 'ClusterRole'): ClusterRoleBinding => ({
  metadata: { name },
  roleRef: { apiGroup: G, kind, name: role },
  subjects,
});
const rb = (name: string, namespace: string, kind: string, role: string, subjects: Subject[]): RoleBinding => ({
  metadata: { name, namespace },
  roleRef: { apiGroup: G, kind, name: role },
  subjects,
});
const podReader = { metadata: { name: 'pod-reader' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] };

test('ClusterRoleBinding reason names the first subject that applies, not the first that matched a rule', () => {
  const r = new RBACAuthorizer(
    objects({
      clusterRoles: [podReader],
      clusterRoleBindings: [
        crb('readers', 'pod-reader', [
          { kind: 'User', name: 'bob' },
          { kind: 'Group', name: 'devs' },
          { kind: 'User', name: 'alice' },
        ]),
      ],
    }),
  );
  assert.equal(
    r.authorize(resource(user('alice', ['devs']), 'list', 'pods', { namespace: 'x' })).reason,
    'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "pod-reader" to Group "devs"',
  );
  assert.equal(
    r.authorize(resource(user('alice'), 'list', 'pods')).reason,
    'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "pod-reader" to User "alice"',
  );
});

test('ServiceAccount subjects: namespace from the subject, else the RoleBinding; never matched from a ClusterRoleBinding without one', () => {
  const sa = user('system:serviceaccount:team:builder', ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated']);
  const r = new RBACAuthorizer(
    objects({
      clusterRoles: [podReader],
      clusterRoleBindings: [
        crb('no-ns', 'pod-reader', [{ kind: 'ServiceAccount', name: 'builder' }]),
        crb('with-ns', 'pod-reader', [{ kind: 'ServiceAccount', name: 'builder', namespace: 'team' }]),
      ],
      roleBindings: [rb('local', 'team', 'ClusterRole', 'pod-reader', [{ kind: 'ServiceAccount', name: 'builder' }])],
    }),
  );
  assert.equal(
    r.authorize(resource(sa, 'get', 'pods', { namespace: 'team' })).reason,
    'RBAC: allowed by ClusterRoleBinding "with-ns" of ClusterRole "pod-reader" to ServiceAccount "builder/team"',
  );
  const onlyLocal = new RBACAuthorizer(
    objects({
      clusterRoles: [podReader],
      clusterRoleBindings: [crb('no-ns', 'pod-reader', [{ kind: 'ServiceAccount', name: 'builder' }])],
      roleBindings: [rb('local', 'team', 'ClusterRole', 'pod-reader', [{ kind: 'ServiceAccount', name: 'builder' }])],
    }),
  );
  assert.equal(
    onlyLocal.authorize(resource(sa, 'get', 'pods', { namespace: 'team' })).reason,
    'RBAC: allowed by RoleBinding "local/team" of ClusterRole "pod-reader" to ServiceAccount "builder/team"',
  );
  assert.equal(onlyLocal.authorize(resource(sa, 'get', 'pods', { namespace: 'other' })).decision, 'NoOpinion');
  assert.equal(onlyLocal.authorize(resource(sa, 'get', 'pods')).decision, 'NoOpinion', 'cluster scope never visits RoleBindings');
});

test('RoleBinding to a ClusterRole grants only inside its namespace; to a Role, the Role of that namespace', () => {
  const r = new RBACAuthorizer(
    objects({
      clusterRoles: [podReader],
      roles: [
        { metadata: { name: 'cm', namespace: 'a' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }] },
        { metadata: { name: 'cm', namespace: 'b' }, rules: [{ verbs: ['delete'], apiGroups: [''], resources: ['configmaps'] }] },
      ],
      roleBindings: [
        rb('pr', 'a', 'ClusterRole', 'pod-reader', [{ kind: 'User', name: 'alice' }]),
        rb('cm', 'a', 'Role', 'cm', [{ kind: 'User', name: 'alice' }]),
      ],
    }),
  );
  const alice = user('alice');
  assert.equal(r.authorize(resource(alice, 'get', 'pods', { namespace: 'a' })).decision, 'Allow');
  assert.equal(r.authorize(resource(alice, 'get', 'pods', { namespace: 'b' })).decision, 'NoOpinion');
  assert.equal(
    r.authorize(resource(alice, 'get', 'configmaps', { namespace: 'a' })).reason,
    'RBAC: allowed by RoleBinding "cm/a" of Role "cm" to User "alice"',
  );
  assert.equal(r.authorize(resource(alice, 'delete', 'configmaps', { namespace: 'a' })).decision, 'NoOpinion');
});

test('resolution errors: NoOpinion with RBAC: and the aggregate, deduplicated; never an error value; Allow wins over them', () => {
  const r = new RBACAuthorizer(
    objects({
      clusterRoles: [podReader],
      clusterRoleBindings: [
        crb('m1', 'missing', [{ kind: 'User', name: 'alice' }]),
        crb('m2', 'missing', [{ kind: 'Group', name: 'g' }]),
        crb('weird', 'x', [{ kind: 'User', name: 'alice' }], 'Role'),
        crb('ok', 'pod-reader', [{ kind: 'User', name: 'alice' }]),
      ],
      roleBindings: [
        rb('nr', 'ns', 'Role', 'nope', [{ kind: 'User', name: 'alice' }]),
        rb('bad', 'ns', 'Foo', 'x', [{ kind: 'User', name: 'alice' }]),
      ],
    }),
  );
  const alice = user('alice', ['g']);
  assert.deepEqual(r.authorize(nonResource(alice, 'get', '/x')), {
    decision: 'NoOpinion',
    reason:
      'RBAC: [clusterrole.rbac.authorization.k8s.io "missing" not found, role.rbac.authorization.k8s.io "x" not found]',
    authorizer: 'rbac',
  });
  assert.equal(
    r.authorize(nonResource(alice, 'get', '/x')).reason,
    r.authorize(nonResource(user('alice'), 'get', '/x')).reason,
  );
  assert.deepEqual(r.authorize(resource(alice, 'create', 'pods', { namespace: 'ns' })).reason,
    'RBAC: [clusterrole.rbac.authorization.k8s.io "missing" not found, role.rbac.authorization.k8s.io "x" not found, role.rbac.authorization.k8s.io "nope" not found, unsupported role reference kind: "Foo"]');
  assert.equal(r.authorize(resource(alice, 'get', 'pods', { namespace: 'ns' })).decision, 'Allow');
  // Only bindings that apply contribute errors.
  assert.equal(r.authorize(nonResource(user('carol'), 'get', '/x')).reason, '');
  // A single error is its own text, without brackets.
  const single = new RBACAuthorizer(objects({ clusterRoleBindings: [crb('m', 'gone', [{ kind: 'User', name: 'u' }])] }));
  assert.equal(single.authorize(nonResource(user('u'), 'get', '/')).reason, 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found');
});

test('binding order decides which binding is named; cluster bindings before namespace bindings', () => {
  const r = new RBACAuthorizer(
    objects({
      clusterRoles: [podReader],
      roleBindings: [rb('first-ns', 'ns', 'ClusterRole', 'pod-reader', [{ kind: 'User', name: 'alice' }])],
      clusterRoleBindings: [
        crb('b1', 'pod-reader', [{ kind: 'Group', name: 'g2' }]),
        crb('b2', 'pod-reader', [{ kind: 'User', name: 'alice' }]),
        crb('b3', 'pod-reader', [{ kind: 'Group', name: 'g1' }]),
      ],
    }),
  );
  assert.match(r.authorize(resource(user('alice', ['g1', 'g2']), 'get', 'pods', { namespace: 'ns' })).reason, /"b1"/);
  assert.match(r.authorize(resource(user('alice', ['g1']), 'get', 'pods', { namespace: 'ns' })).reason, /"b2"/);
  assert.match(r.authorize(resource(user('zed', ['g1']), 'get', 'pods', { namespace: 'ns' })).reason, /"b3"/);
});

test('subjects of unknown kinds never match; User "*" is not a wildcard; names are case-sensitive', () => {
  const r = new RBACAuthorizer(
    objects({
      clusterRoles: [podReader],
      clusterRoleBindings: [
        crb('odd', 'pod-reader', [
          { kind: 'Robot', name: 'alice' },
          { kind: 'User', name: '*' },
          { kind: 'user', name: 'alice' },
        ]),
      ],
    }),
  );
  assert.equal(r.authorize(resource(user('alice'), 'get', 'pods')).decision, 'NoOpinion');
});

test('a request without a user is NoOpinion', () => {
  const r = new RBACAuthorizer(objects({ clusterRoles: [podReader], clusterRoleBindings: [crb('b', 'pod-reader', [{ kind: 'User', name: '' }])] }));
  assert.deepEqual(r.authorize(resource(undefined, 'get', 'pods')), { decision: 'NoOpinion', reason: '', authorizer: 'rbac' });
});

test('the authorizer name can be set', () => {
  assert.equal(new RBACAuthorizer(objects({}), { name: 'my-rbac' }).authorize(nonResource(user('a'), 'get', '/')).authorizer, 'my-rbac');
});

test('rulesFor: resource and non-resource rules from cluster and namespace bindings, errors aggregated, never incomplete', () => {
  const r = new RBACAuthorizer(
    objects({
      clusterRoles: [
        podReader,
        { metadata: { name: 'both' }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], nonResourceURLs: ['/x'] }] },
        { metadata: { name: 'urls' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] }] },
      ],
      roles: [{ metadata: { name: 'named', namespace: 'ns' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] }] }],
      clusterRoleBindings: [
        crb('urls', 'urls', [{ kind: 'Group', name: 'system:authenticated' }]),
        crb('missing', 'gone', [{ kind: 'User', name: 'alice' }]),
        crb('other', 'both', [{ kind: 'User', name: 'bob' }]),
      ],
      roleBindings: [
        rb('pr', 'ns', 'ClusterRole', 'pod-reader', [{ kind: 'User', name: 'alice' }]),
        rb('named', 'ns', 'Role', 'named', [{ kind: 'User', name: 'alice' }]),
        rb('both', 'other', 'ClusterRole', 'both', [{ kind: 'User', name: 'alice' }]),
      ],
    }),
  );
  const alice = user('alice', ['system:authenticated']);
  assert.deepEqual(r.rulesFor(alice, 'ns'), {
    resourceRules: [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'], resourceNames: [] },
      { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] },
    ],
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] }],
    incomplete: false,
    evaluationError: 'clusterrole.rbac.authorization.k8s.io "gone" not found',
  });
  assert.deepEqual(r.rulesFor(alice, 'other'), {
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
    nonResourceRules: [
      { verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] },
      { verbs: ['*'], nonResourceURLs: ['/x'] },
    ],
    incomplete: false,
    evaluationError: 'clusterrole.rbac.authorization.k8s.io "gone" not found',
  });
  assert.deepEqual(r.rulesFor(user('nobody'), 'ns'), { resourceRules: [], nonResourceRules: [], incomplete: false });
});
