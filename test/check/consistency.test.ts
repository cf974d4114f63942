/**
 * check and serve can never disagree: the integration suite's requests (seed.test.ts,
 * x509.test.ts, audit.test.ts) are sent over real TLS to a live `doorman serve` process and
 * checked with `doorman check --requests -o json` under the very same flags; codes, bodies,
 * headers, decisions and audit events (less timestamps) must be identical, request by request.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { makePki, httpsRequest, type TestPki, type TestResponse } from '../helpers/tls.js';
import { freePort, runCli, startCli } from '../helpers/cli.js';
import { issueCertificate, type IssuedCertificate } from '../../src/util/pki.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

/** One request of the integration suite: how it is sent, as HTTP and as check flags. */
interface Case {
  readonly method?: string;
  readonly path: string;
  readonly token?: string;
  readonly cert?: string;
  /** --as / --as-group, sent as Impersonate-User / Impersonate-Group. */
  readonly as?: string;
  readonly asGroup?: string;
  readonly headers?: Record<string, string>;
}

interface CheckJSON {
  authorization: { decision: string; authorizer: string; reason: string } | null;
  response: { code: number; headers: Record<string, string | string[]>; body: string };
  auditEvents: Record<string, unknown>[];
}

const dir = mkdtempSync(join(tmpdir(), 'doorman-consistency-'));
let pki: TestPki;
const certs = new Map<string, IssuedCertificate>();

