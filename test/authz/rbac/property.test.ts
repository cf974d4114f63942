/**
 * Property test: the indexed RBAC authorizer gives exactly the decision, reason and rules of a
 * naive reference that, like kube's rule resolver, loops over every binding for every request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RBACAuthorizer, roleNotFoundMessage, unsupportedRoleRefMessage } from '../../../src/authz/rbac/authorizer.js';
import { aggregateClusterRoles } from '../../../src/authz/rbac/aggregate.js';
import { appliesTo, describeBinding, ruleAllows } from '../../../src/authz/rbac/match.js';
import { aggregateMessages } from '../../../src/errors.js';
import type { UserInfo } from '../../../src/authn/types.js';
import type { Attributes, SubjectRules, AuthorizationResult, ResourceRuleInfo, NonResourceRuleInfo } from '../../../src/authz/types.js';
import type { ClusterRole, PolicyRule, RbacObjects, Role, RoleRef, Subject } from '../../../src/authz/rbac/types.js';

// --- the reference: a straight loop, roles looked up per request ---

type Visit = (source: string | undefined, rule: PolicyRule | undefined, error: string | undefined) => boolean;

function visitRulesFor(objs: RbacObjects, u: UserInfo, namespace: string, visit: Visit): void {
  const clusterRoles = aggregateClusterRoles(objs.clusterRoles).clusterRoles;
  const resolve = (ref: RoleRef, ns: string): readonly PolicyRule[] | string => {
    if (ref.kind === 'Role') {
      const role = ns === '' ? undefined : objs.roles.find((r) => r.metadata.namespace === ns && r.metadata.name === ref.name);
      return role ? role.rules ?? [] : roleNotFoundMessage('Role', ref.name);
    }
    if (ref.kind === 'ClusterRole') {
      const role = clusterRoles.find((r) => r.metadata.name === ref.name);
      return role ? role.rules ?? [] : roleNotFoundMessage('ClusterRole', ref.name);
    }
    return unsupportedRoleRefMessage(ref.kind);
  };
  for (const b of objs.clusterRoleBindings) {
    const subjects = b.subjects ?? [];
    const i = appliesTo(u, subjects, '');
    if (i < 0) continue;
    const rules = resolve(b.roleRef, '');
    if (typeof rules === 'string') {
      if (!visit(undefined, undefined, rules)) return;
      continue;
    }
    const source = describeBinding(b.metadata.name ?? '', undefined, b.roleRef, subjects[i] as Subject);
    for (const rule of rules) if (!visit(source, rule, undefined)) return;
  }
  if (namespace === '') return;
  for (const b of objs.roleBindings) {
    if (b.metadata.namespace !== namespace) continue;
    const subjects = b.subjects ?? [];
    const i = appliesTo(u, subjects, namespace);
    if (i < 0) continue;
    const rules = resolve(b.roleRef, namespace);
    if (typeof rules === 'string') {
      if (!visit(undefined, undefined, rules)) return;
      continue;
    }
    const source = describeBinding(b.metadata.name ?? '', namespace, b.roleRef, subjects[i] as Subject);
    for (const rule of rules) if (!visit(source, rule, undefined)) return;
  }
}

function naiveAuthorize(objs: RbacObjects, attrs: Attributes): AuthorizationResult {
  if (!attrs.user) return { decision: 'NoOpinion', reason: '', authorizer: 'rbac' };
  let reason: string | undefined;
  const errors: string[] = [];
  visitRulesFor(objs, attrs.user, attrs.namespace, (source, rule, error) => {
    if (rule && ruleAllows(attrs, rule)) {
      reason = `RBAC: allowed by ${source ?? ''}`;
      return false;
    }
    if (error !== undefined) errors.push(error);
    return true;
  });
  if (reason !== undefined) return { decision: 'Allow', reason, authorizer: 'rbac' };
  return { decision: 'NoOpinion', reason: errors.length > 0 ? `RBAC: ${aggregateMessages(errors)}` : '', authorizer: 'rbac' };
}

function naiveRulesFor(objs: RbacObjects, u: UserInfo, namespace: string): SubjectRules {
  const resourceRules: ResourceRuleInfo[] = [];
  const nonResourceRules: NonResourceRuleInfo[] = [];
  const errors: string[] = [];
  visitRulesFor(objs, u, namespace, (_source, rule, error) => {
    if (rule && (rule.resources ?? []).length > 0) {
      resourceRules.push({ verbs: rule.verbs, apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [], resourceNames: rule.resourceNames ?? [] });
    }
    if (rule && (rule.nonResourceURLs ?? []).length > 0) nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs ?? [] });
    if (error !== undefined) errors.push(error);
    return true;
  });
  return errors.length > 0
    ? { resourceRules, nonResourceRules, incomplete: false, evaluationError: aggregateMessages(errors) }
    : { resourceRules, nonResourceRules, incomplete: false };
}

// --- generators over small vocabularies, so that subjects, roles and rules collide often ---

const NAMESPACES = ['ns1', 'ns2'];
const USER_NAMES = ['alice', 'bob', 'system:serviceaccount:ns1:sa1', 'system:serviceaccount:ns2:sa1', 'system:serviceaccount:ns1:sa2', ''];
const GROUPS = ['g1', 'g2', 'system:authenticated'];
const ROLE_NAMES = ['r1', 'r2', 'r3'];

const subset = <T>(xs: readonly T[], min = 0) => fc.subarray([...xs], { minLength: min });

const ruleArb: fc.Arbitrary<PolicyRule> = fc.oneof(
  fc.record(
    {
      verbs: subset(['get', 'list', '*'], 1),
      apiGroups: subset(['', 'apps', '*'], 1),
      resources: subset(['pods', 'pods/status', '*/status', '*', 'deployments'], 1),
      resourceNames: subset(['x', 'y']),
    },
    { requiredKeys: ['verbs', 'apiGroups', 'resources'] },
  ),
  fc.record({ verbs: subset(['get', 'post', '*'], 1), nonResourceURLs: subset(['/a', '/a/*', '*', '/b', '/b*'], 1) }),
);

