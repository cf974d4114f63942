/**
 * Event bytes: field order, omitempty, Go string escaping, MicroTime, the EventList body, the
 * legacy line, source IPs and user-agent truncation, raw-object compaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  auditNow,
  formatLegacy,
  formatMicroTime,
  formatRFC3339Nano,
  goDuration,
  goJSONString,
  serializeEvent,
  serializeEventList,
  sourceIPs,
  toAuditUser,
  truncateUserAgent,
  type AuditEvent,
} from '../../src/audit/index.js';
import { parseRaw, withoutManagedFields, writeRaw } from '../../src/audit/gojson.js';

const T0 = 1714557600123456789n; // 2024-05-01T10:00:00.123456789Z
const T1 = 1714557600130001000n;

const full: AuditEvent = {
  level: 'RequestResponse',
  auditID: '2c0f1f0e-8c1e-4a39-9d7c-6f3b1b0f2a11',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/default/pods?limit=500&watch=<x>',
  verb: 'create',
  user: { username: 'alice', uid: 'u-1', groups: ['dev', 'system:authenticated'], extra: { 'z.io/b': ['2'], 'a.io/a': ['1', '1b'] } },
  impersonatedUser: { username: 'bob', groups: ['ops'] },
  sourceIPs: ['10.0.0.7', '::1'],
  userAgent: 'kubectl/v1.35.0 (linux/amd64) kubernetes/abcdef0',
  objectRef: { resource: 'pods', namespace: 'default', name: 'p', uid: 'uid-9', apiGroup: '', apiVersion: 'v1', resourceVersion: '42', subresource: '' },
  responseStatus: {
    status: 'Failure',
    message: 'pods "p" already exists',
    reason: 'AlreadyExists',
    details: { name: 'p', kind: 'pods', causes: [{ reason: 'FieldValueInvalid', message: 'bad', field: 'spec' }], retryAfterSeconds: 3 },
    code: 409,
  },
  requestObject: '{"kind":"Pod","apiVersion":"v1"}',
  responseObject: '{"kind":"Status"}',
  requestReceivedTimestamp: T0,
  stageTimestamp: T1,
  annotations: { 'z/last': 'z', 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by "x"' },
};

test('serializeEvent: every field, in kube order, Go escaping, sorted maps', () => {
  const expected =
    '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"2c0f1f0e-8c1e-4a39-9d7c-6f3b1b0f2a11",' +
    '"stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods?limit=500\\u0026watch=\\u003cx\\u003e","verb":"create",' +
    '"user":{"username":"alice","uid":"u-1","groups":["dev","system:authenticated"],"extra":{"a.io/a":["1","1b"],"z.io/b":["2"]}},' +
    '"impersonatedUser":{"username":"bob","groups":["ops"]},"sourceIPs":["10.0.0.7","::1"],' +
    '"userAgent":"kubectl/v1.35.0 (linux/amd64) kubernetes/abcdef0",' +
    '"objectRef":{"resource":"pods","namespace":"default","name":"p","uid":"uid-9","apiVersion":"v1","resourceVersion":"42"},' +
    '"responseStatus":{"metadata":{},"status":"Failure","message":"pods \\"p\\" already exists","reason":"AlreadyExists",' +
    '"details":{"name":"p","kind":"pods","causes":[{"reason":"FieldValueInvalid","message":"bad","field":"spec"}],"retryAfterSeconds":3},"code":409},' +
    '"requestObject":{"kind":"Pod","apiVersion":"v1"},"responseObject":{"kind":"Status"},' +
    '"requestReceivedTimestamp":"2024-05-01T10:00:00.123456Z","stageTimestamp":"2024-05-01T10:00:00.130001Z",' +
    '"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by \\"x\\"","z/last":"z"}}';
  assert.equal(serializeEvent(full), expected);
  // The output is valid JSON with the same content.
  const parsed = JSON.parse(expected) as { requestURI: string };
  assert.equal(parsed.requestURI, full.requestURI);
});

test('serializeEvent: omitempty leaves user {} and timestamps, drops the rest', () => {
  const minimal: AuditEvent = {
    level: 'Metadata',
    auditID: 'id',
    stage: 'RequestReceived',
    requestURI: '/livez',
    verb: 'get',
    user: {},
    sourceIPs: [],
    userAgent: '',
    annotations: {},
    requestReceivedTimestamp: T0,
    stageTimestamp: T0,
  };
  assert.equal(
    serializeEvent(minimal),
    '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id","stage":"RequestReceived","requestURI":"/livez","verb":"get","user":{},"requestReceivedTimestamp":"2024-05-01T10:00:00.123456Z","stageTimestamp":"2024-05-01T10:00:00.123456Z"}',
  );
  assert.equal(
    serializeEvent({ ...minimal, stage: 'ResponseComplete', responseStatus: { code: 200 }, objectRef: {} }),
    '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id","stage":"ResponseComplete","requestURI":"/livez","verb":"get","user":{},"objectRef":{},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2024-05-01T10:00:00.123456Z","stageTimestamp":"2024-05-01T10:00:00.123456Z"}',
  );
});

test('serializeEventList: kind/apiVersion on the list only', () => {
  const ev: AuditEvent = { ...full, impersonatedUser: undefined as never, annotations: {} };
  const body = serializeEventList([ev, ev]);
  assert.ok(body.startsWith('{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{"level":"RequestResponse","auditID":'));
  const parsed = JSON.parse(body) as { items: Array<Record<string, unknown>> };
  assert.equal(parsed.items.length, 2);
  assert.equal(parsed.items[0]?.['kind'], undefined);
  assert.equal(serializeEventList([]), '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[]}');
});

test('MicroTime and RFC3339Nano formatting', () => {
  assert.equal(formatMicroTime(T0), '2024-05-01T10:00:00.123456Z');
  assert.equal(formatMicroTime(1714557600000000000n), '2024-05-01T10:00:00.000000Z');
  assert.equal(formatRFC3339Nano(T0), '2024-05-01T10:00:00.123456789Z');
  assert.equal(formatRFC3339Nano(1714557600120000000n), '2024-05-01T10:00:00.12Z');
  assert.equal(formatRFC3339Nano(1714557600000000000n), '2024-05-01T10:00:00Z');
  assert.equal(goDuration(1_500_000_000n), '1.5s');
  assert.equal(goDuration(750_000_000n), '750ms');
  assert.equal(goDuration(3_723_000_000_000n), '1h2m3s');
});

test('auditNow: real microseconds, monotonic, close to Date.now()', () => {
  const a = auditNow();
  const b = auditNow();
  assert.ok(b >= a);
  const drift = Number(a / 1_000_000n) - Date.now();
  assert.ok(Math.abs(drift) < 1000, `drift ${drift}`);
  assert.match(formatMicroTime(a), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  // Not all microsecond stamps land on a whole millisecond.
  const stamps = Array.from({ length: 50 }, () => auditNow() % 1000_000n);
  assert.ok(stamps.some((s) => s !== 0n));
});

test('goJSONString matches Go encoding/json', () => {
  assert.equal(goJSONString('a&b<c>d'), '"a\\u0026b\\u003cc\\u003ed"');
  assert.equal(goJSONString('q"\\\n\r\t\b\f\u0001\u007f'), '"q\\"\\\\\\n\\r\\t\\b\\f\\u0001\u007f"');
  assert.equal(goJSONString('\u2028\u2029é😀'), '"\\u2028\\u2029é😀"');
  assert.equal(goJSONString('bad\ud800x'), '"bad\\ufffdx"');
  assert.equal(goJSONString('plain'), '"plain"');
});

test('raw objects: compacted, HTML-escaped, managedFields dropped from objects, lists and tables', () => {
  const raw = '{ "kind" : "Pod", "metadata": {"name":"a<b", "managedFields":[{"manager":"x"}], "uid":"1"}, "n": 12345678901234567890 }';
  assert.equal(writeRaw(parseRaw(raw)), '{"kind":"Pod","metadata":{"name":"a\\u003cb","managedFields":[{"manager":"x"}],"uid":"1"},"n":12345678901234567890}');
  assert.equal(writeRaw(withoutManagedFields(parseRaw(raw))), '{"kind":"Pod","metadata":{"name":"a\\u003cb","uid":"1"},"n":12345678901234567890}');
  const list = '{"kind":"PodList","metadata":{},"items":[{"metadata":{"name":"a","managedFields":[]}},{"metadata":{"name":"b"}}]}';
  assert.equal(writeRaw(withoutManagedFields(parseRaw(list))), '{"kind":"PodList","metadata":{},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}');
  const table = '{"kind":"Table","rows":[{"cells":[1],"object":{"metadata":{"name":"a","managedFields":[{}]}}}]}';
  assert.equal(writeRaw(withoutManagedFields(parseRaw(table))), '{"kind":"Table","rows":[{"cells":[1],"object":{"metadata":{"name":"a"}}}]}');
  assert.throws(() => parseRaw('{"a":'), SyntaxError);
  assert.throws(() => parseRaw('{"a":1} x'), SyntaxError);
});

test('formatLegacy matches audit.EventString', () => {
  assert.equal(
    formatLegacy(full),
    '2024-05-01T10:00:00.123456789Z AUDIT: id="2c0f1f0e-8c1e-4a39-9d7c-6f3b1b0f2a11" stage="ResponseComplete" ip="10.0.0.7" method="create" ' +
      'user="alice" groups="\\"dev\\",\\"system:authenticated\\"" as="bob" asgroups="\\"ops\\"" ' +
      'user-agent="kubectl/v1.35.0 (linux/amd64) kubernetes/abcdef0" namespace="default" uri="/api/v1/namespaces/default/pods?limit=500&watch=<x>" response="409"',
  );
  const anon: AuditEvent = { level: 'Metadata', auditID: 'i', stage: 'RequestReceived', requestURI: '/', verb: 'get', user: {}, requestReceivedTimestamp: 1714557600000000000n, stageTimestamp: 1714557600000000000n };
  assert.equal(
    formatLegacy(anon),
    '2024-05-01T10:00:00Z AUDIT: id="i" stage="RequestReceived" ip="<unknown>" method="get" user="<none>" groups="<none>" as="<self>" asgroups="<lookup>" user-agent="" namespace="<none>" uri="/" response="<deferred>"',
  );
});

test('sourceIPs follows utilnet.SourceIPs', () => {
  assert.deepEqual(sourceIPs({}, '::ffff:10.0.0.1'), ['10.0.0.1']);
  assert.deepEqual(sourceIPs({ 'x-forwarded-for': ' 1.2.3.4 , bogus, 10.0.0.1' }, '10.0.0.1'), ['1.2.3.4', '10.0.0.1']);
  assert.deepEqual(sourceIPs({ 'x-forwarded-for': '1.2.3.4', 'x-real-ip': '1.2.3.4' }, '10.0.0.2'), ['1.2.3.4', '10.0.0.2']);
  assert.deepEqual(sourceIPs({ 'x-forwarded-for': '1.2.3.4', 'x-real-ip': '5.6.7.8' }, '5.6.7.8'), ['1.2.3.4', '5.6.7.8']);
  assert.deepEqual(sourceIPs({ 'x-real-ip': ' 5.6.7.8' }, '127.0.0.1'), ['127.0.0.1']);
  assert.deepEqual(sourceIPs({ 'x-forwarded-for': '2001:DB8:0:0:0:0:0:1, ::ffff:1.2.3.4, fe80::1%eth0, 01.2.3.4' }, '::1'), ['2001:db8::1', '1.2.3.4', '::1']);
  assert.deepEqual(sourceIPs({ 'x-forwarded-for': '1:0:0:2:0:0:0:3, 0:0:0:0:0:0:0:0, ::1.2.3.4' }, undefined), ['1:0:0:2::3', '::', '::102:304']);
  assert.deepEqual(sourceIPs({ 'x-forwarded-for': ['9.9.9.9', '8.8.8.8'] }, 'nonsense'), ['9.9.9.9']);
});

test('userAgent truncation at 1024 bytes', () => {
  assert.equal(truncateUserAgent(undefined), '');
  const long = 'a'.repeat(1030);
  assert.equal(truncateUserAgent(long), `${'a'.repeat(1024)}...TRUNCATED`);
  assert.equal(truncateUserAgent('a'.repeat(1024)), 'a'.repeat(1024));
  // Node hands headers over as latin1; the event carries the UTF-8 text.
  assert.equal(truncateUserAgent(Buffer.from('café', 'utf8').toString('latin1')), 'café');
});

test('toAuditUser omits empty fields', () => {
  assert.deepEqual(toAuditUser({ name: 'system:anonymous', uid: '', groups: ['system:unauthenticated'], extra: {} }), {
    username: 'system:anonymous',
    groups: ['system:unauthenticated'],
  });
});
