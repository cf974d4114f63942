/**
 * JWT verification against a real issuer through a running `doorman serve`: ES256/RS256 tokens,
 * key rotation, every verification failure with kube's message (in the log only: the answer is
 * always the plain 401), bad input that must never crash, the token cache and the JWT metrics.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestIssuer, unsignedToken } from './issuer.js';
import { eventually, jwtServer, type JWTServer } from './harness.js';
import { httpsRequest } from '../../helpers/tls.js';
import { cacheExpiry } from '../../../src/authn/jwt/keyset.js';

let issuer: TestIssuer;
let s: JWTServer;
const UNAUTHORIZED = '{\n  "kind": "Status",\n  "apiVersion": "v1",\n  "metadata": {},\n  "status": "Failure",\n  "message": "Unauthorized",\n  "reason": "Unauthorized",\n  "code": 401\n}';
const ALL_ALGS = '["ES256" "ES384" "ES512" "PS256" "PS384" "PS512" "RS256" "RS384" "RS512"]';

before(async () => {
  issuer = await TestIssuer.create();
  s = await jwtServer(`jwt:\n${issuer.yaml('  claimMappings:\n    username:\n      claim: sub\n      prefix: "oidc:"\n    groups:\n      claim: groups\n      prefix: ""')}\n`);
  assert.ok(await eventually(() => s.server.runtime.authentication.jwt?.healthCheck() === undefined));
});

after(async () => {
  await s.close();
  await issuer.stop();
});

async function rejected(token: string, reason: string | RegExp): Promise<void> {
  const r = await s.request(token, '/apis', { 'User-Agent': 'curl/8' });
  assert.equal(r.status, 401, `expected 401 for ${String(reason)}`);
  assert.equal(r.body, UNAUTHORIZED, 'the 401 body never carries the reason');
  if (typeof reason === 'string') assert.equal(r.reason, reason);
  else assert.match(r.reason ?? '', reason);
}

test('ES256 and RS256 tokens authenticate; claims map to the user', async () => {
  for (const key of issuer.keys) {
    const r = await s.request(await issuer.sign(issuer.claims({ groups: ['dev', 'ops'] }), key));
    assert.equal(r.status, 200, key.alg);
    assert.deepEqual(r.user, { username: 'oidc:alice', groups: ['dev', 'ops', 'system:authenticated'] });
  }
  const r = await s.request(await issuer.sign(issuer.claims({ sub: 'bob', groups: 'single', aud: ['other', 'doorman'] })));
  assert.deepEqual(r.user, { username: 'oidc:bob', groups: ['single', 'system:authenticated'] });
});

test('key rotation: a token with a new kid makes doorman fetch the key set again', async () => {
  const fetched = issuer.hits.get('/keys') ?? 0;
  const key = await issuer.rotate('PS256', 'ps-2');
  const r = await s.request(await issuer.sign(issuer.claims({ sub: 'rotated' }), key));
  assert.equal(r.status, 200);
  assert.equal(r.user?.username, 'oidc:rotated');
  assert.equal(issuer.hits.get('/keys'), fetched + 1);
  // A kid nobody published: one more fetch, then kube's message.
  const { newKey } = await import('./issuer.js');
  const stranger = await newKey('ES256', 'unknown-kid');
  await rejected(await issuer.sign(issuer.claims(), stranger), 'oidc: verify token: failed to verify signature: failed to verify id token signature');
});

test('a key set with max-age is not fetched again for an unknown kid until it nears expiry', async () => {
  const other = await TestIssuer.create({ path: '/cached' });
  other.jwksHeaders = { 'Cache-Control': 'max-age=3600' };
  const c = await jwtServer(`jwt:\n${other.yaml('  claimMappings:\n    username:\n      claim: sub\n      prefix: ""')}\n`);
  try {
    assert.ok(await eventually(() => c.server.runtime.authentication.jwt?.healthCheck() === undefined));
    assert.equal((await c.request(await other.sign(other.claims()))).status, 200);
    const key = await other.rotate('ES256', 'late');
    const r = await c.request(await other.sign(other.claims({ sub: 'late' }), key));
    assert.equal(r.status, 401);
    assert.equal(r.reason, 'oidc: verify token: failed to verify signature: failed to verify id token signature');
    assert.equal(other.hits.get('/keys'), 1);
  } finally {
    await c.close();
    await other.stop();
  }
});

test('expiry, not-before and audience, as go-oidc checks them', async () => {
  const now = Math.floor(Date.now() / 1000);
  await rejected(await issuer.sign(issuer.claims({ exp: 1700000000 })), 'oidc: verify token: oidc: token is expired (Token Expiry: 2023-11-14 22:13:20 +0000 UTC)');
  const noExp = issuer.claims();
  delete noExp['exp'];
  await rejected(await issuer.sign(noExp), 'oidc: verify token: oidc: token is expired (Token Expiry: 0001-01-01 00:00:00 +0000 UTC)');
  await rejected(await issuer.sign(issuer.claims({ nbf: now + 3600 })), /^oidc: verify token: oidc: current time \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC before the nbf \(not before\) time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
  // One minute of leeway on nbf; none on exp.
  assert.equal((await s.request(await issuer.sign(issuer.claims({ nbf: now + 30 })))).status, 200);
  await rejected(await issuer.sign(issuer.claims({ aud: 'someone-else' })), 'oidc: verify token: oidc: expected audience "doorman" got ["someone-else"]');
  await rejected(await issuer.sign(issuer.claims({ aud: ['a', 'b'] })), 'oidc: verify token: oidc: expected audience "doorman" got ["a" "b"]');
  // The audience is checked before the signature: an unsigned token with the wrong aud says so.
  await rejected(unsignedToken({ alg: 'none' }, issuer.claims({ aud: 'x' })), 'oidc: verify token: oidc: expected audience "doorman" got ["x"]');
});

test('alg none, HMAC and forged signatures are refused', async () => {
  await rejected(unsignedToken({ alg: 'none', typ: 'JWT' }, issuer.claims()), `oidc: verify token: oidc: id token signed with unsupported algorithm, expected ${ALL_ALGS} got "none"`);
  const { createHmac } = await import('node:crypto');
  const unsigned = unsignedToken({ alg: 'HS256', kid: 'es-1' }, issuer.claims());
  const forged = unsigned + createHmac('sha256', JSON.stringify(issuer.keys[0]?.jwk)).update(unsigned.slice(0, -1)).digest('base64url');
  await rejected(forged, `oidc: verify token: oidc: id token signed with unsupported algorithm, expected ${ALL_ALGS} got "HS256"`);
  const good = await issuer.sign(issuer.claims());
  const [h, , sig] = good.split('.');
  const tampered = `${h}.${Buffer.from(JSON.stringify(issuer.claims({ sub: 'mallory' }))).toString('base64url')}.${sig}`;
  await rejected(tampered, 'oidc: verify token: failed to verify signature: failed to verify id token signature');
});

test('tokens that are not this issuer\'s JWTs get no opinion from it: invalid bearer token', async () => {
  for (const t of [
    'not-a-jwt',
    'a.b',
    'a.b.c.d',
    `{"payload":"x"}`,
    unsignedToken({ alg: 'ES256' }, 'not json'),
    `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify(issuer.claims())).toString('base64')}=.sig`,
    unsignedToken({ alg: 'ES256' }, issuer.claims({ iss: `${issuer.url}/` })),
    unsignedToken({ alg: 'ES256' }, issuer.claims({ iss: 42 })),
    unsignedToken({ alg: 'ES256' }, [1, 2]),
  ]) {
    await rejected(t, 'invalid bearer token');
  }
});

test('malformed parts and claims of the wrong JSON type: 401 with go-oidc\'s words', async () => {
  const payload = Buffer.from(JSON.stringify(issuer.claims())).toString('base64url');
  await rejected(`e*yJ.${payload}.c2ln`, 'oidc: verify token: oidc: malformed jwt: illegal base64 data at input byte 1');
  await rejected(`${Buffer.from('{"alg":').toString('base64url')}.${payload}.c2ln`, 'oidc: verify token: oidc: malformed jwt: unexpected end of JSON input');
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ exp: 'soon' })), 'oidc: verify token: oidc: failed to unmarshal claims: json: invalid number literal, trying to unmarshal "\\"soon\\"" into Number');
  // Errors of go-oidc's own UnmarshalJSON (aud, exp, iat, nbf) still name the struct field.
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ exp: true })), 'oidc: verify token: oidc: failed to unmarshal claims: json: cannot unmarshal bool into Go struct field idToken.exp of type json.Number');
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ nbf: [] })), 'oidc: verify token: oidc: failed to unmarshal claims: json: cannot unmarshal array into Go struct field idToken.nbf of type json.Number');
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ exp: null })), 'oidc: verify token: oidc: failed to unmarshal claims: strconv.ParseFloat: parsing "": invalid syntax');
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ aud: 5 })), 'oidc: verify token: oidc: failed to unmarshal claims: json: cannot unmarshal number into Go struct field idToken.aud of type []string');
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ aud: ['doorman', 1] })), 'oidc: verify token: oidc: failed to unmarshal claims: json: cannot unmarshal number into Go struct field idToken.aud of type string');
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ aud: null })), 'oidc: verify token: oidc: expected audience "doorman" got [""]');
  // A plain mismatch (sub) is reported only when no field's UnmarshalJSON failed, wherever it is.
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ sub: 5, exp: true })), 'oidc: verify token: oidc: failed to unmarshal claims: json: cannot unmarshal bool into Go struct field idToken.exp of type json.Number');
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ sub: 5 })), 'oidc: verify token: oidc: failed to unmarshal claims: json: cannot unmarshal number into Go struct field idToken.sub of type string');
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ _claim_names: { groups: 'src1' } })), 'oidc: verify token: oidc: source does not exist');
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ _claim_names: { groups: 5 } })), 'oidc: verify token: oidc: failed to unmarshal claims: json: cannot unmarshal number into Go struct field idToken._claim_names of type string');
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ _claim_names: { groups: null } })), 'oidc: verify token: oidc: failed to obtain source from claim name');
  await rejected(unsignedToken({ alg: 'ES256' }, issuer.claims({ _claim_sources: { src1: 5 } })), 'oidc: verify token: oidc: failed to unmarshal claims: json: cannot unmarshal number into Go struct field idToken._claim_sources of type oidc.claimSource');
  // go-jose v2 decodes the parts with base64.RawURLEncoding: padding is an illegal byte.
  const header = Buffer.from('{"alg":"ES256"}').toString('base64url');
  await rejected(`${header}=.${payload}.c2ln`, `oidc: verify token: oidc: malformed jwt: illegal base64 data at input byte ${header.length}`);
  await rejected(`${header}.${payload}.c2ln=`, 'oidc: verify token: oidc: malformed jwt: illegal base64 data at input byte 4');
  // rawHeader.sanitized's words for a header of the wrong type; an empty or null header has no alg.
  await rejected(unsignedToken({ alg: 5 }, issuer.claims()), 'oidc: verify token: oidc: malformed jwt: failed to unmarshal algorithm: json: cannot unmarshal number into Go value of type string: "5"');
  await rejected(unsignedToken('', issuer.claims()), `oidc: verify token: oidc: id token signed with unsupported algorithm, expected ${ALL_ALGS} got ""`);
  await rejected(unsignedToken('null', issuer.claims()), `oidc: verify token: oidc: id token signed with unsupported algorithm, expected ${ALL_ALGS} got ""`);
  await rejected(unsignedToken({ alg: null }, issuer.claims()), `oidc: verify token: oidc: id token signed with unsupported algorithm, expected ${ALL_ALGS} got ""`);
  // A string exp holding a number is accepted, as Go's json.Number accepts it.
  const exp = String(Math.floor(Date.now() / 1000) + 600);
  assert.equal((await s.request(await issuer.sign(issuer.claims({ exp })))).status, 200);
});

test('a key set go-oidc cannot decode: unmarshalResp\'s words, the body, and no keys', async () => {
  const other = await TestIssuer.create({ path: '/bad-keys' });
  const c = await jwtServer(`jwt:\n${other.yaml('  claimMappings:\n    username:\n      claim: sub\n      prefix: ""')}\n`);
  try {
    assert.ok(await eventually(() => c.server.runtime.authentication.jwt?.healthCheck() === undefined));
    const decode = 'oidc: verify token: failed to verify signature: fetching keys oidc: failed to decode keys: got Content-Type = application/json, but could not unmarshal as JSON: ';
    for (const [body, why] of [
      ['[]', 'json: cannot unmarshal array into Go value of type jose.JSONWebKeySet'],
      ['{"keys":5}', 'json: cannot unmarshal number into Go struct field JSONWebKeySet.keys of type []jose.JSONWebKey'],
      ['{"keys":[5]}', 'json: cannot unmarshal number into Go value of type jose.rawJSONWebKey'],
      ['{"keys":[null]}', "go-jose/go-jose: unknown json web key type ''"],
      ['{"keys":[{"kty":7}]}', 'json: cannot unmarshal number into Go value of type string'],
      ['{"keys":', 'unexpected end of JSON input'],
    ] as const) {
      other.jwksBody = body;
      const r = await c.request(await other.sign(other.claims()));
      assert.equal(r.status, 401, body);
      assert.equal(r.reason, `${decode}${why} ${body}`);
    }
    // A null document is an empty key set.
    other.jwksBody = 'null';
    assert.equal((await c.request(await other.sign(other.claims()))).reason, 'oidc: verify token: failed to verify signature: failed to verify id token signature');
    other.jwksBody = undefined;
    assert.equal((await c.request(await other.sign(other.claims()))).status, 200);
  } finally {
    await c.close();
    await other.stop();
  }
});

test('huge and hostile headers never crash the server', async () => {
  const big = await issuer.sign(issuer.claims({ pad: 'x'.repeat(200_000) }));
  assert.equal((await s.request(big)).status, 200);
  await rejected(unsignedToken({ alg: 'ES256', kid: 'k'.repeat(100_000) }, issuer.claims()), /^oidc: verify token: failed to verify signature/);
  await rejected(unsignedToken({ alg: 'ES256', kid: 7 }, issuer.claims()), 'oidc: verify token: oidc: malformed jwt: failed to unmarshal key ID: json: cannot unmarshal number into Go value of type string: "7"');
  const tooBig = await httpsRequest(s.server.port, s.server.ca, '/apis', { headers: { Authorization: `Bearer ${'a'.repeat(1_100_000)}` } }).catch(() => ({ status: 0 }));
  assert.ok([0, 431].includes(tooBig.status));
  assert.equal((await s.request(await issuer.sign(issuer.claims()))).status, 200, 'still serving');
});

test('the token cache: a success is verified once, failures every time', async () => {
  const token = await issuer.sign(issuer.claims({ sub: 'cached-user' }));
  const metrics = async (): Promise<string> => (await s.request(await issuer.sign(issuer.claims({ sub: 'metrics-reader' })), '/metrics')).body;
  const count = (text: string, result: string): number => {
    const m = new RegExp(`apiserver_authentication_jwt_authenticator_latency_seconds_count\\{jwt_issuer_hash="sha256:[0-9a-f]{64}",result="${result}"\\} (\\d+)`).exec(text);
    return m ? Number(m[1]) : 0;
  };
  const before = await metrics();
  for (let i = 0; i < 3; i++) assert.equal((await s.request(token)).status, 200);
  const afterOk = await metrics();
  // The token was verified once; each metrics read adds one more (fresh) token.
  assert.equal(count(afterOk, 'success') - count(before, 'success'), 2);
  const bad = await issuer.sign(issuer.claims({ aud: 'x' }));
  for (let i = 0; i < 2; i++) assert.equal((await s.request(bad)).status, 401);
  const afterBad = await metrics();
  assert.equal(count(afterBad, 'failure') - count(afterOk, 'failure'), 2);
  assert.match(afterBad, /# HELP apiserver_authentication_jwt_authenticator_latency_seconds \[ALPHA\] Latency of jwt authentication operations in seconds\. This is the time spent authenticating a token for cache miss only \(i\.e\. when the token is not found in the cache\)\./);
  assert.match(afterBad, /apiserver_authentication_jwt_authenticator_jwks_fetch_last_timestamp_seconds\{apiserver_id_hash="sha256:[0-9a-f]{64}",jwt_issuer_hash="sha256:[0-9a-f]{64}",result="success"\} \d/);
  assert.match(afterBad, /apiserver_authentication_jwt_authenticator_jwks_fetch_last_key_set_info\{apiserver_id_hash="sha256:[0-9a-f]{64}",hash="sha256:[0-9a-f]{64}",jwt_issuer_hash="sha256:[0-9a-f]{64}"\} 1/);
  assert.match(afterBad, /apiserver_authentication_config_controller_last_config_info\{apiserver_id_hash="sha256:[0-9a-f]{64}",hash="sha256:[0-9a-f]{64}"\} 1/);
  // Tokens of no issuer are not counted.
  await s.request('not-a-jwt');
  assert.equal(count(await metrics(), 'failure'), count(afterBad, 'failure'));
});

test('JWKS cache expiry as pquerna/cachecontrol computes it for go-oidc', () => {
  const now = Date.parse('2024-01-02T15:00:00Z');
  const date = 'Tue, 02 Jan 2024 14:00:00 GMT'; // the issuer's clock is an hour behind
  // s-maxage wins over max-age; go-oidc ignores the "uncachable" reasons, so no-store does not stop it.
  assert.equal(cacheExpiry({ 'cache-control': 'max-age=60, s-maxage=120' }, now), now + 120_000);
  assert.equal(cacheExpiry({ 'cache-control': 'no-store, private, max-age=3600' }, now), now + 3_600_000);
  assert.equal(cacheExpiry({ 'cache-control': 'no-cache' }, now), 0);
  // Expires counts from the server's Date, not from the local clock.
  assert.equal(cacheExpiry({ expires: 'Tue, 02 Jan 2024 14:10:00 GMT', date }, now), now + 600_000);
  assert.equal(cacheExpiry({ expires: 'Tue Jan  2 14:10:00 2024', date }, now), now + 600_000);
  assert.equal(cacheExpiry({ expires: 'Tuesday, 02-Jan-24 14:10:00 GMT', date }, now), now + 600_000);
  assert.equal(cacheExpiry({ expires: '0', date }, now), 0);
  // No explicit expiry: a tenth of the age since Last-Modified, at most a day.
  assert.equal(cacheExpiry({ 'last-modified': 'Tue, 02 Jan 2024 05:00:00 GMT' }, now), now + 3_600_000);
  assert.equal(cacheExpiry({ 'last-modified': 'Tue, 02 Jan 2023 15:00:00 GMT' }, now), now + 86_400_000);
  // Parse errors leave no expiry at all.
  assert.equal(cacheExpiry({ 'cache-control': 'max-age=soon', expires: 'Tue, 02 Jan 2024 16:00:00 GMT' }, now), 0);
  assert.equal(cacheExpiry({ 'cache-control': 'max-age=60', date: 'yesterday-ish' }, now), 0);
  assert.equal(cacheExpiry({}, now), 0);
});
