/**
 * `doorman serve` as an operator runs it: flags, start-up refusals with kube-apiserver's words,
 * the self-signed certificate in --cert-dir, and graceful shutdown on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runCli, startCli } from '../helpers/cli.js';
import { httpsRequest } from '../helpers/tls.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const tmp = () => mkdtempSync(join(tmpdir(), 'doorman-cli-'));

test('--help documents every flag', async () => {
  const r = await runCli(['serve', '--help']);
  assert.equal(r.code, 0);
  for (const flag of [
    '--secure-port', '--bind-address', '--tls-cert-file', '--tls-private-key-file', '--cert-dir', '--client-ca-file',
    '--token-auth-file', '--anonymous-auth', '--authentication-config', '--api-audiences', '--authorization-mode', '--shutdown-delay-duration', '--rbac-objects',
  ]) {
    assert.ok(r.stdout.includes(flag), `help lacks ${flag}`);
  }
});

test('validate and check take --api-audiences too (one flag module for the three commands)', async () => {
  const flags = ['--api-audiences=api,extra', `--token-auth-file=${FIXTURES}tokens.csv`, '--authorization-mode=RBAC', '--cert-dir', tmp()];
  const v = await runCli(['validate', ...flags]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const c = await runCli(['check', ...flags, '--token=alice-token', 'GET', '/apis']);
  assert.equal(c.code, 0, c.stdout + c.stderr);
  assert.match(c.stdout, /alice/);
});

test('an unknown flag is an error naming the flag', async () => {
  const r = await runCli(['serve', '--anonymous-auth-typo=false']);
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr, 'Error: unknown flag: --anonymous-auth-typo\n');
});

test('--anonymous-auth together with an anonymous section refuses to start, whatever the value', async () => {
  for (const flag of ['--anonymous-auth=false', '--anonymous-auth=true', '--anonymous-auth']) {
    const r = await runCli(['serve', '--cert-dir', tmp(), flag, `--authentication-config=${FIXTURES}authn-hardened.yaml`, '--authorization-mode=RBAC']);
    assert.equal(r.code, 1, flag);
    assert.match(r.stderr, /anonymous: Forbidden: --anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file/);
    assert.doesNotMatch(r.stderr, /Serving securely/);
  }
});

test('bad configuration files: kube-apiserver messages, exit non-zero before listening', async () => {
  const dir = tmp();
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: false\n  conditions:\n  - path: /livez\n');
  let r = await runCli(['serve', '--cert-dir', dir, `--authentication-config=${bad}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /invalid authentication configuration: anonymous.conditions: Invalid value: \[\{"Path":"\/livez"\}\]: enabled should be set to true when conditions are defined/);
  r = await runCli(['serve', '--cert-dir', dir, '--authentication-config=/no/such/file.yaml']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /failed to load authentication configuration from file "\/no\/such\/file.yaml": open \/no\/such\/file.yaml: no such file or directory/);
  r = await runCli(['serve', '--cert-dir', dir, '--authorization-mode=RBAC,RBAC']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /authorization-mode \["RBAC" "RBAC"\] has mode specified more than once/);
  r = await runCli(['serve', '--cert-dir', dir, '--secure-port=0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--secure-port 0 must be between 1 and 65535, inclusive. It cannot be turned off with 0/);
  r = await runCli(['serve', '--cert-dir', dir, '--anonymous-auth=maybe']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--anonymous-auth/);
});

test('serve: self-signed certificate generated once in --cert-dir, AlwaysAllow resets anonymous, SIGTERM exits 0', async () => {
  const dir = tmp();
  const port = await freePort();
  const s = await startCli(['serve', `--secure-port=${port}`, `--cert-dir=${dir}`, `--token-auth-file=${FIXTURES}tokens.csv`]);
  try {
    assert.match(s.stderr(), /AnonymousAuth is not allowed with the AlwaysAllow authorizer. Resetting AnonymousAuth to false. You should use a different authorizer/);
    assert.ok(existsSync(join(dir, 'apiserver.crt')) && existsSync(join(dir, 'apiserver.key')));
    const ca = readFileSync(join(dir, 'apiserver.crt'), 'utf8');
    const anon = await httpsRequest(port, ca, '/livez');
    assert.equal(anon.status, 401, 'anonymous was reset to false');
    const alice = await httpsRequest(port, ca, '/anything', { headers: { Authorization: 'Bearer alice-token' } });
    assert.equal(alice.status, 404, 'AlwaysAllow allows, nothing serves it');
  } finally {
    s.child.kill('SIGTERM');
  }
  assert.equal(await s.exited, 0);
  // A second start reuses the same certificate.
  const before = readFileSync(join(dir, 'apiserver.crt'), 'utf8');
  const port2 = await freePort();
  const s2 = await startCli(['serve', `--secure-port=${port2}`, `--cert-dir=${dir}`, '--authorization-mode=RBAC']);
  s2.child.kill('SIGTERM');
  assert.equal(await s2.exited, 0);
  assert.equal(readFileSync(join(dir, 'apiserver.crt'), 'utf8'), before);
});

test('SIGTERM: /readyz fails its shutdown check at once while requests are still served, then exit 0', async () => {
  const dir = tmp();
  const port = await freePort();
  const s = await startCli(['serve', `--secure-port=${port}`, `--cert-dir=${dir}`, '--authorization-mode=RBAC', '--shutdown-delay-duration=1s']);
  const ca = readFileSync(join(dir, 'apiserver.crt'), 'utf8');
  assert.equal((await httpsRequest(port, ca, '/readyz')).status, 200);
  s.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  const ready = await httpsRequest(port, ca, '/readyz');
  assert.equal(ready.status, 500);
  assert.equal(ready.body, '[+]ping ok\n[+]log ok\n[-]shutdown failed: reason withheld\nreadyz check failed\n');
  assert.equal((await httpsRequest(port, ca, '/livez')).status, 200);
  assert.equal(await s.exited, 0);
});
