/**
 * The `--audit-*` flags: defaults, the flag table, kube's validation messages, and buildAuditor
 * end to end with a real policy file and log file (blocking, blocking-strict and batch modes).
 */
import { requestInfo } from '../helpers/requestinfo.js';
import { parseGoDuration } from '../../src/util/goparse.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import {
  AUDIT_FLAGS,
  buildAuditor,
  defaultAuditOptions,
  validateAuditOptions,
  type AuditOptions,
} from '../../src/audit/index.js';
import type { RequestInfo } from '../../src/request/types.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'doorman-auditopts-'));
}

const ri: RequestInfo = requestInfo('GET', '/api/v1/namespaces/default/pods');

test('defaults follow NewAuditOptions', () => {
  const o = defaultAuditOptions();
  assert.deepEqual(o.log.batch, { mode: 'blocking', bufferSize: 10000, maxBatchSize: 1, maxBatchWaitMs: 0, throttleEnable: false, throttleQPS: 0, throttleBurst: 0 });
  assert.deepEqual(o.webhook.batch, { mode: 'batch', bufferSize: 10000, maxBatchSize: 400, maxBatchWaitMs: 30000, throttleEnable: true, throttleQPS: 10, throttleBurst: 15 });
  assert.deepEqual(o.log.truncate, { enabled: false, maxBatchSize: 10485760, maxEventSize: 102400 });
  assert.equal(o.webhook.initialBackoffMs, 10000);
  assert.equal(o.log.format, 'json');
  assert.equal(o.log.version, 'audit.k8s.io/v1');
});

test('the flag table covers every flag and sets options', () => {
  const names = AUDIT_FLAGS.map((f) => f.name);
  for (const n of [
    'audit-policy-file',
    'audit-log-path',
    'audit-log-format',
    'audit-log-maxage',
    'audit-log-maxbackup',
    'audit-log-maxsize',
    'audit-log-compress',
    'audit-log-mode',
    'audit-log-batch-buffer-size',
    'audit-log-batch-max-size',
    'audit-log-batch-max-wait',
    'audit-log-batch-throttle-enable',
    'audit-log-batch-throttle-qps',
    'audit-log-batch-throttle-burst',
    'audit-log-truncate-enabled',
    'audit-log-truncate-max-batch-size',
    'audit-log-truncate-max-event-size',
    'audit-log-version',
    'audit-webhook-config-file',
    'audit-webhook-initial-backoff',
    'audit-webhook-mode',
    'audit-webhook-batch-buffer-size',
    'audit-webhook-batch-max-size',
    'audit-webhook-batch-max-wait',
    'audit-webhook-batch-throttle-enable',
    'audit-webhook-batch-throttle-qps',
    'audit-webhook-batch-throttle-burst',
    'audit-webhook-truncate-enabled',
    'audit-webhook-truncate-max-batch-size',
    'audit-webhook-truncate-max-event-size',
    'audit-webhook-version',
  ]) {
    assert.ok(names.includes(n), n);
  }
  assert.equal(new Set(names).size, names.length);
  const o = defaultAuditOptions();
  const set = (name: string, raw: string): void => {
    const flag = AUDIT_FLAGS.find((f) => f.name === name);
    assert.ok(flag, name);
    flag.set(o, raw);
  };
  set('audit-log-maxsize', '100');
  set('audit-log-compress', 'true');
  set('audit-webhook-batch-max-wait', '1m30s');
  set('audit-webhook-initial-backoff', '250ms');
  set('audit-webhook-batch-throttle-qps', '2.5');
  assert.equal(o.log.maxSize, 100);
  assert.equal(o.log.compress, true);
  assert.equal(o.webhook.batch.maxBatchWaitMs, 90_000);
  assert.equal(o.webhook.initialBackoffMs, 250);
  assert.equal(o.webhook.batch.throttleQPS, 2.5);
  assert.throws(() => set('audit-log-maxsize', '1.5'), /invalid syntax/);
  assert.throws(() => set('audit-log-compress', 'yes'), /invalid syntax/);
  assert.throws(() => parseGoDuration('10'), { message: 'time: missing unit in duration "10"' });
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('1h'), 3_600_000);
});

test('validation messages (options/audit.go)', () => {
  const o: AuditOptions = defaultAuditOptions();
  assert.deepEqual(validateAuditOptions(o), []);
  // Nothing is checked for a backend that is not enabled.
  o.log.maxSize = -1;
  assert.deepEqual(validateAuditOptions(o), []);
  o.log.path = '/var/log/audit.log';
  o.log.maxAge = -2;
  o.log.maxBackups = -3;
  o.log.format = 'xml';
  o.log.batch.mode = 'fast';
  o.log.version = 'audit.k8s.io/v1beta1';
  assert.deepEqual(validateAuditOptions(o), [
    'invalid audit log mode fast, allowed modes are "batch,blocking,blocking-strict"',
    'invalid group version, allowed versions are ["audit.k8s.io/v1"]',
    'invalid audit log format xml, allowed formats are "legacy,json"',
    "--audit-log-maxage -2 can't be a negative number",
    "--audit-log-maxbackup -3 can't be a negative number",
    "--audit-log-maxsize -1 can't be a negative number",
  ]);
  const w = defaultAuditOptions();
  w.webhook.configFile = '/etc/webhook.yaml';
  w.webhook.batch.throttleQPS = 0;
  w.webhook.truncate.maxBatchSize = 10;
  assert.deepEqual(validateAuditOptions(w), [
    'invalid audit batch webhook throttle QPS 0, must be a positive number',
    'invalid audit truncate webhook max batch size 10, must be greater than max event size (102400)',
  ]);
  w.webhook.batch.bufferSize = 0;
  assert.equal(validateAuditOptions(w)[0], 'invalid audit batch webhook buffer size 0, must be a positive number');
  w.webhook.batch.mode = 'blocking';
  assert.equal(validateAuditOptions(w).length, 1);
});

