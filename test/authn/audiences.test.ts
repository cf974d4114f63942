/**
 * kube's audience-agnostic wrapper (audagnostic.go) and Audiences.Intersect, and the request's
 * audiences reaching the token authenticators through the bearer and websocket authenticators.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { audienceAgnosticToken, audiencesAreAcceptable, intersectAudiences } from '../../src/authn/audiences.js';
import { bearerAuthenticator } from '../../src/authn/bearer.js';
import { parseTokenFile, type TokenAuthenticator, type TokenContext } from '../../src/authn/tokenfile.js';
import { websocketProtocolAuthenticator, BEARER_PROTOCOL_PREFIX } from '../../src/authn/websocket.js';
import type { AuthenticationResult } from '../../src/authn/types.js';

const user = { name: 'alice', uid: '1', groups: [], extra: {} };

function recording(answer: AuthenticationResult): TokenAuthenticator & { contexts: (TokenContext | undefined)[] } {
  const contexts: (TokenContext | undefined)[] = [];
  return { name: 'rec', contexts, authenticateToken: async (_t, ctx) => (contexts.push(ctx), answer) };
}

test('intersect keeps the targets that are API audiences, in the targets\' order, repeats kept', () => {
  assert.deepEqual(intersectAudiences(['api', 'extra'], ['other', 'extra', 'api', 'extra']), ['extra', 'api', 'extra']);
  assert.deepEqual(intersectAudiences([], ['api']), []);
});

test('without target audiences the delegate answers as it is, context passed along', async () => {
  const d = recording({ kind: 'authenticated', user, authenticator: 'rec' });
  const w = audienceAgnosticToken([], d);
  assert.deepEqual(await w.authenticateToken('t'), { kind: 'authenticated', user, authenticator: 'rec' });
  assert.deepEqual(d.contexts, [undefined]);
});

test('targets that name no API audience: no opinion, the delegate is not asked', async () => {
  const d = recording({ kind: 'authenticated', user, authenticator: 'rec' });
  assert.deepEqual(await audienceAgnosticToken([], d).authenticateToken('t', { audiences: ['api'] }), { kind: 'none' });
  assert.deepEqual(await audienceAgnosticToken(['api'], d).authenticateToken('t', { audiences: ['other'] }), { kind: 'none' });
  assert.deepEqual(await audienceAgnosticToken(['api'], d).authenticateToken('t', { audiences: [] }), { kind: 'none' });
  assert.equal(d.contexts.length, 0);
});

test('a success for an API audience carries the intersection; errors and no opinion pass through', async () => {
  const w = audienceAgnosticToken(['api', 'extra'], recording({ kind: 'authenticated', user, authenticator: 'rec' }));
  assert.deepEqual(await w.authenticateToken('t', { audiences: ['other', 'extra'] }), { kind: 'authenticated', user, authenticator: 'rec', audiences: ['extra'] });
  const bad = audienceAgnosticToken(['api'], recording({ kind: 'error', message: 'bad token' }));
  assert.deepEqual(await bad.authenticateToken('t', { audiences: ['api'] }), { kind: 'error', message: 'bad token' });
  const none = audienceAgnosticToken(['api'], recording({ kind: 'none' }));
  assert.deepEqual(await none.authenticateToken('t', { audiences: ['api'] }), { kind: 'none' });
});

test('a delegate that names audiences was not agnostic: kube\'s error', async () => {
  const w = audienceAgnosticToken(['api'], recording({ kind: 'authenticated', user, authenticator: 'rec', audiences: ['a', 'b'] }));
  assert.deepEqual(await w.authenticateToken('t', { audiences: ['api'] }), {
    kind: 'error',
    message: 'audience agnostic authenticator wrapped an authenticator that returned audiences: ["a" "b"]',
  });
});

test('the token file wrapped: synchronous as before, still an in-memory lookup, same frozen answer without audiences', () => {
  const tf = parseTokenFile('tok,alice,1\n', 'tokens.csv').authenticator;
  const w = audienceAgnosticToken([], tf);
  assert.equal(w.inMemory, true);
  assert.equal(w.name, 'token-file');
  assert.equal(w.authenticateToken('tok'), tf.authenticateToken('tok'), 'the very same object on the ordinary path');
  assert.deepEqual(w.authenticateToken('tok', { audiences: ['api'] }), { kind: 'none' });
  const r = audienceAgnosticToken(['api'], tf).authenticateToken('tok', { audiences: ['api'] });
  assert.ok(!(r instanceof Promise) && r.kind === 'authenticated');
  assert.deepEqual(r.audiences, ['api']);
});

test('acceptable: no API audiences, a response without audiences, or one shared', () => {
  assert.equal(audiencesAreAcceptable([], ['x']), true);
  assert.equal(audiencesAreAcceptable(['api'], undefined), true);
  assert.equal(audiencesAreAcceptable(['api'], []), true);
  assert.equal(audiencesAreAcceptable(['api'], ['x', 'api']), true);
  assert.equal(audiencesAreAcceptable(['api'], ['x']), false);
});

test('bearer and websocket hand the request\'s audiences to the token authenticators, nothing when it has none', async () => {
  const d = recording({ kind: 'authenticated', user, authenticator: 'rec' });
  const bearer = bearerAuthenticator(d);
  await bearer.authenticate({ method: 'GET', path: '/', headers: { authorization: 'Bearer t' } });
  await bearer.authenticate({ method: 'GET', path: '/', headers: { authorization: 'Bearer t' }, audiences: ['api'] });
  const ws = websocketProtocolAuthenticator(d);
  const headers = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-protocol': `${BEARER_PROTOCOL_PREFIX}${Buffer.from('t').toString('base64url')}, channel.k8s.io` };
  await ws.authenticate({ method: 'GET', path: '/', headers, audiences: ['ws'] });
  assert.deepEqual(d.contexts, [undefined, { audiences: ['api'] }, { audiences: ['ws'] }]);
  // No opinion under audiences is still a bad bearer token, as kube's bearertoken.go words it.
  const agnostic = bearerAuthenticator(audienceAgnosticToken([], d));
  assert.deepEqual(await agnostic.authenticate({ method: 'POST', path: '', headers: { authorization: 'Bearer t' }, audiences: ['api'] }), { kind: 'error', message: 'invalid bearer token' });
});
