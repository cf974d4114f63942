/**
 * Real Kubernetes clients against a real doorman over TLS: kubectl (the one on PATH; every kubectl
 * test reports itself skipped when there is none) and @kubernetes/client-node. The kubeconfigs of
 * the token user and the client-certificate user are written by `doorman kubeconfig` itself.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthenticationV1Api, AuthorizationV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { makePki, type TestPki } from '../helpers/tls.js';
import { startDoorman, type TestServer } from '../helpers/doorman.js';
import { runCli } from '../helpers/cli.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const EXAMPLE_RBAC = new URL('../../examples/hardened/rbac.yaml', import.meta.url).pathname;

/** Whether a kubectl binary answers on PATH. */
const KUBECTL = ((): boolean => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
})();

let cacheDir = '';

function kubectl(kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', [`--kubeconfig=${kubeconfig}`, `--cache-dir=${cacheDir}`, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** A kubectl test: skipped, and said so, when kubectl is not installed. */
function kubectlTest(name: string, fn: () => Promise<void>): void {
  test(name, async (t: TestContext) => {
    if (!KUBECTL) {
      t.skip('kubectl not found on PATH');
      return;
    }
    await fn();
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

let pki: TestPki;
let s: TestServer;
let anon: string;
let alice: string;
let admin: string;
let bob: string;

before(async () => {
  pki = makePki();
  cacheDir = mkdtempSync(join(pki.dir, 'kubectl-cache-'));
  s = await startDoorman(pki, {
    authorizationModes: ['RBAC'],
    authenticationConfig: `${FIXTURES}authn-hardened.yaml`,
    tokenAuthFile: `${FIXTURES}tokens.csv`,
    clientCAFile: pki.files.clientCA,
    rbacObjects: [EXAMPLE_RBAC],
  });
  const caFile = join(pki.dir, 'serving.crt');
  // kubectl prompts for a user name when a kubeconfig user has no credentials at all; basic
  // credentials are not a credential to kube-apiserver, so this user is anonymous.
  anon = join(pki.dir, 'anon.kubeconfig');
  writeFileSync(anon, kubeconfigYaml(s.port, caFile, { username: 'nobody', password: 'none' }));
  admin = join(pki.dir, 'admin.kubeconfig');
  writeFileSync(admin, kubeconfigYaml(s.port, caFile, { token: 'admin-token' }));
  // The other two come from `doorman kubeconfig`, exactly as the README has a newcomer make them.
  const caKey = join(pki.dir, 'client-ca.key');
  writeFileSync(caKey, pki.clientCA.keyPem);
  alice = join(pki.dir, 'alice.kubeconfig');
  bob = join(pki.dir, 'bob.kubeconfig');
  const server = `--server=https://127.0.0.1:${s.port}`;
  const [a, b] = await Promise.all([
    runCli(['kubeconfig', '--user=alice', `--token-auth-file=${FIXTURES}tokens.csv`, `--tls-cert-file=${caFile}`, server, `--output=${alice}`]),
    runCli(['kubeconfig', '--user=bob', '--group=dev', `--client-ca-file=${pki.files.clientCA}`, `--client-ca-key-file=${caKey}`, `--tls-cert-file=${caFile}`, server, `--output=${bob}`]),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
});
after(() => s.close());

// kubectl runs are separate processes against one server; they may run side by side.
describe('kubectl', { concurrency: true }, () => {
  kubectlTest('get --raw /livez and /readyz?verbose work anonymously', async () => {
    const live = await kubectl(anon, ['get', '--raw', '/livez']);
    assert.equal(live.code, 0, live.stderr);
    assert.equal(live.stdout, 'ok');
    const ready = await kubectl(anon, ['get', '--raw', '/readyz?verbose']);
    assert.equal(ready.code, 0, ready.stderr);
    assert.match(ready.stdout, /^\[\+\]ping ok\n\[\+\]log ok\n(\[\+\].*\n)*readyz check passed\n$/);
  });

  kubectlTest('anonymous /apis: Unauthorized', async () => {
    const r = await kubectl(anon, ['get', '--raw', '/apis']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /You must be logged in to the server \(Unauthorized\)/);
  });

  kubectlTest('auth whoami with a token (kubeconfig from doorman kubeconfig)', async () => {
    const r = await kubectl(alice, ['auth', 'whoami']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ATTRIBUTE   VALUE\nUsername    alice\nUID         1001\nGroups      [dev readers system:authenticated]\n');
  });

  kubectlTest('auth whoami with a client certificate issued by doorman kubeconfig', async () => {
    const r = await kubectl(bob, ['auth', 'whoami', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const review = JSON.parse(r.stdout) as { kind: string; apiVersion: string; status: { userInfo: { username: string; groups: string[]; extra: Record<string, string[]> } } };
    assert.equal(review.kind, 'SelfSubjectReview');
    assert.equal(review.apiVersion, 'authentication.k8s.io/v1');
    const { username, groups, extra } = review.status.userInfo;
    assert.deepEqual([username, groups], ['bob', ['dev', 'system:authenticated']]);
    // The x509 authenticator names the certificate as kube-apiserver does.
    assert.match(extra['authentication.kubernetes.io/credential-id']?.[0] ?? '', /^X509SHA256=[0-9a-f]{64}$/);
  });

  kubectlTest('--as/--as-group: allowed for an admin', async () => {
    const r = await kubectl(admin, ['auth', 'whoami', '--as=carol', '--as-group=dev', '--as-group=ops']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ATTRIBUTE   VALUE\nUsername    carol\nGroups      [dev ops system:authenticated]\n');
    const canI = await kubectl(admin, ['auth', 'can-i', 'list', 'pods', '--as=alice', '--as-group=readers']);
    assert.equal(canI.stdout, 'yes\n');
  });

  kubectlTest('--as: refused for others with kube-apiserver\'s 403; whoami replaces any 403 with its own sentence', async () => {
    const raw = await kubectl(alice, ['get', '--raw', '/version', '--as=bob']);
    assert.notEqual(raw.code, 0);
    assert.match(raw.stderr, /Error from server \(Forbidden\): users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope/);
    const who = await kubectl(alice, ['auth', 'whoami', '--as=bob']);
    assert.equal(who.code, 1);
    assert.equal(who.stderr, 'error: the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it\n');
    // Allowed impersonation into a user who may not call the API gets the same sentence.
    const anonymous = await kubectl(admin, ['auth', 'whoami', '--as=system:anonymous']);
    assert.equal(anonymous.code, 1);
    assert.equal(anonymous.stderr, 'error: the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it\n');
  });

  kubectlTest('auth can-i: yes, no, groups and short names through discovery', async () => {
    const yes = await kubectl(alice, ['auth', 'can-i', 'list', 'pods']);
    assert.deepEqual([yes.code, yes.stdout, yes.stderr], [0, 'yes\n', '']);
    const short = await kubectl(alice, ['auth', 'can-i', 'get', 'po', '-n', 'default']);
    assert.equal(short.stdout, 'yes\n');
    const no = await kubectl(alice, ['auth', 'can-i', 'get', 'secrets', '-n', 'kube-system']);
    assert.deepEqual([no.code, no.stdout], [1, 'no\n']);
    const deploy = await kubectl(alice, ['auth', 'can-i', 'create', 'deployments.apps']);
    assert.deepEqual([deploy.code, deploy.stdout, deploy.stderr], [1, 'no\n', '']);
    const adminDeploy = await kubectl(admin, ['auth', 'can-i', 'create', 'deployments.apps', '-A']);
    assert.equal(adminDeploy.stdout, 'yes\n');
  });

  kubectlTest('auth can-i on non-resource URLs', async () => {
    const yes = await kubectl(alice, ['auth', 'can-i', 'get', '/livez']);
    assert.deepEqual([yes.code, yes.stdout], [0, 'yes\n']);
    const no = await kubectl(alice, ['auth', 'can-i', 'get', '/metrics']);
    assert.deepEqual([no.code, no.stdout], [1, 'no\n']);
  });

  kubectlTest('auth can-i --list', async () => {
    const r = await kubectl(alice, ['auth', 'can-i', '--list']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0] ?? '', /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    assert.ok(lines.some((l) => /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/.test(l)), r.stdout);
    assert.ok(lines.some((l) => /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/.test(l)), r.stdout);
    assert.ok(lines.some((l) => /^\s+\[\/livez\]\s+\[\]\s+\[get\]$/.test(l)), r.stdout);
  });

  kubectlTest('version, api-versions, api-resources', async () => {
    const v = await kubectl(alice, ['version', '-o', 'json']);
    assert.equal(v.code, 0, v.stderr);
    const server = (JSON.parse(v.stdout) as { serverVersion: { major: string; compiler: string } }).serverVersion;
    assert.equal(server.major, '1');
    assert.equal(server.compiler, 'node');
    const versions = await kubectl(alice, ['api-versions']);
    assert.equal(versions.code, 0, versions.stderr);
    const list = versions.stdout.trim().split('\n');
    for (const gv of ['authentication.k8s.io/v1', 'authorization.k8s.io/v1', 'apps/v1', 'v1']) assert.ok(list.includes(gv), gv);
    const resources = await kubectl(alice, ['api-resources', '--api-group=authorization.k8s.io']);
    assert.equal(resources.code, 0, resources.stderr);
    assert.match(resources.stdout, /^selfsubjectaccessreviews\s+authorization\.k8s\.io\/v1\s+false\s+SelfSubjectAccessReview$/m);
    assert.match(resources.stdout, /^localsubjectaccessreviews\s+authorization\.k8s\.io\/v1\s+true\s+LocalSubjectAccessReview$/m);
  });

  kubectlTest('kubectl shows the 403 message', async () => {
    const r = await kubectl(bob, ['get', '--raw', '/api/v1/namespaces/default/secrets']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /secrets is forbidden: User "bob" cannot list resource "secrets" in API group "" in the namespace "default"/);
  });
});

describe('client-node', () => {
  test('reads /version with a token; anonymous gets 401', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(alice);
    const v = await kc.makeApiClient(VersionApi).getCode();
    assert.equal(v.major, '1');
    const anonKc = new KubeConfig();
    anonKc.loadFromFile(anon);
    await assert.rejects(anonKc.makeApiClient(VersionApi).getCode(), (e: { code?: number }) => e.code === 401);
  });

  test('creates the review objects, with a token and with a client certificate', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(alice);
    const ssar = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { namespace: 'default', verb: 'watch', resource: 'pods' } } },
    });
    assert.equal(ssar.status?.allowed, true);
    assert.match(ssar.status?.reason ?? '', /^RBAC: allowed by RoleBinding "readers-read-pods\/default"/);
    const rules = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectRulesReview({ body: { spec: { namespace: 'default' } } });
    assert.equal(rules.status?.incomplete, false);
    assert.ok((rules.status?.resourceRules ?? []).some((r) => r.resources?.includes('pods')));
    const certKc = new KubeConfig();
    certKc.loadFromFile(bob);
    const who = await certKc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    assert.equal(who.status?.userInfo?.username, 'bob');
    assert.deepEqual(who.status?.userInfo?.groups, ['dev', 'system:authenticated']);
  });

  test('a refused review call is the Status error', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(alice);
    await assert.rejects(
      kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({ body: { spec: { user: 'x', nonResourceAttributes: { path: '/' } } } }),
      (e: { code?: number; body?: string }) => e.code === 403 && /subjectaccessreviews\.authorization\.k8s\.io is forbidden: User \\?"alice\\?" cannot create resource/.test(String(e.body)),
    );
  });
});
