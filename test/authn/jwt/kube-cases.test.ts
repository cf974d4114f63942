/**
 * Kubernetes' own JWT authenticator cases (oidc_test.go TestToken and the email_verified rule of
 * validation_test.go, kept as data in test/fixtures/kube-cel-cases.json) run through doorman's
 * real code: each case's v1 JWTAuthenticator is validated and compiled with the placeholder
 * issuer replaced by a real HTTPS issuer on loopback, a JWTAuthenticator discovers it, and a token
 * signed with the case's claims is authenticated at kube's test clock. Mismatches are collected
 * per test, so a failing run lists every case that differs at once.
 *
 * test/fixtures/kube-jwt-token-cases.json carries the rest of TestToken (claim-based mappings,
 * email_verified, groups, required claims, audiences, time claims, algorithms, discovery URLs,
 * distributed claims) plus derived cases, each with its own key set, algorithm list, discovery
 * document and claim-source responses.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CompactSign, exportJWK, type JWK } from 'jose';
import { TestIssuer } from './issuer.js';
import { JWTAuthenticator } from '../../../src/authn/jwt/authenticator.js';
import { goTime } from '../../../src/authn/jwt/gowords.js';
import {
  ALL_SIGNING_ALGORITHMS,
  compileJWTAuthenticator,
  validateAuthenticationConfiguration,
  type JWTAuthenticatorConfig,
} from '../../../src/config/authentication.js';
import { aggregateMessages, fieldErrorString } from '../../../src/errors.js';
import type { AuthenticationResult } from '../../../src/authn/types.js';

/** A result in the cases' terms: the user kube's test expects, its error, or none (skipped). */
function outcome(r: AuthenticationResult): { user: ExpectedUser } | { error: string } | { none: true } {
  if (r.kind === 'authenticated') return { user: { username: r.user.name, uid: r.user.uid, groups: r.user.groups, extra: r.user.extra } };
  return r.kind === 'error' ? { error: r.message } : { none: true };
}

interface ExpectedUser {
  readonly username: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

interface AuthenticatorCase {
  readonly name: string;
  readonly jwt: JWTAuthenticatorConfig;
  readonly claims: Record<string, unknown>;
  readonly expectUser?: ExpectedUser;
  readonly expectError?: string;
  readonly expectInitError?: string;
}

interface ValidationCase {
  readonly name: string;
  readonly jwt: JWTAuthenticatorConfig;
  readonly expectError: string;
}

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/kube-cel-cases.json', import.meta.url), 'utf8')) as {
  readonly authenticator: readonly AuthenticatorCase[];
  readonly validation: readonly ValidationCase[];
};

/** kube's TestToken clock: 2009-11-10T23:00:00Z; the cases' exp is an hour later. */
const KUBE_NOW_MS = 1257894000 * 1000;

let issuer: TestIssuer;

before(async () => {
  issuer = await TestIssuer.create();
});

after(async () => {
  await issuer.stop();
});

/** The case's config with its placeholder issuer URL replaced by the test issuer's, and its CA. */
function withIssuer(jwt: JWTAuthenticatorConfig): JWTAuthenticatorConfig {
  return { ...jwt, issuer: { ...jwt.issuer, url: issuer.url, certificateAuthority: issuer.ca.certPem } };
}

/** Runs one authenticator case; returns undefined when it matches, else what differed. */
async function runCase(c: AuthenticatorCase): Promise<unknown> {
  const { errors, compiled } = compileJWTAuthenticator(withIssuer(c.jwt), '');
  // kube's New() validates the authenticator at the empty path, as one aggregate error.
  const initError = aggregateMessages(errors.map(fieldErrorString));
  if (c.expectInitError !== undefined || initError !== '') {
    return initError === c.expectInitError ? undefined : { name: c.name, expectInitError: c.expectInitError, got: initError };
  }
  const auth = new JWTAuthenticator({ compiled, algorithms: ALL_SIGNING_ALGORITHMS, now: () => KUBE_NOW_MS });
  try {
    if (!(await auth.whenReady(5000))) return { name: c.name, got: `discovery failed: ${auth.healthCheck()?.message ?? ''}` };
    const token = await issuer.sign({ ...c.claims, iss: issuer.url });
    const r = await auth.authenticateToken(token);
    const got = outcome(r);
    const want = c.expectUser !== undefined ? { user: c.expectUser } : { error: c.expectError };
    try {
      assert.deepStrictEqual(got, want);
      return undefined;
    } catch {
      return { name: c.name, want, got };
    }
  } finally {
    auth.close();
  }
}

test('kube oidc_test.go TestToken cases (authenticator list)', async () => {
  assert.ok(fixture.authenticator.length > 0);
  const failures: unknown[] = [];
  for (const c of fixture.authenticator) {
    const f = await runCase(c);
    if (f !== undefined) failures.push(f);
  }
  assert.deepEqual(failures, []);
});

test('kube validation_test.go email_verified cases (validation list)', () => {
  assert.ok(fixture.validation.length > 0);
  const failures: unknown[] = [];
  for (const c of fixture.validation) {
    const errors = validateAuthenticationConfiguration({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'AuthenticationConfiguration', jwt: [withIssuer(c.jwt)] });
    const got = aggregateMessages(errors.map(fieldErrorString));
    if (got !== c.expectError) failures.push({ name: c.name, want: c.expectError, got });
  }
  assert.deepEqual(failures, []);
});

interface KeyRef {
  readonly key: string;
  readonly alg: string;
}

