/**
 * Audit over the real server: the seed's events in a real log file, failed authentication's single
 * event, blocking-strict refusing to serve what it cannot record, and batch mode flushing on exit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePki, httpsRequest, type TestPki } from '../helpers/tls.js';
import { startDoorman, type TestServer } from '../helpers/doorman.js';
import { freePort, startCli } from '../helpers/cli.js';
import { defaultAuditOptions, type AuditOptions } from '../../src/audit/index.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

function auditOptions(path: string, mode: 'blocking' | 'blocking-strict' | 'batch' = 'blocking'): AuditOptions {
  const o = defaultAuditOptions();
  o.policyFile = `${FIXTURES}audit-metadata.yaml`;
  o.log.path = path;
  o.log.batch.mode = mode;
  return o;
}

interface LoggedEvent {
  auditID: string;
  stage: string;
  requestURI: string;
  verb: string;
  user: { username?: string; groups?: string[] };
  responseStatus?: { code: number; status?: string; reason?: string; message?: string };
  annotations?: Record<string, string>;
}

function events(path: string): LoggedEvent[] {
  return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LoggedEvent);
}

let pki: TestPki;
before(() => {
  pki = makePki();
});

describe('audit log for the seed scenario', () => {
  test('default: /livez allowed by system:public-info-viewer, /apis forbidden', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'doorman-audit-')), 'audit.log');
    const s = await startDoorman(pki, { authorizationModes: ['RBAC'], audit: auditOptions(log) });
    try {
      const livez = await httpsRequest(s.port, s.ca, '/livez', { headers: { 'User-Agent': 'probe/1.0' } });
      const apis = await httpsRequest(s.port, s.ca, '/apis');
      const ev = events(log);
      const forLivez = ev.filter((e) => e.auditID === livez.headers['audit-id']);
      assert.deepEqual(forLivez.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
      const done = forLivez[1];
      assert.ok(done);
      assert.deepEqual(done.user, { username: 'system:anonymous', groups: ['system:unauthenticated'] });
      assert.deepEqual(done.annotations, {
        'authorization.k8s.io/decision': 'allow',
        'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"',
      });
      assert.equal(forLivez[0]?.annotations, undefined, 'RequestReceived comes before authorization');
      const line = readFileSync(log, 'utf8').split('\n').find((l) => l.includes(String(livez.headers['audit-id'])) && l.includes('ResponseComplete'));
      assert.match(line ?? '', /^\{"kind":"Event","apiVersion":"audit.k8s.io\/v1","level":"Metadata","auditID":"[^"]+","stage":"ResponseComplete","requestURI":"\/livez","verb":"get","user":\{"username":"system:anonymous","groups":\["system:unauthenticated"\]\},"sourceIPs":\["127.0.0.1"\],"userAgent":"probe\/1.0","responseStatus":\{"metadata":\{\},"code":200\},"requestReceivedTimestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z","stageTimestamp":"[^"]+Z","annotations":\{/);
      const forApis = ev.filter((e) => e.auditID === apis.headers['audit-id']);
      assert.equal(forApis.at(-1)?.annotations?.['authorization.k8s.io/decision'], 'forbid');
      assert.equal(forApis.at(-1)?.annotations?.['authorization.k8s.io/reason'], '');
      assert.equal(forApis.at(-1)?.responseStatus?.code, 403);
      assert.equal(forApis.at(-1)?.responseStatus?.reason, 'Forbidden');
    } finally {
      await s.close();
    }
  });

  test('hardened: /apis is one ResponseStarted event with an empty user and 401', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'doorman-audit-')), 'audit.log');
    const s = await startDoorman(pki, { authorizationModes: ['RBAC'], authenticationConfig: `${FIXTURES}authn-hardened.yaml`, audit: auditOptions(log) });
    try {
      const r = await httpsRequest(s.port, s.ca, '/apis', { headers: { 'Audit-ID': 'seed-apis' } });
      assert.equal(r.status, 401);
      assert.equal(r.headers['audit-id'], 'seed-apis');
      const ev = events(log).filter((e) => e.auditID === 'seed-apis');
      assert.equal(ev.length, 1);
      assert.equal(ev[0]?.stage, 'ResponseStarted');
      assert.deepEqual(ev[0]?.user, {});
      assert.deepEqual(ev[0]?.responseStatus, { metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
      assert.equal(ev[0]?.annotations, undefined);
    } finally {
      await s.close();
    }
  });

  test('blocking-strict: a RequestReceived that cannot be written fails the request with 500', async () => {
    const s = await startDoorman(pki, { authorizationModes: ['RBAC'], audit: auditOptions('/dev/full', 'blocking-strict') });
    try {
      const r = await httpsRequest(s.port, s.ca, '/livez');
      assert.equal(r.status, 500);
      assert.equal(r.body, 'Internal Server Error: "/livez": failed to store audit event\n');
    } finally {
      await s.close();
    }
  });

  test('batch mode: buffered events are flushed when the process is told to stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doorman-audit-'));
    const log = join(dir, 'audit.log');
    const port = await freePort();
    const s = await startCli([
      'serve', `--secure-port=${port}`, `--cert-dir=${dir}`, '--authorization-mode=RBAC',
      `--audit-policy-file=${FIXTURES}audit-metadata.yaml`, `--audit-log-path=${log}`,
      '--audit-log-mode=batch', '--audit-log-batch-max-size=1000', '--audit-log-batch-max-wait=1h',
    ]);
    const ca = readFileSync(join(dir, 'apiserver.crt'), 'utf8');
    for (let i = 0; i < 5; i++) assert.equal((await httpsRequest(port, ca, '/livez')).status, 200);
    assert.equal(readFileSync(log, 'utf8'), '', 'nothing written yet: the batch is neither full nor old');
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
    assert.equal(events(log).length, 10);
  });
});

describe('/metrics', () => {
  test('behind authorization, with the audit counters', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'doorman-audit-')), 'audit.log');
    const s = await startDoorman(pki, { authorizationModes: ['RBAC'], tokenAuthFile: `${FIXTURES}tokens.csv`, audit: auditOptions(log) });
    try {
      const anon = await httpsRequest(s.port, s.ca, '/metrics');
      assert.equal(anon.status, 403);
      assert.match(anon.body, /cannot get path \\"\/metrics\\"/);
      await httpsRequest(s.port, s.ca, '/livez');
      const admin = await httpsRequest(s.port, s.ca, '/metrics', { headers: { Authorization: 'Bearer admin-token' } });
      assert.equal(admin.status, 200);
      assert.equal(admin.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8; escaping=underscores');
      assert.equal(admin.headers['vary'], 'Accept');
      const total = /^apiserver_audit_event_total (\d+)$/m.exec(admin.body);
      assert.ok(total, admin.body);
      assert.ok(Number(total[1]) >= 4, 'anonymous /metrics (2 events) and /livez (2 events) were audited');
      assert.match(admin.body, /^# TYPE apiserver_audit_error_total counter$/m);
    } finally {
      await s.close();
    }
  });
});
