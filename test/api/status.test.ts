/** Status bodies and messages, byte for byte. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbidden, forbiddenMessage, internalError, isPrettyPrint, unauthorized } from '../../src/api/status.js';
import type { RequestInfo } from '../../src/request/types.js';

const info = (o: Partial<RequestInfo>): RequestInfo => ({
  isResourceRequest: true, path: '', verb: 'get', apiPrefix: 'api', apiGroup: '', apiVersion: 'v1', namespace: '', resource: '', subresource: '', name: '', parts: [], ...o,
});

test('401 compact and pretty', () => {
  assert.equal(unauthorized(false).body, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}\n');
  assert.equal(
    unauthorized(true).body,
    '{\n  "kind": "Status",\n  "apiVersion": "v1",\n  "metadata": {},\n  "status": "Failure",\n  "message": "Unauthorized",\n  "reason": "Unauthorized",\n  "code": 401\n}',
  );
});

test('forbidden messages for each request kind', () => {
  assert.equal(forbiddenMessage('x', info({ isResourceRequest: false, path: '/apis', verb: 'get' })), 'User "x" cannot get path "/apis"');
  assert.equal(
    forbidden('x', info({ verb: 'get', resource: 'pods', subresource: 'log', name: 'p1', namespace: 'default' }), '', false).statusObject?.message,
    'pods "p1" is forbidden: User "x" cannot get resource "pods/log" in API group "" in the namespace "default"',
  );
  assert.equal(forbidden('x', info({ verb: 'list', resource: 'nodes' }), '', false).statusObject?.message, 'nodes is forbidden: User "x" cannot list resource "nodes" in API group "" at the cluster scope');
  const dep = forbidden('x', info({ verb: 'create', resource: 'deployments', apiGroup: 'apps', namespace: 'ns' }), '', false);
  assert.equal(dep.statusObject?.message, 'deployments.apps is forbidden: User "x" cannot create resource "deployments" in API group "apps" in the namespace "ns"');
  assert.deepEqual(dep.statusObject?.details, { group: 'apps', kind: 'deployments' });
});

test('forbidden: HTML-escaped message, reason appended unescaped, Go JSON escaping', () => {
  const r = forbidden('a<b>&"c', info({ isResourceRequest: false, path: '/x', verb: 'get' }), 'RBAC: <why>', false);
  assert.equal(r.statusObject?.message, 'forbidden: User "a&lt;b&gt;&amp;\\"c" cannot get path "/x": RBAC: <why>');
  assert.ok(r.body.includes('\\u0026lt;') && r.body.includes('\\u003cwhy\\u003e'));
  assert.equal(r.headers['X-Content-Type-Options'], 'nosniff');
});

test('500 for an authorizer error', () => {
  assert.equal(internalError('/apis?x=<1>', 'no user on request.').body, 'Internal Server Error: "/apis?x=&lt;1&gt;": no user on request.\n');
});

test('pretty printing rules', () => {
  const q = (s: string) => new URLSearchParams(s);
  assert.equal(isPrettyPrint(q(''), 'curl/8'), true);
  assert.equal(isPrettyPrint(q(''), 'Wget/1.2'), true);
  assert.equal(isPrettyPrint(q(''), 'Mozilla/5.0 (X11)'), true);
  assert.equal(isPrettyPrint(q(''), 'kubectl/v1.35'), false);
  assert.equal(isPrettyPrint(q('pretty=true'), 'kubectl'), true);
  assert.equal(isPrettyPrint(q('pretty=T'), undefined), true);
  assert.equal(isPrettyPrint(q('pretty=0'), 'curl/8'), false);
  assert.equal(isPrettyPrint(q('pretty=maybe'), 'curl/8'), false);
  assert.equal(isPrettyPrint(q('pretty='), 'curl/8'), true);
});