test('buildAuditor: start-up errors are worded as kube-apiserver words them', () => {
  const dir = tmp();
  const o = defaultAuditOptions();
  o.policyFile = join(dir, 'missing.yaml');
  assert.throws(() => buildAuditor(o, new Registry()), {
    message: `loading audit policy file: failed to read file path "${o.policyFile}": open ${o.policyFile}: no such file or directory`,
  });
  writeFileSync(o.policyFile, 'apiVersion: audit.k8s.io/v1\nkind: policy\n');
  assert.throws(() => buildAuditor(o, new Registry()), {
    message: `loading audit policy file: failed decoding: no kind "policy" is registered for version "audit.k8s.io/v1" in scheme "pkg/audit/scheme.go:30": from file ${o.policyFile}`,
  });
  writeFileSync(o.policyFile, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
  writeFileSync(join(dir, 'file'), '');
  o.log.path = join(dir, 'file', 'audit.log');
  assert.throws(() => buildAuditor(o, new Registry()), { message: `ensureLogFile: mkdir ${join(dir, 'file')}: not a directory` });
  o.log.path = '';
  o.webhook.configFile = join(dir, 'nope.yaml');
  assert.throws(() => buildAuditor(o, new Registry()), { message: `initializing audit webhook: open ${o.webhook.configFile}: no such file or directory` });
  o.log.maxSize = -5;
  o.log.path = join(dir, 'audit.log');
  assert.throws(() => buildAuditor(o, new Registry()), { message: "--audit-log-maxsize -5 can't be a negative number" });
});

test('buildAuditor: no policy file means no events', async () => {
  const dir = tmp();
  const o = defaultAuditOptions();
  o.log.path = join(dir, 'audit.log');
  const auditor = buildAuditor(o, new Registry());
  assert.equal(auditor.enabled, false);
  assert.deepEqual(auditor.warnings, ['No audit policy file provided, no events will be recorded for log backend']);
  assert.equal(auditor.begin({ auditID: 'x', requestURI: '/', requestInfo: ri, sourceIPs: [] }), null);
  await auditor.shutdown();
});

async function runRequests(mode: string, path: string): Promise<string[]> {
  const dir = tmp();
  const o = defaultAuditOptions();
  o.policyFile = join(dir, 'policy.yaml');
  writeFileSync(o.policyFile, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  bogus: 1\n');
  o.log.path = path;
  o.log.batch.mode = mode;
  o.log.batch.maxBatchSize = mode === 'batch' ? 10 : 1;
  o.log.batch.maxBatchWaitMs = 50;
  const registry = new Registry();
  const auditor = buildAuditor(o, registry, { log: () => undefined });
  assert.deepEqual(auditor.warnings, ['Audit policy contains errors, falling back to lenient decoding: strict decoding error: unknown field "rules[0].bogus"']);
  const results: boolean[] = [];
  for (let i = 0; i < 3; i++) {
    const rec = auditor.begin({ auditID: `req-${i}`, requestURI: '/api/v1/namespaces/default/pods', requestInfo: ri, sourceIPs: ['10.1.1.1'] });
    assert.ok(rec);
    results.push(await rec.requestReceived());
    rec.responseComplete({ code: 200 });
  }
  await auditor.shutdown();
  assert.match(await registry.getSingleMetricAsString('apiserver_audit_event_total'), /apiserver_audit_event_total 6/);
  return results.map(String);
}

test('buildAuditor: the log file in blocking, blocking-strict and batch modes', async () => {
  for (const mode of ['blocking', 'blocking-strict', 'batch']) {
    const path = join(tmp(), 'logs', 'audit.log');
    assert.deepEqual(await runRequests(mode, path), ['true', 'true', 'true'], mode);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    assert.equal(lines.length, 6, mode);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { stage: string }).stage),
      ['RequestReceived', 'ResponseComplete', 'RequestReceived', 'ResponseComplete', 'RequestReceived', 'ResponseComplete'],
      mode,
    );
  }
});

test('buildAuditor: blocking-strict on a failing device rejects the request', { skip: process.platform !== 'linux' }, async () => {
  assert.deepEqual(await runRequests('blocking-strict', '/dev/full'), ['false', 'false', 'false']);
  assert.deepEqual(await runRequests('blocking', '/dev/full'), ['true', 'true', 'true']);
});
