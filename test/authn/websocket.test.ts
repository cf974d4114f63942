/** The websocket-protocol bearer token, as kube-apiserver reads it on upgrade requests. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTokenFile } from '../../src/authn/tokenfile.js';
import { isWebSocketRequest, websocketProtocolAuthenticator, BEARER_PROTOCOL_PREFIX } from '../../src/authn/websocket.js';
import { buildAuthenticator } from '../../src/authn/chain.js';

const tokens = parseTokenFile('t1,alice,1,"a"\n', 'tokens.csv').authenticator;
const ws = websocketProtocolAuthenticator(tokens);
const enc = (t: string) => BEARER_PROTOCOL_PREFIX + Buffer.from(t).toString('base64url');
const upgrade = (protocol: string | undefined, extra: Record<string, string> = {}) => ({
  method: 'GET',
  path: '/api/v1/namespaces/default/pods/p/exec',
  headers: { connection: 'Upgrade', upgrade: 'websocket', ...(protocol !== undefined ? { 'sec-websocket-protocol': protocol } : {}), ...extra },
});

test('only websocket upgrade requests are looked at', () => {
  assert.equal(isWebSocketRequest({ connection: 'keep-alive, Upgrade', upgrade: 'WebSocket' }), true);
  assert.equal(isWebSocketRequest({ connection: 'upgrade' , upgrade: 'h2c' }), false);
  assert.equal(isWebSocketRequest({ connection: 'keep-alive', upgrade: 'websocket' }), false);
  assert.equal(isWebSocketRequest({ connection: 'upgraded', upgrade: 'websocket' }), false);
});

test('a good token with another subprotocol authenticates', async () => {
  const r = await ws.authenticate(upgrade(`${enc('t1')}, v4.channel.k8s.io`));
  assert.ok(r.kind === 'authenticated');
  assert.equal(r.user.name, 'alice');
});

test("kube-apiserver's errors", async () => {
  assert.deepEqual(await ws.authenticate(upgrade(enc('t1'))), { kind: 'error', message: 'missing additional subprotocol' });
  assert.deepEqual(await ws.authenticate(upgrade(`${enc('t1')},${enc('t1')},x`)), { kind: 'error', message: 'multiple base64.bearer.authorization tokens specified' });
  assert.deepEqual(await ws.authenticate(upgrade(`${BEARER_PROTOCOL_PREFIX}dGVzdA==, x`)), { kind: 'error', message: 'invalid base64.bearer.authorization token encoding' });
  assert.deepEqual(await ws.authenticate(upgrade(`${BEARER_PROTOCOL_PREFIX}${Buffer.from([0xff, 0xfe]).toString('base64url')}, x`)), { kind: 'error', message: 'invalid base64.bearer.authorization token' });
  assert.deepEqual(await ws.authenticate(upgrade(`${enc('nope')}, x`)), { kind: 'error', message: 'invalid bearer token' });
});

test('no token protocol, or not an upgrade: no opinion', async () => {
  assert.deepEqual(await ws.authenticate(upgrade('v4.channel.k8s.io')), { kind: 'none' });
  assert.deepEqual(await ws.authenticate(upgrade(undefined)), { kind: 'none' });
  assert.deepEqual(await ws.authenticate({ method: 'GET', path: '/', headers: { 'sec-websocket-protocol': `${enc('nope')}, x` } }), { kind: 'none' });
});

test('in the chain: a bad websocket token is 401 material even where anonymous is allowed', async () => {
  const chain = buildAuthenticator({ clientCertificates: false, tokens: [tokens], anonymous: { enabled: true, paths: ['/livez'] } });
  assert.ok(chain);
  const bad = await chain.authenticate({ ...upgrade(`${enc('nope')}, x`), path: '/livez' });
  assert.equal(bad.kind, 'error');
  const good = await chain.authenticate({ ...upgrade(`${enc('t1')}, x`), path: '/apis' });
  assert.ok(good.kind === 'authenticated');
  assert.deepEqual(good.user.groups, ['a', 'system:authenticated']);
});
