/**
 * Start-up of JWT authentication: an issuer down at start-up (named failing `/readyz` check,
 * `oidc: authenticator not initialized` for its tokens, kube's retry log line) that comes up
 * later; the `--oidc-*` flags mapped onto one authenticator (through `doorman serve` itself for
 * the refusals); construction errors such as an unsupported signing algorithm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestIssuer } from './issuer.js';
import { eventually, HEADER, jwtServer } from './harness.js';
import { runCli } from '../../helpers/cli.js';
import { DEFAULT_OIDC_FLAGS } from '../../../src/config/authentication.js';
import { httpsRequest } from '../../helpers/tls.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'doorman-jwt-start-'));

test('an issuer down at start-up: /readyz names it, its tokens are refused, then it comes up', async () => {
  const issuer = await TestIssuer.create({ down: true });
  const health = 'anonymous:\n  enabled: true\n  conditions:\n  - path: /readyz\n  - path: /readyz/jwt-authenticators\n';
  const s = await jwtServer(`${health}jwt:\n${issuer.yaml('  claimMappings:\n    username:\n      claim: sub\n      prefix: ""')}\n`);
  try {
    const readyz = await httpsRequest(s.server.port, s.server.ca, '/readyz?verbose');
    assert.equal(readyz.status, 500);
    assert.equal(readyz.body, '[+]ping ok\n[+]log ok\n[-]jwt-authenticators failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n');
    const one = await httpsRequest(s.server.port, s.server.ca, '/readyz/jwt-authenticators');
    assert.match(
      one.body,
      /^internal server error: oidc: authenticator for issuer "https:\/\/127\.0\.0\.1:\d+" is not healthy: (oidc: authenticator for issuer "https:\/\/127\.0\.0\.1:\d+" is not initialized|Get "https:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration": dial tcp 127\.0\.0\.1:\d+: connect: connection refused)\n$/,
    );
    const token = await issuer.sign(issuer.claims());
    const r = await s.request(token);
    assert.equal(r.status, 401);
    assert.equal(r.reason, 'oidc: authenticator not initialized');
    assert.ok(await eventually(() => s.server.log.some((l) => /^E oidc authenticator: initializing plugin: Get ".*": dial tcp .*: connect: connection refused$/.test(l))));
    await issuer.start();
    assert.ok(await eventually(async () => (await httpsRequest(s.server.port, s.server.ca, '/readyz')).status === 200, 5000));
    assert.equal((await s.request(token)).user?.username, 'alice');
  } finally {
    await s.close();
    await issuer.stop();
  }
});

test('discovery failures keep the authenticator unhealthy with go-oidc\'s message', async () => {
  const issuer = await TestIssuer.create();
  issuer.discovery = { issuer: 'https://somebody.else', jwks_uri: 'https://x/keys' };
  const s = await jwtServer(`jwt:\n${issuer.yaml('  claimMappings:\n    username:\n      claim: sub\n      prefix: ""')}\n`);
  try {
    const health = (): string => s.server.runtime.authentication.jwt?.healthCheck()?.message ?? '';
    assert.ok(await eventually(() => health().includes('issuer did not match')));
    assert.equal(health(), `oidc: authenticator for issuer "${issuer.url}" is not healthy: oidc: issuer did not match the issuer returned by provider, expected "${issuer.url}" got "https://somebody.else"`);
    // unmarshalResp words type errors by the Content-Type too, in document order.
    issuer.discovery = { jwks_uri: 5, issuer: 7 };
    const decode = 'oidc: failed to decode provider discovery object: got Content-Type = application/json, but could not unmarshal as JSON: ';
    assert.ok(await eventually(() => health().endsWith(`${decode}json: cannot unmarshal number into Go struct field providerJSON.jwks_uri of type string`)));
    issuer.discovery = { issuer: issuer.url, id_token_signing_alg_values_supported: ['ES256', 1] };
    assert.ok(await eventually(() => health().endsWith(`${decode}json: cannot unmarshal number into Go struct field providerJSON.id_token_signing_alg_values_supported of type string`)));
    issuer.discovery = { issuer: issuer.url };
    assert.ok(await eventually(() => health().endsWith('provider did not return JWKS URL')));
    issuer.discovery = undefined;
    issuer.discoveryStatus = 503;
    assert.ok(await eventually(() => health().endsWith('503 Service Unavailable: unavailable')));
    issuer.discoveryStatus = 200;
    assert.ok(await eventually(() => health() === ''));
  } finally {
    await s.close();
    await issuer.stop();
  }
});

test('--oidc-* flags: one authenticator with kube\'s mapping, the signing algorithms from the flag', async () => {
  const issuer = await TestIssuer.create();
  const dir = tmp();
  writeFileSync(join(dir, 'ca.pem'), issuer.ca.certPem);
  const s = await jwtServer(undefined, {
    oidc: {
      ...DEFAULT_OIDC_FLAGS,
      set: true,
      issuerURL: issuer.url,
      clientID: 'doorman',
      caFile: join(dir, 'ca.pem'),
      groupsClaim: 'groups',
      groupsPrefix: 'oidc:',
      signingAlgs: ['ES256'],
      requiredClaims: [['hd', 'example.com']],
    },
  });
  try {
    assert.ok(await eventually(() => s.server.runtime.authentication.jwt?.healthCheck() === undefined));
    const ok = await s.request(await issuer.sign(issuer.claims({ groups: ['dev'], hd: 'example.com' })));
    assert.deepEqual(ok.user, { username: `${issuer.url}#alice`, groups: ['oidc:dev', 'system:authenticated'] });
    const rs = await s.request(await issuer.sign(issuer.claims({ hd: 'example.com' }), issuer.keys[1]));
    assert.equal(rs.reason, 'oidc: verify token: oidc: id token signed with unsupported algorithm, expected ["ES256"] got "RS256"');
    assert.equal((await s.request(await issuer.sign(issuer.claims()))).reason, 'oidc: required claim hd not present in ID token');
  } finally {
    await s.close();
    await issuer.stop();
  }
});

test('--oidc-signing-algs= (no algorithm): RS256 only, oidc.New\'s default', async () => {
  const issuer = await TestIssuer.create();
  const dir = tmp();
  writeFileSync(join(dir, 'ca.pem'), issuer.ca.certPem);
  const s = await jwtServer(undefined, {
    oidc: { ...DEFAULT_OIDC_FLAGS, set: true, issuerURL: issuer.url, clientID: 'doorman', caFile: join(dir, 'ca.pem'), usernamePrefix: '-', signingAlgs: [] },
  });
  try {
    assert.ok(await eventually(() => s.server.runtime.authentication.jwt?.healthCheck() === undefined));
    assert.equal((await s.request(await issuer.sign(issuer.claims(), issuer.keys[1]))).user?.username, 'alice');
    const es = await s.request(await issuer.sign(issuer.claims(), issuer.keys[0]));
    assert.equal(es.reason, 'oidc: verify token: oidc: id token signed with unsupported algorithm, expected ["RS256"] got "ES256"');
  } finally {
    await s.close();
    await issuer.stop();
  }
});

test('doorman serve refuses bad --oidc-* combinations with kube-apiserver\'s messages', async () => {
  const dir = tmp();
  const config = join(dir, 'authn.yaml');
  writeFileSync(config, `${HEADER}jwt: []\n`);
  const cases: [string[], RegExp][] = [
    [['--oidc-issuer-url=https://idp.example', '--oidc-client-id=k8s', `--authentication-config=${config}`], /^Error: authentication-config file and oidc-\* flags are mutually exclusive$/m],
    [['--oidc-issuer-url=https://idp.example'], /^Error: oidc-issuer-url and oidc-client-id must be specified together when any oidc-\* flags are set$/m],
    [['--oidc-groups-claim=groups'], /^Error: oidc-issuer-url and oidc-client-id must be specified together when any oidc-\* flags are set$/m],
    [['--oidc-issuer-url=https://idp.example', '--oidc-client-id=k8s', '--oidc-signing-algs=HS256'], /^Error: oidc: unsupported signing alg: "HS256"$/m],
    // pflag's StringSlice keeps the empty entry, and oidc.New refuses it.
    [['--oidc-issuer-url=https://idp.example', '--oidc-client-id=k8s', '--oidc-signing-algs=ES256,,RS256'], /^Error: oidc: unsupported signing alg: ""$/m],
    [['--oidc-issuer-url=http://idp.example', '--oidc-client-id=k8s'], /^Error: invalid authentication configuration: jwt\[0\]\.issuer\.url: Invalid value: "http:\/\/idp\.example": URL scheme must be https$/m],
    [['--oidc-required-claim=novalue'], /invalid argument "novalue" for "--oidc-required-claim" flag: malformed pair, expect string=string|malformed pair, expect string=string/],
  ];
  for (const [flags, want] of cases) {
    const r = await runCli(['serve', '--cert-dir', dir, '--secure-port=1', ...flags]);
    assert.notEqual(r.code, 0, flags.join(' '));
    assert.match(r.stderr, want, flags.join(' '));
    assert.doesNotMatch(r.stderr, /Serving securely/);
  }
});

test('a CEL expression that does not compile stops start-up with the field error', async () => {
  const dir = tmp();
  const config = join(dir, 'authn.yaml');
  writeFileSync(
    config,
    `${HEADER}jwt:\n- issuer:\n    url: https://idp.example\n    audiences: [k8s]\n  claimMappings:\n    username:\n      expression: "claims + 1"\n`,
  );
  const r = await runCli(['serve', '--cert-dir', dir, '--secure-port=1', `--authentication-config=${config}`]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^Error: invalid authentication configuration: jwt\[0\]\.claimMappings\.username\.expression: Invalid value: "claims \+ 1": compilation failed: ERROR: <input>:1:8: found no matching overload for '_\+_' applied to '\(map\(string, any\), int\)'/m,
  );
});
