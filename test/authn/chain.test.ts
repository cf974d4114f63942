/** The authenticator chain's union semantics, decorators and anonymous conditions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anonymousAuthenticator } from '../../src/authn/anonymous.js';
import { buildAuthenticator } from '../../src/authn/chain.js';
import { parseTokenFile } from '../../src/authn/tokenfile.js';
import { bearerToken } from '../../src/authn/bearer.js';
import { failOnErrorUnion, unionAuthenticator, withAuthenticatedGroup } from '../../src/authn/union.js';
import { authenticatorFunc, type AuthnRequest } from '../../src/authn/types.js';

const req = (path: string, headers: Record<string, string> = {}): AuthnRequest => ({ method: 'GET', path, headers });

test('anonymous with conditions matches the exact decoded path only', () => {
  const a = anonymousAuthenticator(['/livez', '/readyz', '/healthz', '/livez']);
  for (const p of ['/livez', '/readyz', '/healthz']) assert.equal((a.authenticate(req(p)) as { kind: string }).kind, 'authenticated');
  for (const p of ['/livez/', '/livez/ping', '/LIVEZ', '/api', '', '/healthz/']) assert.equal((a.authenticate(req(p)) as { kind: string }).kind, 'none', p);
});

test('anonymous user is system:anonymous in system:unauthenticated only', () => {
  const r = anonymousAuthenticator().authenticate(req('/anything'));
  assert.ok(!(r instanceof Promise) && r.kind === 'authenticated');
  assert.deepEqual(r.user, { name: 'system:anonymous', uid: '', groups: ['system:unauthenticated'], extra: {} });
});

test('an empty condition path disables anonymous everywhere', () => {
  const a = anonymousAuthenticator(['']);
  assert.equal((a.authenticate(req('/livez')) as { kind: string }).kind, 'none');
});

test('system:authenticated is added once, never to anonymous', async () => {
  const user = (groups: string[], name = 'u') => authenticatorFunc('t', () => ({ kind: 'authenticated', authenticator: 't', user: { name, uid: '', groups, extra: {} } }));
  const groupsOf = async (a: ReturnType<typeof user>) => {
    const r = await withAuthenticatedGroup(a).authenticate(req('/'));
    return r.kind === 'authenticated' ? r.user.groups : undefined;
  };
  assert.deepEqual(await groupsOf(user(['dev'])), ['dev', 'system:authenticated']);
  assert.deepEqual(await groupsOf(user(['system:authenticated', 'x'])), ['system:authenticated', 'x']);
  assert.deepEqual(await groupsOf(user(['system:unauthenticated'])), ['system:unauthenticated']);
  assert.deepEqual(await groupsOf(user([], 'system:anonymous')), []);
});

test('the union keeps going after an error; the first success wins; errors aggregate', async () => {
  const bad = authenticatorFunc('bad', () => ({ kind: 'error', message: 'e1' }));
  const bad2 = authenticatorFunc('bad2', () => ({ kind: 'error', message: 'e2' }));
  const none = authenticatorFunc('none', () => ({ kind: 'none' }));
  const good = authenticatorFunc('good', () => ({ kind: 'authenticated', authenticator: 'good', user: { name: 'g', uid: '', groups: [], extra: {} } }));
  assert.equal((await unionAuthenticator([bad, good]).authenticate(req('/'))).kind, 'authenticated');
  assert.deepEqual(await unionAuthenticator([bad, none, bad2]).authenticate(req('/')), { kind: 'error', message: '[e1, e2]' });
  assert.deepEqual(await unionAuthenticator([none]).authenticate(req('/')), { kind: 'none' });
  // Fail-on-error: an error never reaches anonymous.
  const r = await failOnErrorUnion(unionAuthenticator([bad]), anonymousAuthenticator()).authenticate(req('/livez'));
  assert.equal(r.kind, 'error');
});

test('bearer token extraction follows kube-apiserver', () => {
  assert.deepEqual(bearerToken('Bearer abc'), { token: 'abc', extraSpace: false });
  assert.deepEqual(bearerToken('bearer abc'), { token: 'abc', extraSpace: false });
  assert.deepEqual(bearerToken('  BEARER abc  '), { token: 'abc', extraSpace: false });
  assert.deepEqual(bearerToken('Bearer abc def'), { token: 'abc', extraSpace: false });
  assert.deepEqual(bearerToken('Bearer  abc'), { extraSpace: true });
  assert.deepEqual(bearerToken('Basic abc'), { extraSpace: false });
  assert.deepEqual(bearerToken('Bearer'), { extraSpace: false });
  assert.deepEqual(bearerToken(undefined), { extraSpace: false });
});

test('the chain: token errors are 401 material, Basic falls through, no authenticators means anonymous alone', async () => {
  const tf = parseTokenFile('t1,alice,1,"a,b"\n', 'tokens.csv');
  const chain = buildAuthenticator({ clientCertificates: false, tokens: [tf.authenticator], anonymous: { enabled: true, paths: ['/livez'] } });
  assert.ok(chain);
  const ok = await chain.authenticate(req('/apis', { authorization: 'Bearer t1' }));
  assert.ok(ok.kind === 'authenticated');
  assert.deepEqual(ok.user, { name: 'alice', uid: '1', groups: ['a', 'b', 'system:authenticated'], extra: {} });
  assert.deepEqual(await chain.authenticate(req('/livez', { authorization: 'Bearer nope' })), { kind: 'error', message: 'invalid bearer token' });
  assert.equal((await chain.authenticate(req('/livez', { authorization: 'Basic Zm9v' }))).kind, 'authenticated');
  assert.equal((await chain.authenticate(req('/apis', { authorization: 'Basic Zm9v' }))).kind, 'none');
  assert.equal(buildAuthenticator({ clientCertificates: false, tokens: [], anonymous: { enabled: false, paths: [] } }), undefined);
  const anonOnly = buildAuthenticator({ clientCertificates: false, tokens: [], anonymous: { enabled: true, paths: [] } });
  assert.equal(anonOnly?.name, 'anonymous');
});
