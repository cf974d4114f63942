/**
 * The claim pipeline through a running `doorman serve` with several issuers in one file: CEL and
 * claim mappings (username, groups, uid, extra with the `jti` credential id), required claims,
 * claim and user validation rules, the email_verified rule, distributed claims, MatchAny
 * audiences, a discovery URL, CEL errors that reject one token only, and the trace for `check`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestIssuer } from './issuer.js';
import { eventually, jwtServer, type JWTServer } from './harness.js';

let cel: TestIssuer;
let email: TestIssuer;
let multi: TestIssuer;
let disc: TestIssuer;
let s: JWTServer;

before(async () => {
  [cel, email, multi, disc] = await Promise.all([
    TestIssuer.create({ path: '/cel' }),
    TestIssuer.create({ path: '/email' }),
    TestIssuer.create({ path: '/multi' }),
    TestIssuer.create({ path: '/disc' }),
  ]);
  const celRules = [
    '  claimValidationRules:',
    "  - expression: \"claims.tier != 'blocked'\"",
    '    message: blocked tier',
    '  - claim: hd',
    '    requiredValue: example.com',
    '  - expression: "!has(claims.l) || claims.l.all(a, claims.l.all(b, claims.l.all(c, true)))"',
    '  claimMappings:',
    '    username:',
    "      expression: \"'cel:' + claims.sub\"",
    '    groups:',
    "      expression: \"has(claims.roles) ? claims.roles.map(r, 'role:' + r) : []\"",
    '    uid:',
    '      expression: claims.uid',
    '    extra:',
    '    - key: example.com/tenant',
    '      valueExpression: claims.tenant',
    '    - key: example.com/empty',
    "      valueExpression: \"''\"",
    '  userValidationRules:',
    "  - expression: \"!user.username.startsWith('cel:system:')\"",
    '    message: no system users',
  ].join('\n');
  const emailRules = ['  claimMappings:', '    username:', '      claim: email', '      prefix: ""', '    groups:', '      claim: groups', '      prefix: "g:"', '    uid:', '      claim: oid'].join('\n');
  const plain = ['  claimMappings:', '    username:', '      claim: sub', '      prefix: ""'].join('\n');
  const discYaml = disc.yaml(plain).replace(`    url: ${disc.url}\n`, `    url: ${disc.url}\n    discoveryURL: ${disc.url}/discovery\n`);
  s = await jwtServer(`jwt:\n${cel.yaml(celRules)}\n${email.yaml(emailRules)}\n${multi.yaml(plain, ['a', 'b'])}\n${discYaml}\n`);
  assert.ok(await eventually(() => s.server.runtime.authentication.jwt?.healthCheck() === undefined));
});

after(async () => {
  await s.close();
  await Promise.all([cel, email, multi, disc].map((i) => i.stop()));
});

const good = (over: Record<string, unknown> = {}): Record<string, unknown> => cel.claims({ roles: ['admin'], uid: 'u-1', tenant: 't1', tier: 'gold', hd: 'example.com', jti: 'j-1', ...over });

async function reason(issuer: TestIssuer, claims: Record<string, unknown>): Promise<string | undefined> {
  const r = await s.request(await issuer.sign(claims));
  assert.equal(r.status, 401);
  return r.reason;
}

test('CEL mappings build the user; jti becomes the credential id; empty extra values are dropped', async () => {
  const r = await s.request(await cel.sign(good()));
  assert.equal(r.status, 200);
  assert.deepEqual(r.user, {
    username: 'cel:alice',
    uid: 'u-1',
    groups: ['role:admin', 'system:authenticated'],
    extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j-1'], 'example.com/tenant': ['t1'] },
  });
  const noRoles = good({ tenant: ['a', '', 'b'] });
  delete noRoles['roles'];
  delete noRoles['jti'];
  const r2 = await s.request(await cel.sign(noRoles));
  assert.deepEqual(r2.user, { username: 'cel:alice', uid: 'u-1', groups: ['system:authenticated'], extra: { 'example.com/tenant': ['a', 'b'] } });
});

test('CEL mapping failures, each with its message', async () => {
  // `sub` is a standard claim: a wrong type fails go-oidc's decoding before any mapping.
  assert.equal(await reason(cel, good({ sub: 7 })), 'oidc: verify token: oidc: failed to unmarshal claims: json: cannot unmarshal number into Go struct field idToken.sub of type string');
  const noSub = good();
  delete noSub['sub'];
  assert.equal(await reason(cel, noSub), "oidc: error evaluating username claim expression: expression ''cel:' + claims.sub' resulted in error: no such key: sub");
  assert.equal(
    await reason(cel, good({ roles: [1] })),
    "oidc: error evaluating group claim expression: expression 'has(claims.roles) ? claims.roles.map(r, 'role:' + r) : []' resulted in error: no such overload",
  );
  assert.equal(await reason(cel, good({ uid: 42 })), 'oidc: error evaluating uid claim expression: uid claim expression must return a string');
  const noUID = good();
  delete noUID['uid'];
  assert.equal(await reason(cel, noUID), 'oidc: error evaluating uid claim expression: expression \'claims.uid\' resulted in error: no such key: uid');
  assert.equal(await reason(cel, good({ tenant: 5 })), 'oidc: error evaluating extra claim expression: claims.tenant: expression must return a string or a list of strings');
  const noTenant = good();
  delete noTenant['tenant'];
  assert.equal(await reason(cel, noTenant), "expression 'claims.tenant' resulted in error: no such key: tenant");
});

test('required claims and claim validation expressions', async () => {
  const noHD = good();
  delete noHD['hd'];
  assert.equal(await reason(cel, noHD), 'oidc: required claim hd not present in ID token');
  assert.equal(await reason(cel, good({ hd: 5 })), 'oidc: parse claim hd: json: cannot unmarshal number into Go value of type string');
  assert.equal(await reason(cel, good({ hd: 'evil.com' })), 'oidc: required claim hd value does not match. Got = evil.com, want = example.com');
  assert.equal(await reason(cel, good({ tier: 'blocked' })), "oidc: error evaluating claim validation expression: validation expression 'claims.tier != 'blocked'' failed: blocked tier");
  const noTier = good();
  delete noTier['tier'];
  assert.equal(await reason(cel, noTier), "oidc: error evaluating claim validation expression: expression 'claims.tier != 'blocked'' resulted in error: no such key: tier");
});

test('userValidationRules see the mapped user', async () => {
  assert.equal(await reason(cel, good({ sub: 'system:admin' })), "oidc: error evaluating user info validation rule: validation expression '!user.username.startsWith('cel:system:')' failed: no system users");
});

test('a CEL expression over its cost limit rejects that token only; the server keeps serving', async () => {
  const l = Array.from({ length: 300 }, (_, i) => i);
  assert.match((await reason(cel, good({ l }))) ?? '', /resulted in error: operation cancelled: actual cost limit exceeded$/);
  assert.equal((await s.request(await cel.sign(good({ l: [1, 2] })))).status, 200);
});

test('claim mappings: email with email_verified, prefixed groups, uid claim', async () => {
  const base = email.claims({ email: 'ada@example.com', email_verified: true, groups: ['dev'], oid: 'o-1' });
  assert.deepEqual((await s.request(await email.sign(base))).user, { username: 'ada@example.com', uid: 'o-1', groups: ['g:dev', 'system:authenticated'] });
  const unverifiedAbsent = { ...base };
  delete unverifiedAbsent['email_verified'];
  assert.equal((await s.request(await email.sign(unverifiedAbsent))).status, 200);
  assert.equal(await reason(email, { ...base, email_verified: false }), 'oidc: email not verified');
  assert.equal(await reason(email, { ...base, email_verified: 'true' }), "oidc: parse 'email_verified' claim: json: cannot unmarshal string into Go value of type bool");
  const noEmail = { ...base };
  delete noEmail['email'];
  assert.equal(await reason(email, noEmail), 'oidc: parse username claims "email": claim not present');
  assert.equal(await reason(email, { ...base, email: 5 }), 'oidc: parse username claims "email": json: cannot unmarshal number into Go value of type string');
  assert.equal(await reason(email, { ...base, groups: 5 }), 'oidc: parse groups claim "groups": json: cannot unmarshal number into Go value of type string');
  const noOID = { ...base };
  delete noOID['oid'];
  assert.equal(await reason(email, noOID), 'oidc: parse uid claim "oid": claim not present');
  // A null claim is Go's empty value.
  assert.deepEqual((await s.request(await email.sign({ ...base, groups: null, oid: null }))).user, { username: 'ada@example.com', groups: ['system:authenticated'] });
});

test('distributed claims: the groups claim fetched from the source named in the token', async () => {
  const claims = email.claims({
    email: 'dist@example.com',
    oid: 'o-2',
    _claim_names: { groups: 'src1' },
    _claim_sources: { src1: { endpoint: email.distributedURL, access_token: 'source-access-token' } },
  });
  email.distributed = { status: 200, body: await email.sign(email.claims({ groups: ['from-source'] })) };
  const first = await s.request(await email.sign(claims));
  // Like kube's asyncIDTokenVerifier, the source issuer's verifier is discovered on first use.
  if (first.status === 401) assert.equal(first.reason, `oidc: could not expand distributed claims: verifying untrusted issuer ${email.url} failed: verifier not initialized for issuer: "${email.url}"`);
  assert.ok(await eventually(async () => (await s.request(await email.sign({ ...claims, sub: 'retry' }))).status === 200));
  const ok = await s.request(await email.sign({ ...claims, sub: 'again' }));
  assert.deepEqual(ok.user?.groups, ['g:from-source', 'system:authenticated']);
  assert.equal(email.lastDistributedAuthorization, 'Bearer source-access-token');
  email.distributed = { status: 500, body: 'boom' };
  assert.equal(await reason(email, { ...claims, sub: 'x' }), 'oidc: could not expand distributed claims: while getting distributed claim "groups": error while getting distributed claim JWT: 500 Internal Server Error');
  email.distributed = { status: 200, body: await email.sign(email.claims({ other: 1 })) };
  assert.equal(await reason(email, { ...claims, sub: 'y' }), `oidc: could not expand distributed claims: jwt returned by distributed claim endpoint "${email.distributedURL}" did not contain claim: groups`);
  assert.equal(await reason(email, { ...claims, _claim_sources: { other: {} } }), 'oidc: verify token: oidc: source does not exist');
  // go-oidc's claimSource is checked first; kube's endpoint also has a JWT field.
  assert.equal(await reason(email, { ...claims, _claim_sources: { src1: { endpoint: 5 } } }), 'oidc: verify token: oidc: failed to unmarshal claims: json: cannot unmarshal number into Go struct field claimSource._claim_sources.endpoint of type string');
  assert.equal(
    await reason(email, { ...claims, _claim_sources: { src1: { endpoint: email.distributedURL, JWT: 5 } } }),
    'oidc: could not expand distributed claims: oidc: could not parse claim sources: json: cannot unmarshal number into Go struct field endpoint.JWT of type string',
  );
});

test('MatchAny audiences and a discovery URL', async () => {
  assert.equal((await s.request(await multi.sign(multi.claims({ aud: ['x', 'b'] })))).status, 200);
  assert.equal(await reason(multi, multi.claims({ aud: 'c' })), 'oidc: verify token: oidc: expected audience in ["a" "b"] got ["c"]');
  assert.equal((await s.request(await disc.sign(disc.claims()))).status, 200);
  assert.ok((disc.hits.get('/discovery') ?? 0) >= 1);
  assert.equal(disc.hits.get('/.well-known/openid-configuration'), undefined);
});

test('the trace for doorman check: issuer, each rule, the mapped user', async () => {
  const auth = s.server.runtime.snapshot.authenticator;
  assert.ok(auth);
  const ok = await auth.authenticate({ method: 'GET', path: '/apis', headers: { authorization: `Bearer ${await cel.sign(good({ sub: 'traced' }))}` } });
  assert.equal(ok.kind, 'authenticated');
  const trace = ok.kind === 'authenticated' ? ok.trace : undefined;
  assert.equal(trace?.issuer, cel.url);
  assert.equal(trace?.user?.name, 'cel:traced');
  assert.deepEqual(
    trace?.steps.map((x) => `${x.step}:${x.outcome}`),
    [
      'issuer:pass',
      'verify:pass',
      'claimMappings.username:pass',
      'claimMappings.groups:pass',
      'claimMappings.uid:pass',
      'claimMappings.extra[0]:pass',
      'claimMappings.extra[1]:pass',
      'claimValidationRules[1]:pass',
      "claimValidationRules: claims.tier != 'blocked':pass",
      'claimValidationRules: !has(claims.l) || claims.l.all(a, claims.l.all(b, claims.l.all(c, true))):pass',
      "userValidationRules: !user.username.startsWith('cel:system:'):pass",
    ],
  );
  const bad = await auth.authenticate({ method: 'GET', path: '/apis', headers: { authorization: `Bearer ${await cel.sign(good({ tier: 'blocked', sub: 'traced2' }))}` } });
  assert.equal(bad.kind, 'error');
  const last = bad.kind === 'error' ? bad.trace?.steps.at(-1) : undefined;
  assert.equal(last?.outcome, 'fail');
  assert.match(last?.detail ?? '', /failed: blocked tier$/);
  assert.ok(!JSON.stringify(bad).includes('eyJ'), 'the trace never holds the token');
});
