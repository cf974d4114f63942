/** The engine on its own: ordering of stages, the panic path, and what each stage records. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, wireHeaders, type EngineSnapshot } from '../src/engine.js';
import { anonymousAuthenticator } from '../src/authn/anonymous.js';
import { authenticatorFunc, type AuthnRequest } from '../src/authn/types.js';
import { AlwaysAllowAuthorizer } from '../src/authz/builtin.js';
import { createAuditor, PolicyEvaluator, parseAuditPolicy, type AuditEvent, type AuditBackend } from '../src/audit/index.js';

function capture(): AuditBackend & { events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return { name: 'capture', events, process: (e) => (events.push(...e), true), shutdown: async () => undefined };
}

function snapshot(handler: EngineSnapshot['handler'], backend: AuditBackend): EngineSnapshot {
  const policy = parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n').policy;
  return {
    authenticator: anonymousAuthenticator(),
    authorizer: new AlwaysAllowAuthorizer(),
    handler,
    auditor: createAuditor({ evaluator: new PolicyEvaluator(policy), backend }),
  };
}

const req = { method: 'GET', target: '/boom', headers: {}, remoteAddress: '10.1.2.3' };

test('a handler that throws: Panic event, the panic 500, and the error kept for the log', async () => {
  const backend = capture();
  const d = await decide(snapshot(() => { throw new Error('kaboom'); }, backend), req);
  assert.equal(d.response.status, 500);
  assert.equal(d.response.body, 'This request caused apiserver to panic. Look in the logs for details.\n');
  assert.match(d.panic ?? '', /kaboom/);
  assert.ok(!d.response.body.includes('kaboom'));
  assert.deepEqual(backend.events.map((e) => e.stage), ['RequestReceived', 'Panic']);
  assert.equal(backend.events[1]?.responseStatus?.code, 500);
});

test('a normal request: RequestReceived without authorization annotations, ResponseComplete with them', async () => {
  const backend = capture();
  const d = await decide(snapshot(() => ({ status: 200, headers: {}, body: 'fine' }), backend), req);
  assert.equal(d.response.status, 200);
  assert.equal(wireHeaders(d)['Cache-Control'], 'no-cache, private');
  assert.equal(wireHeaders(d)['Audit-Id'], d.auditID);
  assert.deepEqual(backend.events.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  assert.equal(backend.events[0]?.annotations, undefined);
  assert.equal(backend.events[1]?.annotations?.['authorization.k8s.io/decision'], 'allow');
  assert.deepEqual(backend.events[1]?.sourceIPs, ['10.1.2.3']);
});

test('answers before request info carry no Cache-Control (kube-apiserver adds it in a later filter)', async () => {
  const backend = capture();
  const snap = snapshot(() => ({ status: 200, headers: {}, body: 'fine' }), backend);
  const bad = await decide(snap, { ...req, target: '/a%zz' });
  assert.equal(bad.response.status, 400);
  assert.equal(wireHeaders(bad)['Cache-Control'], undefined);
  const early = await decide(snap, { ...req, target: '/api/v1/watch' });
  assert.equal(early.response.status, 500);
  assert.equal(wireHeaders(early)['Cache-Control'], undefined);
  assert.deepEqual(backend.events, [], 'no audit before request info');
});

test('--api-audiences: every credential is presented for them; a success for none of them is refused (401)', async () => {
  const seen: AuthnRequest[] = [];
  const answering = (audiences?: string[]): EngineSnapshot['authenticator'] =>
    authenticatorFunc('t', (r) => {
      seen.push(r);
      return { kind: 'authenticated', authenticator: 't', user: { name: 'u', uid: '', groups: [], extra: {} }, ...(audiences ? { audiences } : {}) };
    });
  const base = { authorizer: new AlwaysAllowAuthorizer(), handler: () => ({ status: 200, headers: {}, body: 'fine' }) };
  assert.equal((await decide({ ...base, authenticator: answering() }, req)).response.status, 200);
  assert.ok(!('audiences' in (seen[0] ?? {})), 'without API audiences the request names none');
  const withAuds = { ...base, apiAudiences: ['api'] };
  assert.equal((await decide({ ...withAuds, authenticator: answering() }, req)).response.status, 200);
  assert.deepEqual(seen[1]?.audiences, ['api']);
  assert.equal((await decide({ ...withAuds, authenticator: answering(['x', 'api']) }, req)).response.status, 200);
  const refused = await decide({ ...withAuds, authenticator: answering(['other']) }, req);
  assert.equal(refused.response.status, 401);
  assert.deepEqual(refused.authentication, { kind: 'error', message: 'unable to match the audience: [other] , accepted: [api]' });
});
