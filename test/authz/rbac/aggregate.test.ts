/**
 * Aggregated ClusterRoles resolved at load, and the label selectors they use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateClusterRoles } from '../../../src/authz/rbac/aggregate.js';
import { labelSelectorMatches, validateLabelSelector } from '../../../src/authz/rbac/selector.js';
import { RBACAuthorizer } from '../../../src/authz/rbac/authorizer.js';
import { fieldErrorString } from '../../../src/errors.js';
import type { ClusterRole, PolicyRule } from '../../../src/authz/rbac/types.js';
import { resource, user } from '../helpers.js';

const rule = (verb: string, res: string): PolicyRule => ({ verbs: [verb], apiGroups: [''], resources: [res] });

test('labelSelectorMatches: matchLabels and every operator', () => {
  const labels = { a: '1', b: '2' };
  assert.equal(labelSelectorMatches({}, labels), true, 'empty selector matches everything');
  assert.equal(labelSelectorMatches({}, undefined), true);
  assert.equal(labelSelectorMatches({ matchLabels: { a: '1' } }, labels), true);
  assert.equal(labelSelectorMatches({ matchLabels: { a: '1', b: '3' } }, labels), false);
  assert.equal(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['0', '1'] }] }, labels), true);
  assert.equal(labelSelectorMatches({ matchExpressions: [{ key: 'z', operator: 'In', values: ['1'] }] }, labels), false);
  assert.equal(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels), false);
  assert.equal(labelSelectorMatches({ matchExpressions: [{ key: 'z', operator: 'NotIn', values: ['1'] }] }, labels), true, 'absent label satisfies NotIn');
  assert.equal(labelSelectorMatches({ matchExpressions: [{ key: 'b', operator: 'Exists' }] }, labels), true);
  assert.equal(labelSelectorMatches({ matchExpressions: [{ key: 'z', operator: 'Exists' }] }, labels), false);
  assert.equal(labelSelectorMatches({ matchExpressions: [{ key: 'z', operator: 'DoesNotExist' }] }, labels), true);
  assert.equal(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, labels), false);
  assert.equal(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'Bogus', values: ['1'] }] }, labels), false);
  assert.equal(labelSelectorMatches({ matchLabels: { toString: 'x' } }, {}), false, 'no prototype lookups');
});

test('validateLabelSelector: kube metav1 validation messages', () => {
  const errs = validateLabelSelector(
    {
      matchExpressions: [
        { key: 'a', operator: 'In' },
        { key: 'b', operator: 'Exists', values: ['x'] },
        { key: 'c', operator: 'Like', values: ['x'] },
      ],
    },
    'aggregationRule.clusterRoleSelectors[0]',
  ).map(fieldErrorString);
  assert.deepEqual(errs, [
    "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    "aggregationRule.clusterRoleSelectors[0].matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    'aggregationRule.clusterRoleSelectors[0].matchExpressions[2].operator: Invalid value: "Like": not a valid selector operator',
  ]);
});

test('aggregation: selectors in order, roles by name, itself skipped, duplicates dropped, own rules replaced', () => {
  const roles: ClusterRole[] = [
    {
      metadata: { name: 'agg', labels: { pick: 'yes' } },
      rules: [rule('stale', 'old')],
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { pick: 'yes' } }, { matchExpressions: [{ key: 'second', operator: 'Exists' }] }] },
    },
    { metadata: { name: 'zeta', labels: { pick: 'yes' } }, rules: [rule('get', 'z'), rule('get', 'a')] },
    { metadata: { name: 'alpha', labels: { pick: 'yes' } }, rules: [rule('get', 'a')] },
    { metadata: { name: 'beta', labels: { second: '' } }, rules: [rule('get', 'b'), { verbs: ['get'], apiGroups: [''], resources: ['a'], resourceNames: [] }] },
    { metadata: { name: 'unrelated' }, rules: [rule('get', 'u')] },
  ];
  const out = aggregateClusterRoles(roles);
  assert.deepEqual(out.warnings, []);
  assert.deepEqual(out.clusterRoles[0]?.rules, [rule('get', 'a'), rule('get', 'z'), rule('get', 'b')]);
  assert.equal(out.clusterRoles[1], roles[1], 'non-aggregating roles untouched');
  assert.deepEqual(roles[0]?.rules, [rule('stale', 'old')], 'input not mutated');
});

test('aggregation: nested aggregating roles settle (admin <- edit <- view shape)', () => {
  const roles: ClusterRole[] = [
    { metadata: { name: 'admin' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'to-admin': 'true' } }] } },
    { metadata: { name: 'edit', labels: { 'to-admin': 'true' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'to-edit': 'true' } }] } },
    { metadata: { name: 'view', labels: { 'to-edit': 'true' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'to-view': 'true' } }] } },
    { metadata: { name: 'crd-view', labels: { 'to-view': 'true' } }, rules: [rule('get', 'widgets')] },
    { metadata: { name: 'crd-edit', labels: { 'to-edit': 'true' } }, rules: [rule('update', 'widgets')] },
    { metadata: { name: 'crd-admin', labels: { 'to-admin': 'true' } }, rules: [rule('delete', 'widgets')] },
  ];
  const out = aggregateClusterRoles(roles);
  const byName = new Map(out.clusterRoles.map((r) => [r.metadata.name, r.rules]));
  assert.deepEqual(byName.get('view'), [rule('get', 'widgets')]);
  assert.deepEqual(byName.get('edit'), [rule('update', 'widgets'), rule('get', 'widgets')]);
  assert.deepEqual(byName.get('admin'), [rule('delete', 'widgets'), rule('update', 'widgets'), rule('get', 'widgets')]);
  assert.deepEqual(out.warnings, []);
});

test('aggregation: the RBAC authorizer uses the aggregated rules', () => {
  const r = new RBACAuthorizer({
    roles: [],
    roleBindings: [],
    clusterRoles: [
      { metadata: { name: 'view-all' }, aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] }] } },
      { metadata: { name: 'a', labels: { team: 'a' } }, rules: [rule('get', 'pods')] },
      { metadata: { name: 'c', labels: { team: 'c' } }, rules: [rule('get', 'secrets')] },
    ],
    clusterRoleBindings: [
      { metadata: { name: 'v' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view-all' }, subjects: [{ kind: 'User', name: 'u' }] },
    ],
  });
  assert.equal(r.authorize(resource(user('u'), 'get', 'pods')).reason, 'RBAC: allowed by ClusterRoleBinding "v" of ClusterRole "view-all" to User "u"');
  assert.equal(r.authorize(resource(user('u'), 'get', 'secrets')).decision, 'NoOpinion');
});

test('aggregation: empty selector list leaves no rules; mutual selection is deterministic', () => {
  const out = aggregateClusterRoles([{ metadata: { name: 'x' }, rules: [rule('get', 'a')], aggregationRule: {} }]);
  assert.deepEqual(out.clusterRoles[0]?.rules, []);
  const cyc = aggregateClusterRoles([
    { metadata: { name: 'p', labels: { l: 'p' } }, rules: [rule('get', 'p')], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { l: 'q' } }] } },
    { metadata: { name: 'q', labels: { l: 'q' } }, rules: [rule('get', 'q')], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { l: 'p' } }] } },
  ]);
  assert.deepEqual(cyc, aggregateClusterRoles([...cyc.clusterRoles.map((r) => ({ ...r }))]));
});
