/**
 * `doorman check --token <JWT>` against a real loopback issuer: check waits for discovery as a
 * started server would have, then names the JWT authenticator and the mapped user.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestIssuer } from '../authn/jwt/issuer.js';
import { HEADER } from '../authn/jwt/harness.js';
import { createChecker } from '../../src/check/trace.js';
import type { ServeOptions } from '../../src/snapshot.js';
import { runCli } from '../helpers/cli.js';

let issuer: TestIssuer;
before(async () => {
  issuer = await TestIssuer.create({ path: '/check' });
});
after(() => issuer.stop());

test('check --token with a JWT: authenticated by the jwt authenticator, as serve would', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-check-jwt-'));
  const config = join(dir, 'authn.yaml');
  writeFileSync(config, `${HEADER}jwt:\n${issuer.yaml(['  claimMappings:', '    username:', '      claim: sub', '      prefix: "oidc:"'].join('\n'))}\n`);
  const options: ServeOptions = {
    securePort: 6443,
    bindAddress: '127.0.0.1',
    certDir: dir,
    anonymousAuth: { set: false, value: true },
    authenticationConfig: config,
    authorizationModes: ['RBAC'],
    rbacObjects: [],
    shutdownDelayMs: 0,
  };
  const checker = createChecker(options);
  try {
    const token = await issuer.sign(issuer.claims({ sub: 'jane' }));
    const { json } = await checker.check({ method: 'GET', url: '/apis', identity: { token } });
    assert.equal(json.response.code, 200, JSON.stringify(json));
    assert.equal(json.authentication.authenticator, 'jwt');
    assert.equal(json.authentication.user?.username, 'oidc:jane');
    const bad = await checker.check({ method: 'GET', url: '/apis', identity: { token: `${token.slice(0, -4)}AAAA` } });
    assert.equal(bad.json.response.code, 401);
    assert.ok(!JSON.stringify(bad.json).includes(token), 'the token never appears in the output');
  } finally {
    checker.runtime.authentication.close?.();
  }
});

test('doorman check --token as a real process: it waits for discovery, answers, and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-check-jwt-cli-'));
  const config = join(dir, 'authn.yaml');
  writeFileSync(config, `${HEADER}jwt:\n${issuer.yaml(['  claimMappings:', '    username:', '      claim: sub', '      prefix: "oidc:"'].join('\n'))}\n`);
  const token = await issuer.sign(issuer.claims({ sub: 'jane' }));
  const r = await runCli(['check', `--cert-dir=${dir}`, `--authentication-config=${config}`, '--authorization-mode=AlwaysAllow', '--token', token, '-o', 'json', 'GET', '/apis'], 20_000);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { authentication: { authenticator: string; user?: { username: string } }; response: { code: number } };
  assert.equal(out.authentication.authenticator, 'jwt');
  assert.equal(out.authentication.user?.username, 'oidc:jane');
  assert.equal(out.response.code, 200);
  assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), 'the token never appears in the output');
});
