/**
 * The log backend against real files: JSON and legacy lines, lumberjack-style rotation with
 * max size / max backups / max age / gzip, appending to an existing file, asynchronous writes,
 * and failure reporting (a full device) for the blocking and blocking-strict modes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import {
  backupName,
  createAuditMetrics,
  createLogBackend,
  ensureLogFile,
  formatLegacy,
  ignoreErrors,
  pluginErrorHandler,
  RotatingFile,
  serializeEvent,
  type AuditEvent,
} from '../../src/audit/index.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'doorman-auditlog-'));
}

function event(i: number): AuditEvent {
  return {
    level: 'Metadata',
    auditID: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/pods?limit=${String(i).padStart(2, '0')}&x=y`,
    verb: 'list',
    user: { username: 'alice', groups: ['dev'] },
    sourceIPs: ['10.0.0.7'],
    objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: 1714557600123456000n,
    stageTimestamp: 1714557600223456000n,
  };
}

function ticking(): () => Date {
  let t = Date.UTC(2024, 4, 1, 10, 0, 0, 0);
  return () => new Date((t += 1));
}

const LINE = serializeEvent(event(1)).length + 1; // every test event line has the same length

const noErrors = (): never => {
  throw new Error('unexpected plugin error');
};

test('json lines, one event per line, exactly the serialized bytes', async () => {
  const dir = tmp();
  const path = join(dir, 'audit.log');
  const backend = createLogBackend({ writer: new RotatingFile({ path, maxSizeMB: 0, maxBackups: 0, maxAgeDays: 0, compress: false }), format: 'json', sync: true, onError: noErrors });
  assert.equal(backend.process([event(1), event(2)]), true);
  await backend.shutdown();
  assert.equal(readFileSync(path, 'utf8'), `${serializeEvent(event(1))}\n${serializeEvent(event(2))}\n`);
  assert.ok(readFileSync(path, 'utf8').includes('limit=01\\u0026x=y'));
});

test('legacy lines', async () => {
  const dir = tmp();
  const path = join(dir, 'audit.log');
  const backend = createLogBackend({ writer: new RotatingFile({ path, maxSizeMB: 0, maxBackups: 0, maxAgeDays: 0, compress: false }), format: 'legacy', sync: true, onError: noErrors });
  backend.process([event(1)]);
  await backend.shutdown();
  assert.equal(readFileSync(path, 'utf8'), `${formatLegacy(event(1))}\n`);
});

test('rotation by max size keeps max backups, names them like lumberjack', async () => {
  const dir = tmp();
  const path = join(dir, 'audit.log');
  // A "megabyte" of three lines: the fourth write rotates.
  const file = new RotatingFile({ path, maxSizeMB: 1, maxBackups: 2, maxAgeDays: 0, compress: false, megabyte: LINE * 3, now: ticking() });
  const backend = createLogBackend({ writer: file, format: 'json', sync: true, onError: noErrors });
  for (let i = 1; i <= 12; i++) assert.equal(backend.process([event(i)]), true);
  await file.idle();
  const names = readdirSync(dir).sort();
  assert.equal(names.length, 3, names.join(' '));
  assert.ok(names.includes('audit.log'));
  const backups = names.filter((n) => n !== 'audit.log');
  for (const b of backups) assert.match(b, /^audit-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.log$/);
  // The oldest backup (events 1-3) was removed; the newest two remain, events never split.
  const ids = (name: string): number[] =>
    readFileSync(join(dir, name), 'utf8')
      .trim()
      .split('\n')
      .map((l) => Number((JSON.parse(l) as { auditID: string }).auditID.slice(-12)));
  assert.deepEqual(backups.map(ids), [[4, 5, 6], [7, 8, 9]]);
  assert.deepEqual(ids('audit.log'), [10, 11, 12]);
  await backend.shutdown();
  assert.equal(backupName('/var/log/foo/server.log', new Date(Date.UTC(2016, 10, 4, 18, 30, 0, 5))), '/var/log/foo/server-2016-11-04T18-30-00.005.log');
  assert.equal(backupName('/var/log/audit', new Date(Date.UTC(2016, 10, 4, 18, 30))), '/var/log/audit-2016-11-04T18-30-00.000');
});

test('compressed backups and max age', async () => {
  const dir = tmp();
  const path = join(dir, 'audit.log');
  // A backup from long ago, by the time in its name: max age removes it.
  writeFileSync(join(dir, 'audit-2000-01-01T00-00-00.000.log.gz'), 'old');
  writeFileSync(join(dir, 'unrelated.txt'), 'keep');
  const file = new RotatingFile({ path, maxSizeMB: 1, maxBackups: 0, maxAgeDays: 30, compress: true, megabyte: LINE * 2, now: ticking() });
  const backend = createLogBackend({ writer: file, format: 'json', sync: true, onError: noErrors });
  for (let i = 1; i <= 5; i++) backend.process([event(i)]);
  await file.idle();
  const names = readdirSync(dir).sort();
  assert.ok(!names.includes('audit-2000-01-01T00-00-00.000.log.gz'), names.join(' '));
  assert.ok(names.includes('unrelated.txt'));
  const gz = names.filter((n) => n.endsWith('.log.gz'));
  assert.equal(gz.length, 2, names.join(' '));
  assert.equal(names.filter((n) => /^audit-.*\.log$/.test(n)).length, 0);
  const first = gunzipSync(readFileSync(join(dir, gz[0] ?? ''))).toString('utf8');
  assert.equal(first, `${serializeEvent(event(1))}\n${serializeEvent(event(2))}\n`);
  await backend.shutdown();
});

test('an existing file is appended to; an oversized write is refused', async () => {
  const dir = tmp();
  const path = join(dir, 'audit.log');
  writeFileSync(path, 'previous\n');
  const file = new RotatingFile({ path, maxSizeMB: 1, maxBackups: 0, maxAgeDays: 0, compress: false, megabyte: LINE * 4 });
  file.writeSync(`${serializeEvent(event(1))}\n`);
  assert.throws(() => file.writeSync('x'.repeat(LINE * 5)), { message: `write length ${LINE * 5} exceeds maximum file size ${LINE * 4}` });
  await file.close();
  assert.equal(readFileSync(path, 'utf8'), `previous\n${serializeEvent(event(1))}\n`);
});

test('asynchronous writes keep their order and rotate the same way', async () => {
  const dir = tmp();
  const path = join(dir, 'audit.log');
  const file = new RotatingFile({ path, maxSizeMB: 1, maxBackups: 0, maxAgeDays: 0, compress: false, megabyte: LINE * 5, now: ticking() });
  const backend = createLogBackend({ writer: file, format: 'json', sync: false, onError: noErrors });
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => backend.process([event(i + 1)])));
  assert.ok(results.every((r) => r === true));
  await backend.shutdown();
  const names = readdirSync(dir).sort();
  assert.equal(names.length, 3);
  const all = names
    .sort((a, b) => (a === 'audit.log' ? 1 : b === 'audit.log' ? -1 : a < b ? -1 : 1))
    .flatMap((n) => readFileSync(join(dir, n), 'utf8').trim().split('\n'));
  assert.deepEqual(all, Array.from({ length: 12 }, (_, i) => serializeEvent(event(i + 1))));
});

test('a failing device: blocking-strict reports false, blocking reports true; both count the error', { skip: !existsSync('/dev/full') }, async () => {
  const registry = new Registry();
  const logged: string[] = [];
  const onError = pluginErrorHandler(createAuditMetrics(registry), (m) => logged.push(m));
  ensureLogFile('/dev/full');
  const strict = createLogBackend({ writer: new RotatingFile({ path: '/dev/full', maxSizeMB: 0, maxBackups: 0, maxAgeDays: 0, compress: false }), format: 'json', sync: true, onError });
  assert.equal(strict.process([event(1)]), false);
  const blocking = ignoreErrors(createLogBackend({ writer: new RotatingFile({ path: '/dev/full', maxSizeMB: 0, maxBackups: 0, maxAgeDays: 0, compress: false }), format: 'json', sync: true, onError }));
  assert.equal(blocking.process([event(2)]), true);
  assert.match(await registry.getSingleMetricAsString('apiserver_audit_error_total'), /apiserver_audit_error_total\{plugin="log"\} 2/);
  assert.match(logged[0] ?? '', /^Error in audit plugin 'log' affecting 1 audit events: .*\nImpacted events:\n2024-05-01T10:00:00\.123456Z AUDIT: id="00000000-0000-0000-0000-000000000001"/);
  await strict.shutdown();
  await blocking.shutdown();
});

test('ensureLogFile fails at start-up for an impossible path', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'file'), '');
  assert.throws(() => ensureLogFile(join(dir, 'file', 'audit.log')), { message: `ensureLogFile: mkdir ${join(dir, 'file')}: not a directory` });
  ensureLogFile(join(dir, 'sub', 'dir', 'audit.log'));
  assert.ok(existsSync(join(dir, 'sub', 'dir', 'audit.log')));
});