function certFile(name: string, cert: IssuedCertificate, chain = ''): string {
  const p = join(dir, `${name}.crt`);
  writeFileSync(p, cert.certPem + chain);
  certs.set(p, { ...cert, certPem: cert.certPem + chain });
  return p;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

function line(c: Case, id: string): string {
  const words = [c.method ?? 'GET', c.path, '-H', quote(`Audit-ID: ${id}`)];
  if (c.token !== undefined) words.push('--token', c.token);
  if (c.cert !== undefined) words.push('--client-cert', c.cert);
  if (c.as !== undefined) words.push('--as', c.as);
  if (c.asGroup !== undefined) words.push('--as-group', c.asGroup);
  for (const [k, v] of Object.entries(c.headers ?? {})) words.push('-H', quote(`${k}: ${v}`));
  return words.join(' ');
}

function withoutTimes(e: Record<string, unknown>): Record<string, unknown> {
  const { requestReceivedTimestamp: _r, stageTimestamp: _s, ...rest } = e;
  return rest;
}

/** Starts serve with `flags`, sends every case, checks them all with the same flags, compares. */
async function replay(name: string, flags: string[], cases: readonly Case[]): Promise<void> {
  const log = join(dir, `${name}-audit.log`);
  const port = await freePort();
  const common = [
    `--secure-port=${port}`,
    `--tls-cert-file=${pki.files.servingCert}`,
    `--tls-private-key-file=${pki.files.servingKey}`,
    `--audit-policy-file=${FIXTURES}audit-metadata.yaml`,
    `--audit-log-path=${log}`,
    ...flags,
  ];
  const server: { child: ChildProcess; exited: Promise<number | null> } = await startCli(['serve', ...common]);
  const live: TestResponse[] = [];
  try {
    for (const [i, c] of cases.entries()) {
      const headers = {
        'Audit-ID': `${name}-${i}`,
        ...(c.headers ?? {}),
        ...(c.token !== undefined ? { Authorization: `Bearer ${c.token}` } : {}),
        ...(c.as !== undefined ? { 'Impersonate-User': c.as } : {}),
        ...(c.asGroup !== undefined ? { 'Impersonate-Group': c.asGroup } : {}),
      };
      const cert = c.cert !== undefined ? certs.get(c.cert) : undefined;
      live.push(await httpsRequest(port, pki.serving.certPem, c.path, { method: c.method ?? 'GET', headers, ...(cert ? { cert } : {}) }));
    }
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  const requests = join(dir, `${name}-requests.txt`);
  writeFileSync(requests, cases.map((c, i) => line(c, `${name}-${i}`)).join('\n'));
  const r = await runCli(['check', ...common, '--requests', requests, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const checked = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as CheckJSON);
  assert.equal(checked.length, cases.length);
  const logged = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

  for (const [i, c] of cases.entries()) {
    const what = `${name} #${i} ${c.method ?? 'GET'} ${c.path}`;
    const got = checked[i] as CheckJSON;
    const want = live[i] as TestResponse;
    assert.equal(got.response.code, want.status, what);
    assert.equal(got.response.body, want.body, what);
    for (const [k, v] of Object.entries(got.response.headers)) {
      // Several header lines (an array here) reach Node's client joined with ", ".
      assert.equal(Array.isArray(v) ? v.join(', ') : v, want.headers[k.toLowerCase()], `${what}: header ${k}`);
    }
    const events = logged.filter((e) => e['auditID'] === `${name}-${i}`);
    assert.deepEqual(got.auditEvents.map(withoutTimes), events.map(withoutTimes), `${what}: audit events`);
    // The decision: what serve recorded in the audit annotations, what check reports.
    const annotations = (events.at(-1)?.['annotations'] ?? {}) as Record<string, string>;
    if (got.authorization === null) assert.equal(annotations['authorization.k8s.io/decision'], undefined, what);
    else {
      assert.equal(annotations['authorization.k8s.io/decision'], got.authorization.decision, what);
      assert.equal(annotations['authorization.k8s.io/reason'], got.authorization.reason, what);
    }
  }
}

before(() => {
  pki = makePki();
});

describe('check agrees with a live serve', () => {
  let files: Record<string, string>;
  before(() => {
    const intermediate = issueCertificate({ subject: { commonName: 'intermediate' }, isCA: true, issuer: pki.clientCA });
    files = {
      bob: certFile('bob', pki.client('bob', ['readers'])),
      root: certFile('root', pki.client('root', ['system:masters'])),
      mallory: certFile('mallory', pki.client('mallory', ['system:masters'], { issuer: pki.otherCA })),
      old: certFile('old', pki.client('old', [], { notBefore: new Date(Date.now() - 2 * 86400_000), notAfter: new Date(Date.now() - 86400_000) })),
      web: certFile('web', pki.client('webserver', [], { usages: ['server'] })),
      nameless: certFile('nameless', pki.client('', ['system:masters'])),
      carol: certFile('carol', issueCertificate({ subject: { commonName: 'carol', organizations: ['ops'] }, issuer: intermediate, usages: ['client'] }), intermediate.certPem),
    };
  });

  test('default: anonymous everywhere, tokens, client certificates, RBAC (seed.test.ts, x509.test.ts, audit.test.ts)', async () => {
    const f = files;
    await replay(
      'default',
      ['--authorization-mode=RBAC', `--token-auth-file=${FIXTURES}tokens.csv`, `--client-ca-file=${pki.files.clientCA}`, `--rbac-objects=${FIXTURES}rbac-readers.yaml`],
      [
        { path: '/livez', headers: { 'User-Agent': 'probe/1.0' } },
        { path: '/apis' },
        { path: '/version' },
        { method: 'HEAD', path: '/healthz' },
        { path: '/apis', headers: { 'User-Agent': 'curl/8.0' } },
        { path: '/apis?pretty=false', headers: { 'User-Agent': 'curl/8.0' } },
        { path: '/apis?pretty=1' },
        { path: '/livez', token: 'wrong' },
        { path: '/livez', headers: { Authorization: 'Basic YWxpY2U6cHc=' } },
        { path: '/apis', token: 'alice-token' },
        { path: '/api/v1/namespaces/kube-system/pods', token: 'alice-token' },
        { path: '/apis/apps/v1/namespaces/ns/deployments/web', token: 'admin-token' },
        { path: '/nothing-here' },
        { path: '/livez', headers: { Authorization: 'Bearer  alice-token' } },
        { path: '/apis/apps/v1/namespaces/ns/deployments/web', token: 'alice-token' },
        { path: '/metrics' },
        { path: '/api', token: 'alice-token' },
        { path: '/api/v1/namespaces/default/pods', token: 'admin-token', as: 'jane', asGroup: 'readers' },
        { path: '/apis', token: 'alice-token', as: 'jane' },
        { path: '/api/v1/namespaces/default/pods', cert: f['bob'] ?? '' },
        { path: '/api/v1/namespaces/other/pods', cert: f['bob'] ?? '' },
        { path: '/apis/apps/v1/deployments', cert: f['root'] ?? '' },
        { path: '/livez', cert: f['mallory'] ?? '' },
        { path: '/livez', cert: f['old'] ?? '' },
        { path: '/livez', cert: f['web'] ?? '' },
        { path: '/apis', cert: f['mallory'] ?? '', token: 'alice-token' },
        { path: '/apis', cert: f['nameless'] ?? '' },
        { path: '/apis', cert: f['carol'] ?? '' },
      ],
    );
  });

  test('hardened: anonymous only on /livez, /readyz, /healthz (seed.test.ts, audit.test.ts)', async () => {
    await replay(
      'hardened',
      ['--authorization-mode=RBAC', `--authentication-config=${FIXTURES}authn-hardened.yaml`, `--token-auth-file=${FIXTURES}tokens.csv`],
      [
        ...['/livez', '/readyz', '/healthz', '/livez?verbose', '/readyz?exclude=log', '/%6civez'].map((path) => ({ path })),
        ...['/apis', '/version', '/livez/ping', '/healthz/', '/LIVEZ', '/livez%2F', '/api', '/'].map((path) => ({ path })),
        { path: '/apis', headers: { 'User-Agent': 'curl/8.5.0' } },
        { path: '/version', token: 'alice-token' },
        { path: '/apis', headers: { Authorization: 'Basic YWxpY2U6cHc=' } },
        { path: '/livez%zz' },
        { path: '/readyz?verbose&exclude=log&exclude=etcd' },
      ],
    );
  });
});
