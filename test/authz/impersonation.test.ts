/**
 * Impersonation as kube-apiserver's filter does it: what each header asks to be authorized for,
 * the user that comes out, the 400 and 403 answers, and, through the engine, the audit record and
 * the handler's view of the request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRequests, hasImpersonationHeaders, impersonate, splitServiceAccountUsername, withoutImpersonationHeaders } from '../../src/authz/impersonation.js';
import type { Attributes, AuthorizationResult, Authorizer } from '../../src/authz/types.js';
import type { UserInfo } from '../../src/authn/types.js';
import { decide, type EngineSnapshot } from '../../src/engine.js';
import { anonymousAuthenticator } from '../../src/authn/anonymous.js';
import { createAuditor, parseAuditPolicy, PolicyEvaluator, type AuditBackend, type AuditEvent } from '../../src/audit/index.js';
import { apiRuntime, json, message, post, send } from '../api/helpers.js';

const admin: UserInfo = { name: 'admin', uid: '1', groups: ['system:masters', 'system:authenticated'], extra: {} };

/** An authorizer that answers from a predicate and records what it was asked. */
function recording(allow: (a: Attributes) => boolean | AuthorizationResult = () => true): Authorizer & { asked: Attributes[] } {
  const asked: Attributes[] = [];
  return {
    name: 'recording',
    asked,
    authorize(a) {
      asked.push(a);
      const r = allow(a);
      if (typeof r === 'object') return r;
      return r ? { decision: 'Allow', reason: 'ok' } : { decision: 'NoOpinion', reason: 'RBAC: nope' };
    },
  };
}

test('impersonation is part of the doorman/authz surface', async () => {
  const authz = await import('../../src/authz/index.js');
  assert.equal(authz.impersonate, impersonate);
});

test('no impersonation headers: nothing happens, nothing is asked', async () => {
  const authz = recording();
  assert.deepEqual(await impersonate(authz, { authorization: 'Bearer x' }, admin), { kind: 'none' });
  assert.equal(authz.asked.length, 0);
  assert.equal(hasImpersonationHeaders({ 'impersonate-foo': 'x' }), false);
  // An empty user alone asks for nothing, as in kube.
  assert.deepEqual(await impersonate(authz, { 'impersonate-user': '' }, admin), { kind: 'none' });
});

test('user, groups, extras and uid: one impersonate check each, in header order, uid last', async () => {
  const authz = recording();
  const out = await impersonate(
    authz,
    { 'impersonate-uid': 'u-1', 'impersonate-user': 'bob', 'impersonate-group': ['dev', 'ops, eu'], 'impersonate-extra-scopes': ['view', 'edit'], 'impersonate-extra-example.com%2fteam': 'a' },
    admin,
  );
  assert.equal(out.kind, 'impersonated');
  assert.deepEqual(out.kind === 'impersonated' && out.user, { name: 'bob', uid: 'u-1', groups: ['dev', 'ops, eu', 'system:authenticated'], extra: { scopes: ['view', 'edit'], 'example.com/team': ['a'] } });
  assert.deepEqual(
    authz.asked.map((a) => [a.verb, a.apiGroup, a.apiVersion, a.resource, a.subresource, a.namespace, a.name, a.isResourceRequest, a.user?.name]),
    [
      ['impersonate', '', '', 'users', '', '', 'bob', true, 'admin'],
      ['impersonate', '', '', 'groups', '', '', 'dev', true, 'admin'],
      ['impersonate', '', '', 'groups', '', '', 'ops, eu', true, 'admin'],
      ['impersonate', 'authentication.k8s.io', 'v1', 'userextras', 'scopes', '', 'view', true, 'admin'],
      ['impersonate', 'authentication.k8s.io', 'v1', 'userextras', 'scopes', '', 'edit', true, 'admin'],
      ['impersonate', 'authentication.k8s.io', 'v1', 'userextras', 'example.com/team', '', 'a', true, 'admin'],
      ['impersonate', 'authentication.k8s.io', 'v1', 'uids', '', '', 'u-1', true, 'admin'],
    ],
  );
});