const labelsArb = fc.option(fc.record({ agg: fc.constantFrom('x', 'y') }), { nil: undefined });

const clusterRoleArb: fc.Arbitrary<ClusterRole> = fc
  .record({
    name: fc.constantFrom(...ROLE_NAMES),
    labels: labelsArb,
    rules: fc.array(ruleArb, { minLength: 1, maxLength: 4 }),
    aggregate: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
  })
  .map(({ name, labels, rules, aggregate }) => ({
    metadata: labels ? { name, labels } : { name },
    rules,
    ...(aggregate ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: aggregate } }] } } : {}),
  }));

const roleArb: fc.Arbitrary<Role> = fc
  .record({ name: fc.constantFrom(...ROLE_NAMES), namespace: fc.constantFrom(...NAMESPACES), rules: fc.array(ruleArb, { minLength: 1, maxLength: 4 }) })
  .map(({ name, namespace, rules }) => ({ metadata: { name, namespace }, rules }));

const subjectArb: fc.Arbitrary<Subject> = fc.oneof(
  fc.record({ kind: fc.constant('User'), name: fc.constantFrom(...USER_NAMES) }),
  fc.record({ kind: fc.constant('Group'), name: fc.constantFrom(...GROUPS) }),
  fc.record({ kind: fc.constant('ServiceAccount'), name: fc.constantFrom('sa1', 'sa2') }),
  fc.record({ kind: fc.constant('ServiceAccount'), name: fc.constantFrom('sa1', 'sa2'), namespace: fc.constantFrom(...NAMESPACES) }),
  fc.record({ kind: fc.constantFrom('Robot', 'user'), name: fc.constantFrom('alice', 'g1') }),
);

const roleRefArb: fc.Arbitrary<RoleRef> = fc.record({
  apiGroup: fc.constant('rbac.authorization.k8s.io'),
  kind: fc.constantFrom('ClusterRole', 'ClusterRole', 'Role', 'Foo'),
  name: fc.constantFrom(...ROLE_NAMES, 'missing'),
});

