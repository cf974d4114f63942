/**
 * Every case of test/fixtures/rbac-cases.json (upstream TestAuthorizer, TestRuleMatches,
 * TestResourceMatches, TestAppliesTo and the documented reason strings) against doorman's RBAC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RBACAuthorizer } from '../../../src/authz/rbac/authorizer.js';
import { appliesTo, resourceMatches, ruleAllows } from '../../../src/authz/rbac/match.js';
import { BOOTSTRAP_POLICY } from '../../../src/authz/rbac/bootstrap.js';
import type { RbacObjects } from '../../../src/authz/rbac/types.js';
import { ANONYMOUS, fixtureAttributes, fixtureUser, loadCases, nonResource, resource, user } from '../helpers.js';

const cases = loadCases();

test('fixture has every section', () => {
  assert.ok(cases.authorizer.length > 0);
  assert.ok(cases.ruleMatches.length > 0);
  assert.ok(cases.resourceMatches.length > 0);
  assert.ok(cases.appliesTo.length > 0);
  assert.ok(cases.reasonStrings.length > 0);
});

for (const c of cases.authorizer) {
  test(`authorizer: ${c.name}`, () => {
    const rbac = new RBACAuthorizer({
      roles: c.roles ?? [],
      clusterRoles: c.clusterRoles ?? [],
      roleBindings: c.roleBindings ?? [],
      clusterRoleBindings: c.clusterRoleBindings ?? [],
    });
    c.requests.forEach((r, i) => {
      const got = rbac.authorize(fixtureAttributes(r));
      assert.notEqual(got.decision, 'Deny', 'RBAC never denies');
      assert.equal(got.decision === 'Allow', r.expectedAllowed, `request ${i}: ${JSON.stringify(r)} -> ${JSON.stringify(got)}`);
      assert.equal(got.error, undefined);
    });
  });
}

for (const c of cases.ruleMatches) {
  test(`ruleMatches: ${c.name}`, () => {
    c.cases.forEach((k, i) => {
      assert.equal(ruleAllows(fixtureAttributes(k.request), c.rule), k.expected, `case ${i}: ${JSON.stringify(k.request)}`);
    });
  });
}

for (const c of cases.resourceMatches) {
  test(`resourceMatches: ${c.name}`, () => {
    const rule = { verbs: ['*'], apiGroups: ['*'], resources: c.ruleResources };
    assert.equal(resourceMatches(rule, c.combinedRequestedResource, c.requestedSubresource), c.expected);
  });
}

for (const c of cases.appliesTo) {
  test(`appliesTo: ${c.name}`, () => {
    const index = appliesTo(fixtureUser(c.user), c.subjects, c.namespace);
    assert.equal(index >= 0, c.appliesTo);
    if (c.appliesTo) assert.equal(index, c.index);
  });
}

/**
 * The reason-string entries describe their scenario in words; each is built here. An entry this
 * table does not know fails, so a new fixture entry cannot be skipped silently.
 */
const team = (objects: Partial<RbacObjects>): RBACAuthorizer =>
  new RBACAuthorizer({ roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [], ...objects });

const scenarios: Readonly<Record<string, () => { decision: string; reason: string }>> = {
  'anonymous GET /version allowed by bootstrap binding (subjects: Group system:authenticated, Group system:unauthenticated)': () =>
    new RBACAuthorizer(BOOTSTRAP_POLICY).authorize(nonResource(ANONYMOUS, 'get', '/version')),
  "RoleBinding 'rb1' in ns 'team' -> ClusterRole 'edit', subject ServiceAccount 'builder' with no namespace set (defaults to binding namespace)": () =>
    team({
      clusterRoles: [{ metadata: { name: 'edit' }, rules: [{ verbs: ['*'], apiGroups: ['apps'], resources: ['deployments'] }] }],
      roleBindings: [
        {
          metadata: { name: 'rb1', namespace: 'team' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
          subjects: [{ kind: 'ServiceAccount', name: 'builder' }],
        },
      ],
    }).authorize(resource(user('system:serviceaccount:team:builder', ['system:serviceaccounts']), 'create', 'deployments', { namespace: 'team', apiGroup: 'apps' })),
  "RoleBinding 'rb2' in ns 'team' -> Role 'reader', subject User 'alice'": () =>
    team({
      roles: [{ metadata: { name: 'reader', namespace: 'team' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] }],
      roleBindings: [
        {
          metadata: { name: 'rb2', namespace: 'team' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
          subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }],
        },
      ],
    }).authorize(resource(user('alice'), 'list', 'pods', { namespace: 'team' })),
  'RBAC finds no matching rule and no resolution errors': () =>
    new RBACAuthorizer(BOOTSTRAP_POLICY).authorize(nonResource(ANONYMOUS, 'get', '/apis')),
  'RBAC finds no matching rule but a binding referenced a missing role (lister error text is implementation-specific, e.g. clusterrole.rbac.authorization.k8s.io "x" not found)': () =>
    team({
      clusterRoleBindings: [
        {
          metadata: { name: 'b' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'x' },
          subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }],
        },
      ],
    }).authorize(nonResource(user('alice'), 'get', '/apis')),
};

for (const c of cases.reasonStrings) {
  test(`reasonStrings: ${c.description}`, () => {
    const scenario = scenarios[c.description];
    assert.ok(scenario, `no scenario built for fixture entry ${JSON.stringify(c.description)}`);
    const got = scenario();
    if (c.decision !== undefined) assert.equal(got.decision, c.decision);
    else assert.equal(got.decision, 'Allow');
    if (c.reason !== undefined) assert.equal(got.reason, c.reason);
    if (c.reasonFormat !== undefined) {
      // "RBAC: <aggregate of errors>" with one error: the error text itself.
      assert.equal(got.reason, 'RBAC: clusterrole.rbac.authorization.k8s.io "x" not found');
    }
    if (c.user !== undefined && c.request !== undefined) {
      // Entries that carry their own request must agree with the scenario built above.
      const direct = new RBACAuthorizer(BOOTSTRAP_POLICY).authorize(fixtureAttributes(c.request, c.user));
      assert.deepEqual({ decision: direct.decision, reason: direct.reason }, { decision: got.decision, reason: got.reason });
    }
  });
}