test('service accounts: their own resource and namespace, their fixed groups unless groups are given', async () => {
  const authz = recording();
  const sa = await impersonate(authz, { 'impersonate-user': 'system:serviceaccount:kube-system:default' }, admin);
  assert.deepEqual(sa.kind === 'impersonated' && sa.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated']);
  assert.deepEqual([authz.asked[0]?.resource, authz.asked[0]?.namespace, authz.asked[0]?.name], ['serviceaccounts', 'kube-system', 'default']);
  const given = await impersonate(recording(), { 'impersonate-user': 'system:serviceaccount:ns:sa', 'impersonate-group': 'g' }, admin);
  assert.deepEqual(given.kind === 'impersonated' && given.user.groups, ['g', 'system:authenticated']);
  // Not a valid service-account name: an ordinary user.
  assert.equal(splitServiceAccountUsername('system:serviceaccount:NS:sa'), undefined);
  assert.equal(splitServiceAccountUsername('system:serviceaccount:a:b:c'), undefined);
  assert.deepEqual(splitServiceAccountUsername('system:serviceaccount:a:b.c'), { namespace: 'a', name: 'b.c' });
});

test('system:authenticated is added unless a marker group is given; anonymous gets system:unauthenticated', async () => {
  const groups = async (h: Record<string, string | string[]>): Promise<readonly string[]> => {
    const o = await impersonate(recording(), h, admin);
    return o.kind === 'impersonated' ? o.user.groups : [];
  };
  assert.deepEqual(await groups({ 'impersonate-user': 'bob', 'impersonate-group': 'system:unauthenticated' }), ['system:unauthenticated']);
  assert.deepEqual(await groups({ 'impersonate-user': 'bob', 'impersonate-group': 'system:authenticated' }), ['system:authenticated']);
  assert.deepEqual(await groups({ 'impersonate-user': 'system:anonymous' }), ['system:unauthenticated']);
  assert.deepEqual(await groups({ 'impersonate-user': 'system:anonymous', 'impersonate-group': 'x' }), ['x', 'system:unauthenticated']);
});

test('groups, extras or a uid without a user: 400 listing the requests as Go prints them', async () => {
  const out = await impersonate(recording(), { 'impersonate-group': 'g', 'impersonate-extra-k': 'v', 'impersonate-uid': 'u' }, admin);
  assert.deepEqual(out, { kind: 'bad-request', message: 'requested [{Group  g    } {UserExtra  v  authentication.k8s.io/v1  k} {UID  u  authentication.k8s.io/v1  }] without impersonating a user' });
  assert.equal(formatRequests([]), '[]');
});

test('the first refused request forbids; an authorizer error forbids too; no user is a 500', async () => {
  const authz = recording((a) => a.resource !== 'groups');
  const out = await impersonate(authz, { 'impersonate-user': 'bob', 'impersonate-group': ['a', 'b'] }, admin);
  assert.equal(out.kind, 'forbidden');
  assert.equal(out.kind === 'forbidden' && out.attributes.name, 'a');
  assert.equal(out.kind === 'forbidden' && out.reason, 'RBAC: nope');
  assert.equal(authz.asked.length, 2);
  const erring = recording(() => ({ decision: 'NoOpinion', reason: '', error: 'boom' }));
  assert.equal((await impersonate(erring, { 'impersonate-user': 'bob' }, admin)).kind, 'forbidden');
  assert.deepEqual(await impersonate(recording(), { 'impersonate-user': 'bob' }, undefined), { kind: 'internal-error', message: 'no user found for request' });
  assert.deepEqual(Object.keys(withoutImpersonationHeaders({ a: '1', 'impersonate-user': 'x', 'impersonate-extra-y': 'z', 'impersonate-other': 'kept' })), ['a', 'impersonate-other']);
});

test('through the engine: RBAC decides, kube-apiserver\'s 403 names what could not be impersonated', async () => {
  const rt = apiRuntime();
  try {
    const d = await send(rt, '/version', { token: 'alice-token', headers: { 'impersonate-user': 'bob' } });
    assert.equal(d.response.status, 403);
    assert.equal(
      d.response.body,
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"users \\"bob\\" is forbidden: User \\"alice\\" cannot impersonate resource \\"users\\" in API group \\"\\" at the cluster scope","reason":"Forbidden","details":{"name":"bob","kind":"users"},"code":403}\n',
    );
    const extra = await send(rt, '/version', { token: 'alice-token', headers: { 'impersonate-user': 'alice', 'impersonate-extra-scopes': 'x' } });
    assert.equal(message(extra), 'users "alice" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
    const sa = await send(rt, '/version', { token: 'nogroups-token', headers: { 'impersonate-user': 'system:serviceaccount:ns:robot' } });
    assert.equal(message(sa), 'serviceaccounts "robot" is forbidden: User "nobody" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "ns"');
    // The admin may; the review API then reports the impersonated user.
    const who = await post(rt, '/apis/authentication.k8s.io/v1/selfsubjectreviews', {}, 'admin-token', { 'impersonate-user': 'bob', 'impersonate-group': 'dev', 'impersonate-extra-scopes': 'view' });
    assert.deepEqual((json(who) as { status: unknown }).status, { userInfo: { username: 'bob', groups: ['dev', 'system:authenticated'], extra: { scopes: ['view'] } } });
    // Authorization of the request itself is for the impersonated user.
    const denied = await send(rt, '/api/v1/namespaces/default/secrets', { token: 'admin-token', headers: { 'impersonate-user': 'bob' } });
    assert.equal(message(denied), 'secrets is forbidden: User "bob" cannot list resource "secrets" in API group "" in the namespace "default"');
    assert.equal((await send(rt, '/version', { token: 'admin-token', headers: { 'impersonate-group': 'x' } })).response.status, 400);
  } finally {
    rt.authentication.close();
  }
});

test('through the engine: impersonatedUser in audit, headers gone before the handler, 500 without authentication', async () => {
  const events: AuditEvent[] = [];
  const backend: AuditBackend = { name: 'capture', process: (e) => (events.push(...e), true), shutdown: async () => undefined };
  const policy = parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n').policy;
  let seen: Record<string, unknown> = {};
  const snap: EngineSnapshot = {
    authenticator: anonymousAuthenticator(),
    authorizer: recording(),
    handler: (ctx) => {
      seen = { ...ctx.request.headers, user: ctx.user?.name };
      return { status: 200, headers: {}, body: 'ok' };
    },
    auditor: createAuditor({ evaluator: new PolicyEvaluator(policy), backend }),
  };
  const d = await decide(snap, { method: 'GET', target: '/x', headers: { 'impersonate-user': 'bob', 'impersonate-group': 'g', accept: '*/*' }, remoteAddress: '127.0.0.1' });
  assert.equal(d.response.status, 200);
  assert.deepEqual(d.impersonatedUser, { name: 'bob', uid: '', groups: ['g', 'system:authenticated'], extra: {} });
  assert.deepEqual(seen, { accept: '*/*', user: 'bob' });
  assert.equal(events[0]?.user.username, 'system:anonymous');
  assert.deepEqual(events[0]?.impersonatedUser, { username: 'bob', groups: ['g', 'system:authenticated'] });

  const noAuthn: EngineSnapshot = { ...snap, authenticator: undefined, auditor: undefined };
  const e = await decide(noAuthn, { method: 'GET', target: '/x?a=<b>', headers: { 'impersonate-user': 'bob' }, remoteAddress: '127.0.0.1' });
  assert.equal(e.response.status, 500);
  assert.equal(e.response.body, 'Internal Server Error: "/x?a=&lt;b&gt;": no user found for request\n');
});
