/**
 * Reading kube-apiserver static-pod manifests: the container's flags, image, probes and hostPath
 * volumes; the usage errors for files that are not such a manifest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPathResolver, readStaticPodManifest } from '../../src/validate/manifest.js';

const dir = mkdtempSync(join(tmpdir(), 'doorman-manifest-'));
const EXAMPLE = new URL('../../examples/kubeadm/kube-apiserver.yaml', import.meta.url).pathname;

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('the kubeadm example: flags after the binary, image, probes, hostPath mounts', () => {
  const m = readStaticPodManifest(EXAMPLE);
  assert.equal(m.image, 'registry.k8s.io/kube-apiserver:v1.35.0');
  assert.ok(m.args.includes('--anonymous-auth=false'));
  assert.ok(!m.args.includes('kube-apiserver'), 'the binary is not a flag');
  assert.deepEqual(m.probes.map((p) => `${p.kind} ${p.path}`), ['livenessProbe /livez', 'readinessProbe /readyz', 'startupProbe /livez']);
  assert.deepEqual(m.mounts.map((x) => `${x.mountPath}<-${x.hostPath}`), ['/etc/kubernetes/pki<-/etc/kubernetes/pki', '/etc/kubernetes/authn<-/etc/kubernetes/authn']);
});

test('paths resolve through the longest hostPath mount; other volumes and no volume are told apart', () => {
  const p = write(
    'pod.yaml',
    `apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver}
spec:
  containers:
  - name: apiserver
    command: [/usr/local/bin/kube-apiserver, --token-auth-file=/etc/k/x/tokens.csv]
    args: [--secure-port=6443]
    volumeMounts:
    - {name: k, mountPath: /etc/k}
    - {name: kx, mountPath: /etc/k/x/}
    - {name: cm, mountPath: /config}
  volumes:
  - {name: k, hostPath: {path: /srv/k}}
  - {name: kx, hostPath: {path: /srv/other}}
  - {name: cm, configMap: {name: cfg}}
`,
  );
  const m = readStaticPodManifest(p);
  assert.deepEqual(m.args, ['--token-auth-file=/etc/k/x/tokens.csv', '--secure-port=6443'], 'command flags, then args');
  const resolve = hostPathResolver(m, '/host');
  assert.deepEqual(resolve('/etc/k/x/tokens.csv'), { kind: 'local', local: '/host/srv/other/tokens.csv' });
  assert.deepEqual(resolve('/etc/k/y.yaml'), { kind: 'local', local: '/host/srv/k/y.yaml' });
  assert.deepEqual(resolve('/etc/k'), { kind: 'local', local: '/host/srv/k' });
  assert.equal(resolve('/config/a.yaml').kind, 'unreadable');
  assert.equal(resolve('/etc/kubernetes/a.yaml').kind, 'invisible');
  assert.equal(resolve('/etc/kx').kind, 'invisible', 'a sibling with a common prefix is not under the mount');
});

test('not a Pod, several documents, no kube-apiserver container, unreadable: usage errors naming the problem', () => {
  const cases: [string, string, RegExp][] = [
    ['deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n', /not a kube-apiserver static Pod manifest: its kind is "Deployment", expected one object of kind "Pod"$/],
    ['two.yaml', 'kind: Pod\n---\nkind: Pod\n', /it holds 2 documents/],
    ['empty.yaml', '', /it is empty/],
    ['etcd.yaml', 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: etcd\n    command: [etcd]\n', /no kube-apiserver container in this Pod \(containers: etcd\)$/],
    ['bad.yaml', 'kind: Pod\n  spec: [\n', /^--from-manifest .*bad\.yaml: yaml: /],
  ];
  for (const [name, text, want] of cases) {
    const p = write(name, text);
    assert.throws(() => readStaticPodManifest(p), (e: Error) => want.test(e.message) && !e.message.includes('\n'), name);
  }
  assert.throws(() => readStaticPodManifest(join(dir, 'missing.yaml')), /--from-manifest .*missing\.yaml: open .*missing\.yaml: no such file or directory$/);
});
