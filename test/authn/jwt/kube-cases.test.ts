/**
 * Kubernetes' own JWT authenticator cases (oidc_test.go TestToken and the email_verified rule of
 * validation_test.go, kept as data in test/fixtures/kube-cel-cases.json) run through doorman's
 * real code: each case's v1 JWTAuthenticator is validated and compiled with the placeholder
 * issuer replaced by a real HTTPS issuer on loopback, a JWTAuthenticator discovers it, and a token
 * signed with the case's claims is authenticated at kube's test clock. Mismatches are collected
 * per test, so a failing run lists every case that differs at once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TestIssuer } from './issuer.js';
import { JWTAuthenticator } from '../../../src/authn/jwt/authenticator.js';
import {
  ALL_SIGNING_ALGORITHMS,
  compileJWTAuthenticator,
  validateAuthenticationConfiguration,
  type JWTAuthenticatorConfig,
} from '../../../src/config/authentication.js';
import { aggregateMessages, fieldErrorString } from '../../../src/errors.js';

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
    const got =
      r.kind === 'authenticated'
        ? { user: { username: r.user.name, uid: r.user.uid, groups: r.user.groups, extra: r.user.extra } }
        : r.kind === 'error'
          ? { error: r.message }
          : { none: true };
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
