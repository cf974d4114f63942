/**
 * `doorman validate` as a process: the seed's manifest edit comes out invalid with kube-apiserver's
 * message and the fix, the fixed manifest is valid with the scanner warning, `-o json` has the
 * documented shape, and bad input is a one-line usage error with exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const MANIFEST = join(ROOT, 'examples/kubeadm/kube-apiserver.yaml');
const HOST = join(ROOT, 'examples/kubeadm/host');
const HARDENED = ['--authorization-mode=RBAC', `--authentication-config=${ROOT}examples/hardened/authentication-config.yaml`, `--token-auth-file=${ROOT}examples/hardened/tokens.csv`, `--rbac-objects=${ROOT}examples/hardened/rbac.yaml`];
const CONFLICT = '/etc/kubernetes/authn/authentication-config.yaml: anonymous: Forbidden: --anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'doorman-validate-cli-'));
}

function assertOneLineUsage(r: { code: number | null; stdout: string; stderr: string }, want: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, want);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test("the seed's manifest edit is invalid, with kube-apiserver's message and the fix", async () => {
  const r = await runCli(['validate', '--from-manifest', MANIFEST, '--host-root', HOST]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.split('\n');
  const i = lines.indexOf(CONFLICT);
  assert.ok(i >= 0, r.stdout);
  assert.equal(lines[i + 1], `  fix: remove --anonymous-auth=false from the kube-apiserver command in ${MANIFEST}; the file's anonymous section already decides anonymous access (anonymous only on /livez, /readyz, /healthz)`);
  assert.match(r.stdout, /^# kube-apiserver 1\.35 \(the manifest's image registry\.k8s\.io\/kube-apiserver:v1\.35\.0\)$/m);
  assert.match(r.stdout, /^invalid: kube-apiserver 1\.35 would not start \(1 error, 0 warnings\)$/m);
});

test('the fixed manifest is valid; scanners are warned about, probes pass', async () => {
  const dir = tmp();
  const fixed = join(dir, 'kube-apiserver.yaml');
  writeFileSync(fixed, readFileSync(MANIFEST, 'utf8').replace('    - --anonymous-auth=false\n', ''));
  const r = await runCli(['validate', '--from-manifest', fixed, '--host-root', HOST, '-o', 'json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout) as { valid: boolean; errors: unknown[]; warnings: { file: string; field: string; message: string; fix?: string }[] };
  assert.deepEqual(Object.keys(out), ['valid', 'errors', 'warnings']);
  assert.equal(out.valid, true);
  assert.deepEqual(out.errors, []);
  assert.deepEqual(out.warnings.map((w) => `${w.file}: ${w.field}`), [`${fixed}: --anonymous-auth`]);
  assert.match(out.warnings[0]?.message ?? '', /^CIS-style scanners/);
});

test('-o json for the seed edit: one error with file, field, message and fix', async () => {
  const r = await runCli(['validate', '--from-manifest', MANIFEST, '--host-root', HOST, '-o', 'json']);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { valid: boolean; errors: Record<string, string>[] };
  assert.equal(out.valid, false);
  assert.deepEqual(Object.keys(out.errors[0] ?? {}), ['file', 'field', 'message', 'fix']);
  assert.deepEqual(
    { file: out.errors[0]?.['file'], field: out.errors[0]?.['field'], message: out.errors[0]?.['message'] },
    { file: '/etc/kubernetes/authn/authentication-config.yaml', field: 'anonymous', message: 'Forbidden: --anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file' },
  );
});

test('--kubernetes-version 1.33 on a v1beta1 copy: the 1.33 typo; the image tag picks the release', async () => {
  const host = tmp();
  cpSync(HOST, host, { recursive: true });
  const cfg = join(host, 'etc/kubernetes/authn/authentication-config.yaml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('apiserver.config.k8s.io/v1\n', 'apiserver.config.k8s.io/v1beta1\n'));
  let r = await runCli(['validate', '--from-manifest', MANIFEST, '--host-root', host, '--kubernetes-version', '1.33']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^\/etc\/kubernetes\/authn\/authentication-config\.yaml: anonymous: Forbidden: --anonynous-auth flag cannot be set when anonymous field is configured in authentication configuration file$/m);
  const dir = tmp();
  const old = join(dir, 'kube-apiserver.yaml');
  writeFileSync(old, readFileSync(MANIFEST, 'utf8').replace(':v1.35.0', ':v1.31.4').replace('    - --anonymous-auth=false\n', ''));
  r = await runCli(['validate', '--from-manifest', old, '--host-root', host]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^# kube-apiserver 1\.31 \(the manifest's image registry\.k8s\.io\/kube-apiserver:v1\.31\.4\)$/m);
  assert.match(r.stdout, /anonymous: Forbidden: anonymous is not supported when AnonymousAuthConfigurableEnpoints feature gate is disabled$/m);
  writeFileSync(old, readFileSync(old, 'utf8').replace('    - --authorization-mode', '    - --feature-gates=AnonymousAuthConfigurableEndpoints=true\n    - --authorization-mode'));
  r = await runCli(['validate', '--from-manifest', old, '--host-root', host]);
  assert.equal(r.code, 0, r.stdout);
});

test('a config file on no volume of the container: kube-apiserver could not open it', async () => {
  const dir = tmp();
  const m = join(dir, 'kube-apiserver.yaml');
  writeFileSync(m, readFileSync(MANIFEST, 'utf8').replace('    - --anonymous-auth=false\n', '').replace(/    - mountPath: \/etc\/kubernetes\/authn\n      name: authentication-config\n      readOnly: true\n/, ''));
  const r = await runCli(['validate', '--from-manifest', m, '--host-root', HOST]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^\/etc\/kubernetes\/authn\/authentication-config\.yaml: open \/etc\/kubernetes\/authn\/authentication-config\.yaml: no such file or directory \(--authentication-config: .*\)$/m);
  assert.match(r.stdout, /^ {2}fix: add a hostPath volume and a volumeMount for \/etc\/kubernetes\/authn to the kube-apiserver container$/m);
});

test("serve's flags: the hardened example is valid for doorman serve", async () => {
  const [r, bad] = await Promise.all([runCli(['validate', ...HARDENED]), runCli(['validate', ...HARDENED, '--anonymous-auth=false'])]);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /^valid: doorman serve would start \(0 errors, 1 warning\)$/m);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /authentication-config\.yaml: anonymous: Forbidden: --anonymous-auth flag cannot be set/);
});

test('usage errors: exit 2, one line, no stack', async () => {
  const dir = tmp();
  const deploy = join(dir, 'deploy.yaml');
  writeFileSync(deploy, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n');
  const etcd = join(dir, 'etcd.yaml');
  writeFileSync(etcd, 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: etcd\n    command: [etcd]\n');
  // Independent processes: run them side by side.
  const [notPod, noContainer, missing, badRelease, mixed, unknown] = await Promise.all([
    runCli(['validate', '--from-manifest', deploy]),
    runCli(['validate', '--from-manifest', etcd]),
    runCli(['validate', '--from-manifest', join(dir, 'none.yaml')]),
    runCli(['validate', '--kubernetes-version', '1.40']),
    runCli(['validate', '--from-manifest', MANIFEST, '--token-auth-file=x.csv']),
    runCli(['validate', '--no-such-flag']),
  ]);
  assertOneLineUsage(notPod, /^Error: --from-manifest .*: not a kube-apiserver static Pod manifest: its kind is "Deployment"/);
  assertOneLineUsage(noContainer, /no kube-apiserver container in this Pod \(containers: etcd\)/);
  assertOneLineUsage(missing, /no such file or directory/);
  assertOneLineUsage(badRelease, /--kubernetes-version "1.40": give a release from 1.29 to 1.36/);
  assertOneLineUsage(mixed, /--token-auth-file: with --from-manifest the flags come from the manifest/);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, 'Error: unknown flag: --no-such-flag\n');
});
