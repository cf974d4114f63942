/**
 * The per-request lifecycle: which stages are emitted and what each event holds, for ordinary,
 * long-running, omitted, None-level, panicking and failed-authentication requests.
 */
import { requestInfo } from '../helpers/requestinfo.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import {
  authenticationFailureMessage,
  auditIDFromHeaders,
  createAuditMetrics,
  createAuditor,
  PolicyEvaluator,
  serializeEvent,
  type AuditBackend,
  type AuditEvent,
  type AuditRequestInit,
  type Policy,
} from '../../src/audit/index.js';
import type { RequestInfo } from '../../src/request/types.js';
import type { UserInfo } from '../../src/authn/types.js';

class Capture implements AuditBackend {
  readonly name = 'capture';
  events: AuditEvent[] = [];
  result: boolean | 'async-false' = true;
  process(events: readonly AuditEvent[]): boolean | Promise<boolean> {
    this.events.push(...events);
    if (this.result === 'async-false') return Promise.resolve(false);
    return this.result;
  }
  async shutdown(): Promise<void> {}
}

const podsInfo: RequestInfo = requestInfo('POST', '/api/v1/namespaces/default/pods');
const watchInfo: RequestInfo = { ...podsInfo, verb: 'watch' };
const livezInfo: RequestInfo = requestInfo('GET', '/livez');
const alice: UserInfo = { name: 'alice', uid: 'a-1', groups: ['dev', 'system:authenticated'], extra: { scopes: ['x'] } };

let clock = 1714557600000000000n;
const now = (): bigint => (clock += 1000n);

function setup(policy: Policy, backend = new Capture()) {
  clock = 1714557600000000000n;
  const registry = new Registry();
  const metrics = createAuditMetrics(registry);
  const auditor = createAuditor({ evaluator: new PolicyEvaluator(policy), backend, metrics, now });
  return { auditor, backend, registry };
}

function init(ri: RequestInfo, extra: Partial<AuditRequestInit> = {}): AuditRequestInit {
  return {
    auditID: 'id-1',
    requestURI: `${ri.path}?x=1&y=2`,
    requestInfo: ri,
    user: alice,
    sourceIPs: ['10.0.0.7'],
    userAgent: 'kubectl/v1.35.0',
    receivedAt: 1714557600000000000n,
    ...extra,
  };
}

async function metric(registry: Registry, name: string): Promise<string> {
  return registry.getSingleMetricAsString(name);
}

