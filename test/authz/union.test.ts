/**
 * The union authorizer and rule resolver (kube's authorization/union), and the built-in members.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnionAuthorizer, UnionRuleResolver } from '../../src/authz/union.js';
import {
  AlwaysAllowAuthorizer,
  AlwaysDenyAuthorizer,
  NodeAuthorizer,
  PrivilegedGroupAuthorizer,
} from '../../src/authz/builtin.js';
import type { AuthorizationResult, Authorizer, RuleResolver, SubjectRules } from '../../src/authz/types.js';
import { nonResource, user } from './helpers.js';

const fixed = (name: string, result: Omit<AuthorizationResult, 'authorizer'>, calls?: string[]): Authorizer => ({
  name,
  authorize: () => {
    calls?.push(name);
    return result;
  },
});
const later = (name: string, result: Omit<AuthorizationResult, 'authorizer'>, calls?: string[]): Authorizer => ({
  name,
  authorize: async () => {
    calls?.push(name);
    await new Promise((r) => setImmediate(r));
    return result;
  },
});
const req = nonResource(user('u', ['g']), 'get', '/x');

test('first Allow wins with its own reason, error and name; later members are not asked', async () => {
  const calls: string[] = [];
  const u = new UnionAuthorizer([
    fixed('a', { decision: 'NoOpinion', reason: 'a says no', error: 'a broke' }, calls),
    fixed('b', { decision: 'Allow', reason: 'b says yes' }, calls),
    fixed('c', { decision: 'Deny', reason: 'c' }, calls),
  ]);
  assert.deepEqual(await u.authorize(req), { decision: 'Allow', reason: 'b says yes', authorizer: 'b' });
  assert.deepEqual(calls, ['a', 'b']);
});

test('first Deny wins, error kept', async () => {
  const u = new UnionAuthorizer([
    fixed('a', { decision: 'NoOpinion', reason: '' }),
    fixed('b', { decision: 'Deny', reason: 'nope', error: 'e' }),
    fixed('c', { decision: 'Allow', reason: '' }),
  ]);
  assert.deepEqual(await u.authorize(req), { decision: 'Deny', reason: 'nope', error: 'e', authorizer: 'b' });
});

test('all NoOpinion: non-empty reasons joined by newline, errors aggregated', async () => {
  const u = new UnionAuthorizer([
    fixed('a', { decision: 'NoOpinion', reason: 'first' }),
    fixed('b', { decision: 'NoOpinion', reason: '' , error: 'e1'}),
    fixed('c', { decision: 'NoOpinion', reason: 'third', error: 'e2' }),
    fixed('d', { decision: 'NoOpinion', reason: 'fourth', error: 'e1' }),
  ]);
  assert.deepEqual(await u.authorize(req), { decision: 'NoOpinion', reason: 'first\nthird\nfourth', error: '[e1, e2]' });
  assert.deepEqual(await new UnionAuthorizer([fixed('a', { decision: 'NoOpinion', reason: '', error: 'only' })]).authorize(req), {
    decision: 'NoOpinion',
    reason: '',
    error: 'only',
  });
  assert.deepEqual(await new UnionAuthorizer([]).authorize(req), { decision: 'NoOpinion', reason: '' });
});

test('synchronous members give a synchronous answer; asynchronous members are awaited in order', async () => {
  const sync = new UnionAuthorizer([new AlwaysDenyAuthorizer(), new AlwaysAllowAuthorizer()]).authorize(req);
  assert.ok(!(sync instanceof Promise));
  assert.deepEqual(sync, { decision: 'Allow', reason: '', authorizer: 'alwaysallow' });

  const calls: string[] = [];
  const u = new UnionAuthorizer([
    later('a', { decision: 'NoOpinion', reason: 'ra' }, calls),
    fixed('b', { decision: 'NoOpinion', reason: 'rb' }, calls),
    later('c', { decision: 'NoOpinion', reason: 'rc', error: 'ec' }, calls),
    later('d', { decision: 'Allow', reason: 'rd' }, calls),
    fixed('e', { decision: 'Deny', reason: 're' }, calls),
  ]);
  const p = u.authorize(req);
  assert.ok(p instanceof Promise);
  assert.deepEqual(await p, { decision: 'Allow', reason: 'rd', authorizer: 'd' });
  assert.deepEqual(calls, ['a', 'b', 'c', 'd']);
  const none = new UnionAuthorizer([later('a', { decision: 'NoOpinion', reason: 'ra' }), fixed('b', { decision: 'NoOpinion', reason: 'rb', error: 'x' })]);
  assert.deepEqual(await none.authorize(req), { decision: 'NoOpinion', reason: 'ra\nrb', error: 'x' });
});

test('rule-resolver union: concatenation in order, incomplete if any, errors aggregated', () => {
  const r = (name: string, rules: SubjectRules): RuleResolver => ({ name, rulesFor: () => rules });
  const u = new UnionRuleResolver([
    r('a', { resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [] }], nonResourceRules: [], incomplete: false, evaluationError: 'ea' }),
    new AlwaysDenyAuthorizer(),
    r('b', { resourceRules: [], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }], incomplete: true, evaluationError: 'eb' }),
    new AlwaysAllowAuthorizer(),
  ]);
  assert.deepEqual(u.rulesFor(user('u'), 'ns'), {
    resourceRules: [
      { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [] },
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] },
    ],
    nonResourceRules: [
      { verbs: ['get'], nonResourceURLs: ['/x'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ],
    incomplete: true,
    evaluationError: '[ea, eb]',
  });
  assert.deepEqual(new UnionRuleResolver([new AlwaysDenyAuthorizer()]).rulesFor(user('u'), 'ns'), { resourceRules: [], nonResourceRules: [], incomplete: false });
});

test('built-ins: AlwaysAllow, AlwaysDeny, privileged group, Node', () => {
  assert.deepEqual(new AlwaysAllowAuthorizer().authorize(req), { decision: 'Allow', reason: '', authorizer: 'alwaysallow' });
  assert.deepEqual(new AlwaysDenyAuthorizer().authorize(req), { decision: 'NoOpinion', reason: 'Everything is forbidden.', authorizer: 'alwaysdeny' });
  const pg = new PrivilegedGroupAuthorizer();
  assert.equal(pg.name, 'system-privileged-group.authorizer.kubernetes.io');
  assert.deepEqual(pg.authorize(nonResource(user('x', ['a', 'system:masters']), 'get', '/')), { decision: 'Allow', reason: '', authorizer: pg.name });
  assert.deepEqual(pg.authorize(nonResource(user('system:masters'), 'get', '/')), { decision: 'NoOpinion', reason: '', authorizer: pg.name }, 'the user name does not count');
  assert.deepEqual(pg.authorize(nonResource(undefined, 'get', '/')), { decision: 'NoOpinion', reason: 'Error', error: 'no user on request.', authorizer: pg.name });
  assert.equal(new PrivilegedGroupAuthorizer(['ops'], 'ops').authorize(nonResource(user('x', ['ops']), 'get', '/')).decision, 'Allow');
  const node = new NodeAuthorizer();
  const kubelet = user('system:node:n1', ['system:nodes', 'system:authenticated']);
  assert.deepEqual(node.authorize(nonResource(kubelet, 'get', '/api')), { decision: 'NoOpinion', reason: '', authorizer: 'node' });
  assert.deepEqual(node.rulesFor(kubelet, 'default'), {
    resourceRules: [],
    nonResourceRules: [],
    incomplete: true,
    evaluationError: 'node authorizer does not support user rule resolution',
  });
  assert.deepEqual(node.rulesFor(user('system:node:n1'), 'default'), { resourceRules: [], nonResourceRules: [], incomplete: false }, 'needs the system:nodes group');
});