const bindingName = fc.constantFrom('b1', 'b2', 'b3', '');

const objectsArb: fc.Arbitrary<RbacObjects> = fc.record({
  clusterRoles: fc.array(clusterRoleArb, { maxLength: 5 }),
  roles: fc.array(roleArb, { maxLength: 4 }),
  clusterRoleBindings: fc.array(
    fc.record({ name: bindingName, roleRef: roleRefArb, subjects: fc.array(subjectArb, { minLength: 1, maxLength: 5 }) }).map(({ name, roleRef, subjects }) => ({
      metadata: { name },
      roleRef,
      subjects,
    })),
    { maxLength: 10 },
  ),
  roleBindings: fc.array(
    fc
      .record({ name: bindingName, namespace: fc.constantFrom(...NAMESPACES), roleRef: roleRefArb, subjects: fc.array(subjectArb, { minLength: 1, maxLength: 5 }) })
      .map(({ name, namespace, roleRef, subjects }) => ({ metadata: { name, namespace }, roleRef, subjects })),
    { maxLength: 10 },
  ),
});

const userArb: fc.Arbitrary<UserInfo> = fc
  .record({ name: fc.constantFrom(...USER_NAMES), groups: fc.array(fc.constantFrom(...GROUPS), { maxLength: 5 }) })
  .map(({ name, groups }) => ({ name, uid: '', groups, extra: {} }));

const attrsArb: fc.Arbitrary<Attributes> = fc
  .record({
    user: fc.option(userArb, { nil: undefined, freq: 10 }),
    isResourceRequest: fc.boolean(),
    verb: fc.constantFrom('get', 'get', 'list', 'post', 'watch'),
    path: fc.constantFrom('/a', '/a/x', '/b', '/bc', '/c'),
    apiGroup: fc.constantFrom('', 'apps'),
    namespace: fc.constantFrom('', ...NAMESPACES),
    resource: fc.constantFrom('pods', 'deployments'),
    subresource: fc.constantFrom('', 'status'),
    name: fc.constantFrom('', '', 'x', 'z'),
  })
  .map((a) => ({ ...a, apiVersion: 'v1' }));

test('indexed RBAC authorizer agrees with the naive loop on decision and reason', () => {
  fc.assert(
    fc.property(objectsArb, fc.array(attrsArb, { minLength: 1, maxLength: 8 }), (objs, requests) => {
      const rbac = new RBACAuthorizer(objs);
      for (const attrs of requests) {
        // The trace names the grant the reason describes, and its rule allows the request.
        const { trace, ...result } = rbac.authorize(attrs);
        assert.deepEqual(result, naiveAuthorize(objs, attrs));
        if (!trace) assert.notEqual(result.decision, 'Allow');
        else {
          assert.ok(ruleAllows(attrs, trace.rule));
          assert.equal(result.reason, `RBAC: allowed by ${describeBinding(trace.binding.name, trace.binding.namespace, trace.roleRef, trace.subject)}`);
        }
      }
    }),
    { numRuns: 1500 },
  );
});

test('indexed rulesFor agrees with the naive loop', () => {
  fc.assert(
    fc.property(objectsArb, userArb, fc.constantFrom('', ...NAMESPACES), (objs, u, ns) => {
      assert.deepEqual(new RBACAuthorizer(objs).rulesFor(u, ns), naiveRulesFor(objs, u, ns));
    }),
    { numRuns: 1000 },
  );
});

test('the generated policies allow, and fail to resolve, often enough for the comparison to mean something', () => {
  let allowed = 0;
  let withErrors = 0;
  let total = 0;
  fc.assert(
    fc.property(objectsArb, attrsArb, (objs, attrs) => {
      total++;
      const r = new RBACAuthorizer(objs).authorize(attrs);
      if (r.decision === 'Allow') allowed++;
      else if (r.reason !== '') withErrors++;
    }),
    { numRuns: 1000, seed: 42 },
  );
  assert.ok(allowed / total > 0.05, `only ${allowed}/${total} allowed`);
  assert.ok(withErrors / total > 0.05, `only ${withErrors}/${total} with resolution errors`);
});
