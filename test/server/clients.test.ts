/**
 * Real Kubernetes clients against doorman: kubectl (installed on the machine) and
 * @kubernetes/client-node, with a bearer token and with a client certificate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { makePki, type TestPki } from '../helpers/tls.js';
import { startDoorman, type TestServer } from '../helpers/doorman.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

function kubectl(kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end();
  });
}

function kubeconfigYaml(port: number, caFile: string, user: Record<string, string>): string {
  const userLines = Object.entries(user).map(([k, v]) => `    ${k}: ${v}`).join('\n');
  return `apiVersion: v1
kind: Config
clusters:
- name: doorman
  cluster:
    server: https://127.0.0.1:${port}
    certificate-authority: ${caFile}
users:
- name: u
  user:
${userLines || '    {}'}
contexts:
- name: c
  context: {cluster: doorman, user: u}
current-context: c
`;
}

describe('kubectl and client-node', () => {
  let pki: TestPki;
  let s: TestServer;
  let anon: string;
  let alice: string;
  let bob: string;
  before(async () => {
    pki = makePki();
    s = await startDoorman(pki, {
      authorizationModes: ['RBAC'],
      authenticationConfig: `${FIXTURES}authn-hardened.yaml`,
      tokenAuthFile: `${FIXTURES}tokens.csv`,
      clientCAFile: pki.files.clientCA,
    });
    const caFile = join(pki.dir, 'serving.crt');
    // kubectl prompts for a user name when a kubeconfig user has no credentials at all; basic
    // credentials are not a credential to kube-apiserver, so this user is anonymous.
    anon = join(pki.dir, 'anon.kubeconfig');
    writeFileSync(anon, kubeconfigYaml(s.port, caFile, { username: 'nobody', password: 'none' }));
    alice = join(pki.dir, 'alice.kubeconfig');
    writeFileSync(alice, kubeconfigYaml(s.port, caFile, { token: 'alice-token' }));
    const bobCert = pki.client('bob', ['dev']);
    writeFileSync(join(pki.dir, 'bob.crt'), bobCert.certPem);
    writeFileSync(join(pki.dir, 'bob.key'), bobCert.keyPem);
    bob = join(pki.dir, 'bob.kubeconfig');
    writeFileSync(bob, kubeconfigYaml(s.port, caFile, { 'client-certificate': join(pki.dir, 'bob.crt'), 'client-key': join(pki.dir, 'bob.key') }));
  });
  after(() => s.close());

  test('kubectl get --raw /livez works anonymously', async () => {
    const r = await kubectl(anon, ['get', '--raw', '/livez']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ok');
  });

  test('kubectl get --raw /readyz?verbose', async () => {
    const r = await kubectl(anon, ['get', '--raw', '/readyz?verbose']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[+]ping ok\n[+]log ok\n[+]shutdown ok\nreadyz check passed\n');
  });

  test('kubectl anonymous /apis: Unauthorized', async () => {
    const r = await kubectl(anon, ['get', '--raw', '/apis']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /You must be logged in to the server \(Unauthorized\)/);
  });

  test('kubectl with a token and with a client certificate', async () => {
    const a = await kubectl(alice, ['get', '--raw', '/version']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal((JSON.parse(a.stdout) as { major: string }).major, '1');
    const b = await kubectl(bob, ['get', '--raw', '/apis']);
    assert.equal(b.code, 0, b.stderr);
    assert.equal((JSON.parse(b.stdout) as { kind: string }).kind, 'APIGroupList');
  });

  test('kubectl shows the 403 message', async () => {
    const r = await kubectl(bob, ['get', '--raw', '/api/v1/namespaces/default/secrets']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /secrets is forbidden: User "bob" cannot list resource "secrets" in API group "" in the namespace "default"/);
  });

  test('client-node reads /version with a token; anonymous gets 401', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(alice);
    const v = await kc.makeApiClient(VersionApi).getCode();
    assert.equal(v.major, '1');
    const anonKc = new KubeConfig();
    anonKc.loadFromFile(anon);
    await assert.rejects(anonKc.makeApiClient(VersionApi).getCode(), (e: { code?: number }) => e.code === 401);
  });
});
