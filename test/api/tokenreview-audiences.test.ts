/**
 * TokenReview `spec.audiences` against a real `doorman serve` process over TLS, as kube-apiserver
 * answers it (pkg/registry/authentication/tokenreview/storage.go): the audiences go into the
 * request, the token file and the JWT authenticators (a real loopback issuer) answer only for the
 * API audiences (`--api-audiences`, none by default), and the token cache keeps each audience set
 * apart. The reviewer authenticates with a client certificate, so the cache metrics count only the
 * reviewed tokens.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePort, startCli } from '../helpers/cli.js';
import { httpsRequest, makePki, type TestPki } from '../helpers/tls.js';
import { eventually, HEADER } from '../authn/jwt/harness.js';
import { TestIssuer } from '../authn/jwt/issuer.js';
import type { IssuedCertificate } from '../../src/util/pki.js';
import { TOKEN_REVIEWS } from './helpers.js';

const TOKENS = new URL('../fixtures/tokens.csv', import.meta.url).pathname;

interface Serve {
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

let pki: TestPki;
let admin: IssuedCertificate;
let issuer: TestIssuer;
let jwt: string;
let plain: Serve;
let withAPIAudiences: Serve;

async function serve(config: string, extra: string[]): Promise<Serve> {
  const port = await freePort();
  const s = await startCli([
    'serve',
    `--secure-port=${port}`,
    `--tls-cert-file=${pki.files.servingCert}`,
    `--tls-private-key-file=${pki.files.servingKey}`,
    `--client-ca-file=${pki.files.clientCA}`,
    `--token-auth-file=${TOKENS}`,
    `--authentication-config=${config}`,
    '--authorization-mode=RBAC',
    ...extra,
  ]);
  const ready = await eventually(async () => (await httpsRequest(port, pki.serving.certPem, '/readyz', { cert: admin })).status === 200, 8000, 50);
  assert.ok(ready, 'the JWT issuer was discovered');
  return { port, child: s.child, exited: s.exited };
}

before(async () => {
  pki = makePki();
  admin = pki.client('reviewer', ['system:masters']);
  issuer = await TestIssuer.create();
  jwt = await issuer.sign(issuer.claims({ sub: 'ada' }));
  const config = join(mkdtempSync(join(tmpdir(), 'doorman-tokenreview-')), 'authn.yaml');
  writeFileSync(config, `${HEADER}jwt:\n${issuer.yaml('  claimMappings:\n    username:\n      claim: sub\n      prefix: "oidc:"')}\n`);
  [plain, withAPIAudiences] = await Promise.all([serve(config, []), serve(config, ['--api-audiences=api', '--api-audiences=extra'])]);
});

after(async () => {
  for (const s of [plain, withAPIAudiences]) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
  await issuer.stop();
});

/** POSTs a TokenReview as the reviewer; the managedFields time, the one clock value, is replaced by T. */
async function review(s: Serve, spec: Record<string, unknown>): Promise<{ status: number; body: string }> {
  const res = await httpsRequest(s.port, pki.serving.certPem, TOKEN_REVIEWS, {
    method: 'POST',
    cert: admin,
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'reviewer/1.0' },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec }),
  });
  return { status: res.status, body: res.body.replace(/"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/g, '"time":"T"') };
}

/** The status of a TokenReview answered 201. */
async function statusOf(s: Serve, spec: Record<string, unknown>): Promise<unknown> {
  const r = await review(s, spec);
  assert.equal(r.status, 201, r.body);
  return (JSON.parse(r.body) as { status: unknown }).status;
}

/** kube's TokenReview answer: the spec echoed with its managedFields, then the status. */
function answer(spec: Record<string, unknown>, status: Record<string, unknown>): string {
  const fields = spec['audiences'] !== undefined ? { 'f:audiences': {}, 'f:token': {} } : { 'f:token': {} };
  const managed = [{ manager: 'reviewer', operation: 'Update', apiVersion: 'authentication.k8s.io/v1', time: 'T', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': fields } }];
  return `${JSON.stringify({ kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { managedFields: managed }, spec, status })}\n`;
}

/** kube's token cache counters (authentication_token_cache_request_total), by status. */
async function cacheCounts(s: Serve): Promise<{ hit: number; miss: number }> {
  const res = await httpsRequest(s.port, pki.serving.certPem, '/metrics', { cert: admin });
  const count = (status: string): number => {
    const m = new RegExp(`^authentication_token_cache_request_total\\{status="${status}"\\} (\\d+)$`, 'm').exec(res.body);
    return m ? Number(m[1]) : 0;
  };
  return { hit: count('hit'), miss: count('miss') };
}

const ALICE = { username: 'alice', uid: '1001', groups: ['dev', 'readers', 'system:authenticated'] };
const ADA = { username: 'oidc:ada', groups: ['system:authenticated'] };
const REFUSED = { user: {}, error: 'invalid bearer token' };

test('no spec.audiences and no --api-audiences: authenticated, no audiences in the status, as before', async () => {
  const tokenFile = await review(plain, { token: 'alice-token' });
  assert.equal(tokenFile.status, 201);
  assert.equal(tokenFile.body, answer({ token: 'alice-token' }, { authenticated: true, user: ALICE }));
  const fromIssuer = await review(plain, { token: jwt });
  assert.equal(fromIssuer.body, answer({ token: jwt }, { authenticated: true, user: ADA }));
});

test('spec.audiences the API does not have: no opinion from the token file and the JWT authenticator, so authenticated false', async () => {
  const tokenFile = await review(plain, { token: 'alice-token', audiences: ['api'] });
  assert.equal(tokenFile.status, 201);
  assert.equal(tokenFile.body, answer({ token: 'alice-token', audiences: ['api'] }, REFUSED));
  // The token's own `aud` is no API audience either: the issuer's audiences are not the server's.
  const fromIssuer = await review(plain, { token: jwt, audiences: ['doorman'] });
  assert.equal(fromIssuer.status, 201);
  assert.equal(fromIssuer.body, answer({ token: jwt, audiences: ['doorman'] }, REFUSED));
  assert.deepEqual(await statusOf(withAPIAudiences, { token: 'alice-token', audiences: ['other'] }), REFUSED);
  assert.deepEqual(await statusOf(withAPIAudiences, { token: jwt, audiences: ['other', 'doorman'] }), REFUSED);
});

test('--api-audiences: an intersecting request is answered for the audiences both name, in the request\'s order', async () => {
  const asked = { token: 'alice-token', audiences: ['other', 'extra', 'api'] };
  const tokenFile = await review(withAPIAudiences, asked);
  assert.equal(tokenFile.status, 201);
  assert.equal(tokenFile.body, answer(asked, { authenticated: true, user: ALICE, audiences: ['extra', 'api'] }));
  assert.deepEqual(await statusOf(withAPIAudiences, { token: jwt, audiences: ['api'] }), { authenticated: true, user: ADA, audiences: ['api'] });
  // Without spec.audiences a review asks for the API audiences.
  assert.deepEqual(await statusOf(withAPIAudiences, { token: 'alice-token' }), { authenticated: true, user: ALICE, audiences: ['api', 'extra'] });
});

test('--api-audiences: ordinary requests still authenticate with the token file and the JWT', async () => {
  for (const token of ['alice-token', jwt]) {
    const res = await httpsRequest(withAPIAudiences.port, pki.serving.certPem, '/apis', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
  }
  const bad = await httpsRequest(withAPIAudiences.port, pki.serving.certPem, '/apis', { headers: { Authorization: 'Bearer nope' } });
  assert.equal(bad.status, 401);
});

test('the token cache never answers one audience set from another\'s entry', async () => {
  const token = await issuer.sign(issuer.claims({ sub: 'cached' }));
  const user = { username: 'oidc:cached', groups: ['system:authenticated'] };
  const delta = async <T>(s: Serve, step: () => Promise<T>): Promise<[T, { hit: number; miss: number }]> => {
    const a = await cacheCounts(s);
    const r = await step();
    const b = await cacheCounts(s);
    return [r, { hit: b.hit - a.hit, miss: b.miss - a.miss }];
  };
  // Without --api-audiences: the success without audiences is cached; asking for an audience is another entry.
  assert.deepEqual(await delta(plain, () => statusOf(plain, { token })), [{ authenticated: true, user }, { hit: 0, miss: 1 }]);
  assert.deepEqual(await delta(plain, () => statusOf(plain, { token, audiences: ['doorman'] })), [REFUSED, { hit: 0, miss: 1 }]);
  assert.deepEqual(await delta(plain, () => statusOf(plain, { token })), [{ authenticated: true, user }, { hit: 1, miss: 0 }]);

  const s = withAPIAudiences;
  assert.deepEqual(await delta(s, () => statusOf(s, { token, audiences: ['api'] })), [{ authenticated: true, user, audiences: ['api'] }, { hit: 0, miss: 1 }]);
  assert.deepEqual(await delta(s, () => statusOf(s, { token, audiences: ['api'] })), [{ authenticated: true, user, audiences: ['api'] }, { hit: 1, miss: 0 }]);
  assert.deepEqual(await delta(s, () => statusOf(s, { token, audiences: ['other'] })), [REFUSED, { hit: 0, miss: 1 }]);
  assert.deepEqual(await delta(s, () => statusOf(s, { token, audiences: ['extra'] })), [{ authenticated: true, user, audiences: ['extra'] }, { hit: 0, miss: 1 }]);
  // An ordinary request presents the token for the API audiences, the very entry a review without spec.audiences uses.
  const [ordinary, first] = await delta(s, () => httpsRequest(s.port, pki.serving.certPem, '/apis', { headers: { Authorization: `Bearer ${token}` } }));
  assert.equal(ordinary.status, 200);
  assert.deepEqual(first, { hit: 0, miss: 1 });
  assert.deepEqual(await delta(s, () => statusOf(s, { token })), [{ authenticated: true, user, audiences: ['api', 'extra'] }, { hit: 1, miss: 0 }]);
});
