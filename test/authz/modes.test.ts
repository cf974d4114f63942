/**
 * `--authorization-mode` parsing with kube-apiserver's messages, and the chain built from modes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_ALWAYS_ALLOW_WARNING,
  authorizerNameForMode,
  buildAuthorizerChain,
  parseAuthorizationModes,
  splitAuthorizationModeFlag,
  validateAuthorizationModes,
} from '../../src/authz/modes.js';
import { buildAuthorizer } from '../../src/authz/setup.js';
import { DoormanError } from '../../src/errors.js';
import { NO_RBAC_OBJECTS } from '../../src/authz/rbac/types.js';
import { ANONYMOUS, nonResource, resource, user } from './helpers.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function flagError(value: string | readonly string[]): string {
  try {
    parseAuthorizationModes(value);
  } catch (e) {
    assert.ok(e instanceof DoormanError);
    assert.equal(e.code, 'FLAG_INVALID');
    return e.message;
  }
  assert.fail('expected an error');
}

test('splitting: commas, repeated flags, empty values, no trimming', () => {
  assert.deepEqual(splitAuthorizationModeFlag(undefined), []);
  assert.deepEqual(splitAuthorizationModeFlag(''), []);
  assert.deepEqual(splitAuthorizationModeFlag('Node,RBAC'), ['Node', 'RBAC']);
  assert.deepEqual(splitAuthorizationModeFlag(['Node', 'RBAC,AlwaysDeny']), ['Node', 'RBAC', 'AlwaysDeny']);
  assert.deepEqual(splitAuthorizationModeFlag('RBAC, Node'), ['RBAC', ' Node']);
});

test('valid modes keep their order', () => {
  assert.deepEqual(parseAuthorizationModes('Node,RBAC'), { modes: ['Node', 'RBAC'], warnings: [] });
  assert.deepEqual(parseAuthorizationModes(['AlwaysDeny']).modes, ['AlwaysDeny']);
});

test('no modes: AlwaysAllow with the start-up warning', () => {
  for (const v of [undefined, '', [] as string[]]) {
    assert.deepEqual(parseAuthorizationModes(v), { modes: ['AlwaysAllow'], warnings: [DEFAULT_ALWAYS_ALLOW_WARNING] });
  }
  assert.match(DEFAULT_ALWAYS_ALLOW_WARNING, /AlwaysAllow/);
});

test('kube-apiserver messages: duplicates quote the whole list, unknown modes are quoted', () => {
  assert.equal(flagError('RBAC,RBAC'), 'authorization-mode ["RBAC" "RBAC"] has mode specified more than once');
  assert.equal(flagError('Foo'), 'authorization-mode "Foo" is not a valid mode');
  assert.equal(flagError('rbac'), 'authorization-mode "rbac" is not a valid mode', 'case-sensitive');
  assert.equal(flagError('RBAC, Node'), 'authorization-mode " Node" is not a valid mode');
  assert.equal(flagError('RBAC,'), 'authorization-mode "" is not a valid mode');
  assert.equal(
    flagError('Foo,Node,Foo'),
    '[authorization-mode "Foo" is not a valid mode, authorization-mode ["Foo" "Node" "Foo"] has mode specified more than once]',
    'one message per distinct problem, aggregated like utilerrors',
  );
});

test('ABAC and Webhook are refused as not implemented', () => {
  assert.equal(flagError('ABAC'), 'authorization-mode "ABAC" is not implemented by doorman yet (implemented: AlwaysAllow, AlwaysDeny, RBAC, Node)');
  assert.equal(flagError('Node,Webhook,RBAC'), 'authorization-mode "Webhook" is not implemented by doorman yet (implemented: AlwaysAllow, AlwaysDeny, RBAC, Node)');
  assert.deepEqual(validateAuthorizationModes(['RBAC']), []);
});

test('member names are the lower-cased modes', () => {
  assert.equal(authorizerNameForMode('RBAC'), 'rbac');
  assert.equal(authorizerNameForMode('AlwaysAllow'), 'alwaysallow');
  const chain = buildAuthorizerChain({ modes: ['Node', 'RBAC', 'AlwaysDeny'] });
  assert.deepEqual(chain.authorizer.members.map((m) => m.name), [
    'system-privileged-group.authorizer.kubernetes.io',
    'node',
    'rbac',
    'alwaysdeny',
  ]);
  assert.deepEqual(chain.ruleResolver.members.map((m) => m.name), ['node', 'rbac', 'alwaysdeny'], 'no privileged group among resolvers');
  assert.ok(chain.rbac);
});

test('Node,RBAC chain: masters first with an empty reason, bootstrap RBAC always present', async () => {
  const chain = buildAuthorizerChain({ modes: ['Node', 'RBAC'], rbacObjects: NO_RBAC_OBJECTS });
  const admin = user('root', ['system:masters', 'system:authenticated']);
  assert.deepEqual(await chain.authorizer.authorize(resource(admin, 'delete', 'nodes', { name: 'n1' })), {
    decision: 'Allow',
    reason: '',
    authorizer: 'system-privileged-group.authorizer.kubernetes.io',
  });
  assert.deepEqual(await chain.authorizer.authorize(nonResource(ANONYMOUS, 'get', '/livez')), {
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
  assert.deepEqual(await chain.authorizer.authorize(nonResource(ANONYMOUS, 'get', '/apis')), { decision: 'NoOpinion', reason: '' });
  // No user: the privileged-group authorizer's error survives the NoOpinion union (a 500 upstream).
  assert.deepEqual(await chain.authorizer.authorize(nonResource(undefined, 'get', '/livez')), {
    decision: 'NoOpinion',
    reason: 'Error',
    error: 'no user on request.',
  });
  const rules = chain.ruleResolver.rulesFor(user('alice', ['system:authenticated']), 'default');
  assert.equal(rules.incomplete, false);
  assert.deepEqual(rules.nonResourceRules.map((r) => r.nonResourceURLs[0]), ['/livez', '/livez']);
  assert.deepEqual(rules.resourceRules.map((r) => r.resources), [['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['selfsubjectreviews']]);
  const node = chain.ruleResolver.rulesFor(user('system:node:n1', ['system:nodes', 'system:authenticated']), 'default');
  assert.equal(node.incomplete, true);
  assert.equal(node.evaluationError, 'node authorizer does not support user rule resolution');
});

test('AlwaysDeny chain gives the kube reason; AlwaysAllow chain allows with ""', async () => {
  const deny = buildAuthorizerChain({ modes: ['AlwaysDeny'] });
  assert.deepEqual(await deny.authorizer.authorize(nonResource(user('a'), 'get', '/')), { decision: 'NoOpinion', reason: 'Everything is forbidden.' });
  const allow = buildAuthorizerChain(parseAuthorizationModes(undefined));
  assert.deepEqual(await allow.authorizer.authorize(nonResource(ANONYMOUS, 'get', '/secret')), { decision: 'Allow', reason: '', authorizer: 'alwaysallow' });
  assert.deepEqual(allow.ruleResolver.rulesFor(ANONYMOUS, 'x'), {
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  });
});

test('buildAuthorizer: flags in, chain and warnings out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-modes-'));
  const file = join(dir, 'rbac.yaml');
  writeFileSync(
    file,
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: anon-discovery}\nroleRef: {kind: ClusterRole, name: system:discovery}\nsubjects: [{kind: Group, name: system:unauthenticated}]\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n',
  );
  const setup = buildAuthorizer({ modes: ['RBAC'], rbacObjectPaths: [file] });
  assert.deepEqual(setup.modes, ['RBAC']);
  assert.deepEqual(setup.warnings, [`${file}: document 2: skipping Secret (apiVersion "v1"): not an RBAC object`]);
  assert.equal((await setup.authorizer.authorize(nonResource(ANONYMOUS, 'get', '/apis'))).reason,
    'RBAC: allowed by ClusterRoleBinding "anon-discovery" of ClusterRole "system:discovery" to Group "system:unauthenticated"');

  const unused = buildAuthorizer({ modes: undefined, rbacObjectPaths: [file] });
  assert.deepEqual(unused.modes, ['AlwaysAllow']);
  assert.equal(unused.warnings[0], DEFAULT_ALWAYS_ALLOW_WARNING);
  assert.match(unused.warnings.at(-1) ?? '', /RBAC is not in --authorization-mode/);
  assert.throws(() => buildAuthorizer({ modes: 'RBAC,RBAC', rbacObjectPaths: [] }), /has mode specified more than once/);
});