test('an ordinary request yields RequestReceived then ResponseComplete', async () => {
  const { auditor, backend, registry } = setup({ rules: [{ level: 'Metadata' }] });
  const rec = auditor.begin(init(podsInfo, { annotations: [['authentication.k8s.io/x', '1']] }));
  assert.ok(rec);
  assert.equal(await rec.requestReceived(), true);
  rec.addAnnotation('authorization.k8s.io/decision', 'allow');
  rec.addAnnotation('authorization.k8s.io/decision', 'forbid'); // first value wins
  rec.addAnnotation('authorization.k8s.io/reason', '');
  rec.responseStarted(201);
  rec.responseComplete();
  rec.responseComplete(); // idempotent
  assert.deepEqual(backend.events.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  const [received, complete] = backend.events;
  assert.ok(received && complete);
  assert.equal(received.stageTimestamp, received.requestReceivedTimestamp);
  assert.ok(complete.stageTimestamp > complete.requestReceivedTimestamp);
  // RequestReceived is emitted before authorization: no authorization annotations yet.
  assert.deepEqual(received.annotations, { 'authentication.k8s.io/x': '1' });
  assert.equal(
    serializeEvent(complete),
    '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-1","stage":"ResponseComplete",' +
      '"requestURI":"/api/v1/namespaces/default/pods?x=1\\u0026y=2","verb":"create",' +
      '"user":{"username":"alice","uid":"a-1","groups":["dev","system:authenticated"],"extra":{"scopes":["x"]}},' +
      '"sourceIPs":["10.0.0.7"],"userAgent":"kubectl/v1.35.0","objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"},' +
      '"responseStatus":{"metadata":{},"code":201},"requestReceivedTimestamp":"2024-05-01T10:00:00.000000Z","stageTimestamp":"2024-05-01T10:00:00.000001Z",' +
      '"annotations":{"authentication.k8s.io/x":"1","authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}',
  );
  assert.match(await metric(registry, 'apiserver_audit_event_total'), /apiserver_audit_event_total 2/);
  assert.match(await metric(registry, 'apiserver_audit_level_total'), /apiserver_audit_level_total\{level="Metadata"\} 1/);
});

test('a long-running request yields three events; a silent one gets the faked status', () => {
  const { auditor, backend } = setup({ rules: [{ level: 'Metadata' }] });
  const rec = auditor.begin(init(watchInfo, { longRunning: true }));
  assert.ok(rec);
  void rec.requestReceived();
  rec.responseStarted(200);
  rec.responseStarted(500); // only the first write counts
  rec.responseComplete();
  assert.deepEqual(backend.events.map((e) => [e.stage, e.responseStatus?.code]), [
    ['RequestReceived', undefined],
    ['ResponseStarted', 200],
    ['ResponseComplete', 200],
  ]);

  backend.events = [];
  const silent = auditor.begin(init(watchInfo, { longRunning: true }));
  assert.ok(silent);
  void silent.requestReceived();
  silent.responseComplete();
  assert.deepEqual(backend.events.map((e) => e.stage), ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
  assert.deepEqual(backend.events[1]?.responseStatus, { code: 200, status: 'Success', message: 'Connection closed early' });

  backend.events = [];
  const short = auditor.begin(init(podsInfo));
  assert.ok(short);
  short.responseComplete();
  assert.deepEqual(backend.events.map((e) => [e.stage, e.responseStatus?.message]), [['ResponseComplete', 'Connection closed early']]);
});

test('level None emits nothing; omitStages are never emitted', async () => {
  const { auditor, backend } = setup({ rules: [{ level: 'None', nonResourceURLs: ['/livez'] }, { level: 'Request', omitStages: ['RequestReceived'] }] });
  assert.equal(auditor.begin(init(livezInfo)), null);
  const rec = auditor.begin(init(watchInfo, { longRunning: true }));
  assert.ok(rec);
  assert.equal(await rec.requestReceived(), true);
  rec.responseStarted(200);
  rec.responseComplete();
  assert.deepEqual(backend.events.map((e) => e.stage), ['ResponseStarted', 'ResponseComplete']);
});

test('Status responses copy status, message, reason, details and code', () => {
  const { auditor, backend } = setup({ rules: [{ level: 'Metadata' }] });
  const rec = auditor.begin(init(podsInfo));
  assert.ok(rec);
  rec.responseComplete({ code: 403, status: 'Failure', reason: 'Forbidden', message: 'nope', details: { kind: 'pods' } });
  assert.deepEqual(backend.events[0]?.responseStatus, { status: 'Failure', message: 'nope', reason: 'Forbidden', details: { kind: 'pods' }, code: 403 });
});

test('request and response objects by level, objectRef filled from metadata, managedFields omitted', () => {
  const body = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1","uid":"u","managedFields":[{"manager":"kubectl"}]}}';
  const meta = setup({ rules: [{ level: 'Metadata' }] });
  const r1 = meta.auditor.begin(init(podsInfo));
  assert.ok(r1);
  r1.setRequestObject(body);
  r1.setResponseObject(body);
  r1.responseComplete({ code: 201 });
  const e1 = meta.backend.events[0];
  assert.equal(e1?.requestObject, undefined);
  assert.equal(e1?.responseObject, undefined);
  assert.deepEqual(e1?.objectRef, { namespace: 'default', name: 'p1', resource: 'pods', subresource: '', apiGroup: '', apiVersion: 'v1', uid: 'u', resourceVersion: '' });

  const req = setup({ rules: [{ level: 'Request' }] });
  const r2 = req.auditor.begin(init(podsInfo));
  assert.ok(r2);
  r2.setRequestObject(body);
  r2.setResponseObject(body);
  r2.responseComplete({ code: 201 });
  assert.equal(req.backend.events[0]?.requestObject, body);
  assert.equal(req.backend.events[0]?.responseObject, undefined);

  const full = setup({ rules: [{ level: 'RequestResponse' }], omitManagedFields: true });
  const r3 = full.auditor.begin(init(podsInfo));
  assert.ok(r3);
  r3.setRequestObject(body);
  r3.setResponseObject(body);
  r3.responseComplete({ code: 201 });
  const stripped = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1","uid":"u"}}';
  assert.equal(full.backend.events[0]?.requestObject, stripped);
  assert.equal(full.backend.events[0]?.responseObject, stripped);

  const patch = setup({ rules: [{ level: 'Request' }] });
  const r4 = patch.auditor.begin(init(podsInfo));
  assert.ok(r4);
  r4.setRequestPatch('[ {"op":"add","path":"/a","value":"<"} ]');
  r4.responseComplete({ code: 200 });
  assert.equal(patch.backend.events[0]?.requestObject, '[{"op":"add","path":"/a","value":"\\u003c"}]');
});

test('impersonated user is recorded; the policy used the authenticated user', () => {
  const { auditor, backend } = setup({ rules: [{ level: 'Metadata', users: ['alice'] }] });
  const rec = auditor.begin(init(podsInfo));
  assert.ok(rec);
  rec.setImpersonatedUser({ name: 'bob', uid: '', groups: ['system:authenticated'], extra: {} });
  rec.responseComplete({ code: 200 });
  assert.deepEqual(backend.events[0]?.impersonatedUser, { username: 'bob', groups: ['system:authenticated'] });
  assert.deepEqual(backend.events[0]?.user.username, 'alice');
});

test('panic emits a Panic event with a 500 InternalError status', () => {
  const { auditor, backend } = setup({ rules: [{ level: 'Metadata' }] });
  const rec = auditor.begin(init(podsInfo));
  assert.ok(rec);
  rec.panic(new Error('boom'));
  rec.responseComplete();
  assert.deepEqual(backend.events.map((e) => e.stage), ['Panic']);
  assert.deepEqual(backend.events[0]?.responseStatus, { code: 500, status: 'Failure', reason: 'InternalError', message: "APIServer panic'd: boom" });
});

test('requestReceived reports a backend failure and counts the rejection', async () => {
  const backend = new Capture();
  backend.result = false;
  const { auditor, registry } = setup({ rules: [{ level: 'Metadata' }] }, backend);
  const rec = auditor.begin(init(podsInfo));
  assert.ok(rec);
  assert.equal(await rec.requestReceived(), false);
  backend.result = 'async-false';
  const rec2 = auditor.begin(init(podsInfo));
  assert.equal(await rec2?.requestReceived(), false);
  assert.match(await metric(registry, 'apiserver_audit_requests_rejected_total'), /apiserver_audit_requests_rejected_total 2/);
});

test('failed authentication: one ResponseStarted event, user {}, no-user policy evaluation', () => {
  const { auditor, backend } = setup({ rules: [{ level: 'RequestResponse', userGroups: ['system:unauthenticated'] }, { level: 'Metadata' }] });
  const message = authenticationFailureMessage({ authorization: 'Bearer abc' });
  assert.equal(message, 'Authentication failed, attempted: bearer');
  auditor.failedAuthentication({ ...init(podsInfo), attemptMessage: message });
  assert.equal(backend.events.length, 1);
  const ev = backend.events[0];
  assert.ok(ev);
  assert.equal(ev.stage, 'ResponseStarted');
  assert.equal(ev.level, 'Metadata');
  assert.deepEqual(ev.user, {});
  // v1.35: the 401 Status written by the failed handler replaces the seeded message.
  assert.deepEqual(ev.responseStatus, { status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  assert.match(serializeEvent(ev), /"user":\{\},"sourceIPs".*"responseStatus":\{"metadata":\{\},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401\}/);

  backend.events = [];
  auditor.failedAuthentication({ ...init(podsInfo), attemptMessage: message, response: { code: 401 } });
  assert.deepEqual(backend.events[0]?.responseStatus, { message: 'Authentication failed, attempted: bearer', code: 401 });

  const omitted = setup({ rules: [{ level: 'Metadata', omitStages: ['ResponseStarted'] }] });
  omitted.auditor.failedAuthentication({ ...init(podsInfo), attemptMessage: message });
  assert.equal(omitted.backend.events.length, 0);
});

test('authenticationFailureMessage lists the attempted methods in kube order', () => {
  const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
  assert.equal(authenticationFailureMessage({}), 'Authentication failed, no credentials provided');
  assert.equal(authenticationFailureMessage({ authorization: basic, clientCertificate: true }), 'Authentication failed, attempted: basic, x509');
  assert.equal(authenticationFailureMessage({ authorization: 'bearer t', accessTokenQuery: 'x' }), 'Authentication failed, attempted: bearer, access_token');
  assert.equal(authenticationFailureMessage({ authorization: 'Bearer' }), 'Authentication failed, no credentials provided');
});

test('audit ID: the request header as is, else a UUID', () => {
  assert.equal(auditIDFromHeaders({ 'audit-id': 'given' }), 'given');
  assert.match(auditIDFromHeaders({}), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('an auditor without a policy records nothing', async () => {
  const backend = new Capture();
  const auditor = createAuditor({ evaluator: null, backend });
  assert.equal(auditor.enabled, false);
  assert.equal(auditor.begin(init(podsInfo)), null);
  auditor.failedAuthentication({ ...init(podsInfo), attemptMessage: 'x' });
  assert.equal(backend.events.length, 0);
  await auditor.shutdown();
});