interface TokenCase {
  readonly name: string;
  readonly from: string;
  readonly derived?: string;
  readonly jwt: JWTAuthenticatorConfig;
  readonly claims: Record<string, unknown>;
  readonly algorithms?: readonly string[];
  readonly disallowedIssuers?: readonly string[];
  readonly signingKey?: KeyRef;
  readonly pubKeys?: readonly KeyRef[];
  readonly claimToResponseMap?: Readonly<Record<string, Record<string, unknown>>>;
  readonly openIDConfig?: Record<string, unknown>;
  readonly expectUser?: ExpectedUser;
  readonly expectError?: string;
  readonly expectInitError?: string;
  readonly expectSkip?: boolean;
}

const tokenFixture = JSON.parse(readFileSync(new URL('../../fixtures/kube-jwt-token-cases.json', import.meta.url), 'utf8')) as { readonly cases: readonly TokenCase[] };

/** kube's testdata keys, made once: RSA 2048 and P-521 (ES512). */
const KEYS: ReadonlyMap<string, KeyObject> = new Map([
  ['rsa_1', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
  ['rsa_2', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
  ['ecdsa_1', generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey],
  ['ecdsa_2', generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey],
]);
const DEFAULT_KEY: KeyRef = { key: 'rsa_1', alg: 'RS256' };
const KUBE_EXPIRED = goTime(1257890400 * 1000);

function privateKey(ref: KeyRef): KeyObject {
  const k = KEYS.get(ref.key);
  if (!k) throw new Error(`unknown key ${ref.key}`);
  return k;
}

/** Signs the payload text as go-jose's signer does: a compact JWS with alg and kid. */
function signPayload(payload: unknown, ref: KeyRef): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: ref.alg, kid: ref.key }).sign(privateKey(ref));
}

async function publicJWK(ref: KeyRef): Promise<JWK> {
  const { createPublicKey } = await import('node:crypto');
  return { ...(await exportJWK(createPublicKey(privateKey(ref)))), kid: ref.key, use: 'sig', alg: ref.alg };
}

/** The case with kube's placeholders filled in for the loopback issuer. */
function instantiate(c: TokenCase): TokenCase {
  let text = JSON.stringify(c);
  if (c.jwt.issuer.url === 'https://auth.example.com' && !c.jwt.issuer.discoveryURL) text = text.replaceAll('https://auth.example.com', '{{.URL}}');
  return JSON.parse(text.replaceAll('{{.URL}}', issuer.url).replaceAll('{{.Expired}}', KUBE_EXPIRED)) as TokenCase;
}

const VERIFIER_NOT_READY = 'verifier not initialized for issuer';

async function runTokenCase(raw: TokenCase): Promise<unknown> {
  const c = instantiate(raw);
  const jwt: JWTAuthenticatorConfig = { ...c.jwt, issuer: { ...c.jwt.issuer, certificateAuthority: issuer.ca.certPem } };
  const { errors, compiled } = compileJWTAuthenticator(jwt, '', c.disallowedIssuers ? { disallowedIssuers: c.disallowedIssuers } : {});
  let initError = aggregateMessages(errors.map(fieldErrorString));
  let auth: JWTAuthenticator | undefined;
  if (initError === '') {
    try {
      auth = new JWTAuthenticator({ compiled, algorithms: c.algorithms ?? ['RS256'], now: () => KUBE_NOW_MS, retryMs: 20 });
    } catch (e) {
      initError = (e as Error).message;
    }
  }
  if (c.expectInitError !== undefined || !auth) {
    auth?.close();
    return initError === c.expectInitError ? undefined : { name: c.name, expectInitError: c.expectInitError, got: initError };
  }
  issuer.discovery = c.openIDConfig;
  issuer.jwksBody = JSON.stringify({ keys: await Promise.all((c.pubKeys ?? [DEFAULT_KEY]).map(publicJWK)) });
  issuer.claimSources.clear();
  issuer.claimSourceAuthorization.clear();
  const signing = c.signingKey ?? DEFAULT_KEY;
  for (const [claim, payload] of Object.entries(c.claimToResponseMap ?? {})) issuer.claimSources.set(`/${claim}`, { status: 200, body: await signPayload(payload, signing) });
  try {
    if (!(await auth.whenReady(5000))) return { name: c.name, got: `discovery failed: ${auth.healthCheck()?.message ?? ''}` };
    const token = await signPayload(c.claims, signing);
    let r = await auth.authenticateToken(token);
    // kube's test waits for the distributed-claims verifier (synchronizeTokenIDVerifierForTest).
    for (let i = 0; i < 250 && r.kind === 'error' && r.message.includes(VERIFIER_NOT_READY); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      r = await auth.authenticateToken(token);
    }
    const got = outcome(r);
    const want = c.expectUser !== undefined ? { user: c.expectUser } : c.expectSkip ? { none: true } : { error: c.expectError };
    // kube's claim server fails the test when a source is called without `Bearer <claim>_token`.
    const badAuthorization = [...issuer.claimSourceAuthorization].filter(([path, a]) => a !== `Bearer ${path.slice(1)}_token`);
    try {
      assert.deepStrictEqual(got, want);
      assert.deepStrictEqual(badAuthorization, []);
      return undefined;
    } catch {
      return { name: c.name, want, got, ...(badAuthorization.length > 0 ? { badAuthorization } : {}) };
    }
  } finally {
    auth.close();
    issuer.discovery = undefined;
    issuer.jwksBody = undefined;
  }
}

test('kube oidc_test.go TestToken cases and derived cases (kube-jwt-token-cases.json)', async () => {
  assert.ok(tokenFixture.cases.length >= 100);
  assert.equal(new Set(tokenFixture.cases.map((c) => c.name)).size, tokenFixture.cases.length, 'case names are unique');
  const failures: unknown[] = [];
  for (const c of tokenFixture.cases) {
    const f = await runTokenCase(c);
    if (f !== undefined) failures.push(f);
  }
  assert.deepEqual(failures, []);
});
