/**
 * The review APIs through the real engine and runtime: authorization of the call itself, the
 * objects and Status errors kube-apiserver answers with (byte for byte where the clock allows),
 * and what audit keeps of them.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditor, parseAuditPolicy, PolicyEvaluator, type AuditBackend, type AuditEvent } from '../../src/audit/index.js';
import { authenticatorFunc } from '../../src/authn/types.js';
import { builtinHandler } from '../../src/api/router.js';
import { apiRuntime, json, lsar, message, post, send, SAR, SSAR, SSR, SSRR, TOKEN_REVIEWS } from './helpers.js';

const rt = apiRuntime();
after(() => rt.authentication.close());

/** Replaces the managedFields time, the one value that depends on the clock. */
const untimed = (body: string): string => body.replace(/"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/g, '"time":"T"');

test('SelfSubjectReview: 201 with the caller, creationTimestamp now, empty fields left out', async () => {
  const d = await post(rt, SSR, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, 'alice-token');
  assert.equal(d.response.status, 201);
  assert.equal(d.response.headers['Content-Type'], 'application/json');
  assert.match(
    d.response.body,
    /^\{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io\/v1","metadata":\{"creationTimestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\},"status":\{"userInfo":\{"username":"alice","uid":"1001","groups":\["dev","readers","system:authenticated"\]\}\}\}\n$/,
  );
  const nobody = json(await post(rt, SSR, {}, 'nogroups-token')) as { status: { userInfo: unknown } };
  assert.deepEqual(nobody.status.userInfo, { username: 'nobody', uid: '1002', groups: ['system:authenticated'] });
});

test('the review call is itself authorized: anonymous may not create selfsubjectreviews', async () => {
  const d = await post(rt, SSR, {}, '');
  assert.equal(d.response.status, 403);
  assert.equal(
    message(d),
    'selfsubjectreviews.authentication.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope',
  );
});

test('SelfSubjectAccessReview allowed: the spec echoed, managedFields from the User-Agent, RBAC reason', async () => {
  const d = await post(rt, SSAR, { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } } }, 'alice-token', {
    'user-agent': 'kubectl/v1.35.0 (linux/amd64) kubernetes/abc',
  });
  assert.equal(d.response.status, 201);
  assert.equal(
    untimed(d.response.body),
    '{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"authorization.k8s.io/v1","time":"T","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:resourceAttributes":{".":{},"f:namespace":{},"f:resource":{},"f:verb":{}}}}}]},"spec":{"resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}},"status":{"allowed":true,"reason":"RBAC: allowed by RoleBinding \\"readers-read-pods/default\\" of ClusterRole \\"pod-reader\\" to Group \\"readers\\""}}\n',
  );
});

test('SelfSubjectAccessReview denied: allowed false is always written, an empty reason is not', async () => {
  const d = await post(rt, SSAR, { spec: { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'secrets' } } }, 'alice-token', { 'user-agent': '' });
  assert.equal(d.response.status, 201);
  assert.equal(
    untimed(d.response.body),
    '{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"managedFields":[{"operation":"Update","apiVersion":"authorization.k8s.io/v1","time":"T","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:resourceAttributes":{".":{},"f:namespace":{},"f:resource":{},"f:verb":{}}}}}]},"spec":{"resourceAttributes":{"namespace":"default","verb":"get","resource":"secrets"}},"status":{"allowed":false}}\n',
  );
});

test('SelfSubjectAccessReview for a non-resource path; ?fieldManager names the manager', async () => {
  const d = await post(rt, `${SSAR}?fieldManager=me`, { spec: { nonResourceAttributes: { path: '/livez', verb: 'get' } } }, 'alice-token');
  const body = json(d) as { metadata: { managedFields: { manager: string }[] }; status: unknown };
  assert.equal(body.metadata.managedFields[0]?.manager, 'me');
  assert.deepEqual(body.status, {
    allowed: true,
    reason: 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:authenticated"',
  });
});

test('SelfSubjectAccessReview validation: 422 with the internal kind left empty, one cause per error', async () => {
  const none = await post(rt, SSAR, { spec: {} }, 'alice-token');
  assert.equal(none.response.status, 422);
  assert.equal(
    none.response.body,
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":".authorization.k8s.io \\"\\" is invalid: spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified","reason":"Invalid","details":{"group":"authorization.k8s.io","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified","field":"spec.resourceAttributes"}]},"code":422}\n',
  );
  const both = await post(rt, SSAR, { spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } } }, 'alice-token');
  assert.equal(message(both), '.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: {"Path":"/x","Verb":"get"}: cannot be specified in combination with resourceAttributes');
  const named = await post(rt, SSAR, { metadata: { name: 'x' }, spec: { resourceAttributes: { verb: 'get' } } }, 'alice-token');
  assert.equal(named.response.status, 422);
  assert.match(message(named), /^\.authorization\.k8s\.io "" is invalid: metadata: Invalid value: \{"name":"x",.*\}: must be empty$/);
  // A cluster-scoped object's namespace is cleared, system fields are wiped: neither is an error.
  const cleared = await post(rt, SSAR, { metadata: { namespace: 'ns', uid: 'u', creationTimestamp: '2020-01-01T00:00:00Z' }, spec: { resourceAttributes: { verb: 'get' } } }, 'alice-token');
  assert.equal(cleared.response.status, 201);
});

test('selectors: both forms is 422; an unparsable one is ignored with a note in evaluationError', async () => {
  const bad = await post(rt, SSAR, { spec: { resourceAttributes: { verb: 'list', resource: 'pods', fieldSelector: { rawSelector: 'a=b', requirements: [{ key: 'a', operator: 'In', values: ['b'] }] } } } }, 'alice-token');
  assert.equal(message(bad), '.authorization.k8s.io "" is invalid: spec.resourceAttributes.fieldSelector.rawSelector: Invalid value: "a=b": may not specified at the same time as requirements');
  const empty = await post(rt, SSAR, { spec: { resourceAttributes: { verb: 'list', resource: 'pods', labelSelector: {} } } }, 'alice-token');
  assert.equal(
    message(empty),
    '.authorization.k8s.io "" is invalid: spec.resourceAttributes.labelSelector.requirements: Required value: when spec.resourceAttributes.labelSelector is specified, requirements or rawSelector is required',
  );
  const ignored = await post(rt, SSAR, { spec: { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods', fieldSelector: { rawSelector: 'key in value' }, labelSelector: { rawSelector: '&' } } } }, 'alice-token');
  assert.equal(
    (json(ignored) as { status: { evaluationError: string } }).status.evaluationError,
    'spec.resourceAttributes.fieldSelector ignored due to parse error; spec.resourceAttributes.labelSelector ignored due to parse error',
  );
  const partial = await post(
    rt,
    SSAR,
    { spec: { resourceAttributes: { verb: 'list', resource: 'pods', labelSelector: { requirements: [{ key: 'a', operator: 'In', values: ['b'] }, { key: 'c', operator: 'Near', values: ['d'] }] } } } },
    'alice-token',
  );
  assert.equal((json(partial) as { status: { evaluationError: string } }).status.evaluationError, 'spec.resourceAttributes.labelSelector partially ignored due to parse error');
  const keys = await post(rt, SSAR, { spec: { resourceAttributes: { verb: 'list', labelSelector: { requirements: [{ key: 'a/b/c', operator: 'Exists', values: ['x'] }] } } } }, 'alice-token');
  assert.equal(keys.response.status, 422);
  assert.match(message(keys), /requirements\[0\]\.values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'/);
  assert.match(message(keys), /requirements\[0\]\.key: Invalid value: "a\/b\/c": a qualified name must consist of alphanumeric characters/);
});

test('SubjectAccessReview: evaluated for the named subject; user or groups required', async () => {
  const d = await post(rt, SAR, { spec: { user: 'carol', groups: ['readers'], resourceAttributes: { namespace: 'default', verb: 'watch', resource: 'pods' } } }, 'admin-token');
  assert.equal(d.response.status, 201);
  assert.deepEqual((json(d) as { status: unknown }).status, {
    allowed: true,
    reason: 'RBAC: allowed by RoleBinding "readers-read-pods/default" of ClusterRole "pod-reader" to Group "readers"',
  });
  const nobody = await post(rt, SAR, { spec: { nonResourceAttributes: { path: '/x' } } }, 'admin-token');
  assert.equal(message(nobody), '.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
  const forbidden = await post(rt, SAR, { spec: { user: 'x', nonResourceAttributes: { path: '/x' } } }, 'alice-token');
  assert.equal(forbidden.response.status, 403);
});

test('LocalSubjectAccessReview: the namespace comes from the path and must match', async () => {
  const ok = await post(rt, lsar('default'), { spec: { user: 'carol', groups: ['readers'], resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } } }, 'admin-token');
  assert.equal(ok.response.status, 201);
  const body = json(ok) as { metadata: Record<string, unknown>; status: { allowed: boolean } };
  assert.equal(body.metadata['namespace'], 'default');
  assert.equal(body.status.allowed, true);
  const spec = await post(rt, lsar('default'), { spec: { user: 'carol', resourceAttributes: { namespace: 'other', verb: 'get' } } }, 'admin-token');
  assert.equal(message(spec), '.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace');
  const meta = await post(rt, lsar('default'), { metadata: { namespace: 'other' }, spec: { user: 'carol', resourceAttributes: { namespace: 'other' } } }, 'admin-token');
  assert.equal(meta.response.status, 400);
  assert.equal(message(meta), 'the namespace of the provided object does not match the namespace sent on the request');
  const nonResource = await post(rt, lsar('default'), { spec: { user: 'carol', nonResourceAttributes: { path: '/x' } } }, 'admin-token');
  assert.equal(message(nonResource), '.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: {"Path":"/x","Verb":""}: disallowed on this kind of request');
});

test('SelfSubjectRulesReview: a new object (spec not echoed), rules from RBAC, incomplete false', async () => {
  const d = await post(rt, SSRR, { spec: { namespace: 'default' } }, 'alice-token');
  assert.equal(d.response.status, 201);
  const body = json(d) as { metadata: unknown; spec: unknown; status: { resourceRules: unknown[]; nonResourceRules: unknown[]; incomplete: boolean } };
  assert.deepEqual(body.metadata, {});
  assert.deepEqual(body.spec, {});
  assert.equal(body.status.incomplete, false);
  for (const rule of [
    { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
    { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] },
  ]) {
    assert.ok(body.status.resourceRules.some((r) => JSON.stringify(r) === JSON.stringify(rule)), JSON.stringify(rule));
  }
  assert.ok(body.status.nonResourceRules.length > 0);
  assert.ok(d.response.body.indexOf('"resourceRules"') < d.response.body.indexOf('"nonResourceRules"'));
  const none = await post(rt, SSRR, { spec: {} }, 'alice-token');
  assert.equal(none.response.status, 400);
  assert.equal(message(none), 'no namespace on request');
});

test('SelfSubjectRulesReview under Node,RBAC: a node is told its rules are incomplete', async () => {
  const nodeRt = apiRuntime({ authorizationModes: ['Node,RBAC'], tokenAuthFile: new URL('../fixtures/tokens.csv', import.meta.url).pathname });
  try {
    const d = await post(nodeRt, SSRR, { spec: { namespace: 'default' } }, 'alice-token');
    assert.equal((json(d) as { status: { incomplete: boolean } }).status.incomplete, false);
  } finally {
    nodeRt.authentication.close();
  }
});

test('TokenReview: through the token authenticators, errors in status, audiences passed to them', async () => {
  const ok = json(await post(rt, TOKEN_REVIEWS, { spec: { token: 'alice-token' } }, 'admin-token')) as { spec: unknown; status: unknown };
  assert.deepEqual(ok.spec, { token: 'alice-token' });
  assert.deepEqual(ok.status, { authenticated: true, user: { username: 'alice', uid: '1001', groups: ['dev', 'readers', 'system:authenticated'] } });
  const bad = await post(rt, TOKEN_REVIEWS, { spec: { token: 'nope' } }, 'admin-token');
  assert.equal(bad.response.status, 201);
  assert.deepEqual((json(bad) as { status: unknown }).status, { user: {}, error: 'invalid bearer token' });
  const empty = await post(rt, TOKEN_REVIEWS, { spec: {} }, 'admin-token');
  assert.equal(message(empty), 'token is required for TokenReview in authentication');
  // The token file answers only for the API audiences (none here): no opinion, so the bearer authenticator's error.
  const aud = await post(rt, TOKEN_REVIEWS, { spec: { token: 'alice-token', audiences: ['api'] } }, 'admin-token');
  assert.equal(aud.response.status, 201);
  assert.deepEqual((json(aud) as { status: unknown }).status, { user: {}, error: 'invalid bearer token' });
  // With them, the answer is for the audiences both name; without spec.audiences, for the API's.
  const apiRt = apiRuntime({ apiAudiences: ['api', 'extra'] });
  try {
    const both = json(await post(apiRt, TOKEN_REVIEWS, { spec: { token: 'alice-token', audiences: ['other', 'extra', 'api'] } }, 'admin-token')) as { status: { audiences?: unknown } };
    assert.deepEqual(both.status.audiences, ['extra', 'api']);
    const implicit = json(await post(apiRt, TOKEN_REVIEWS, { spec: { token: 'alice-token' } }, 'admin-token')) as { status: { audiences?: unknown } };
    assert.deepEqual(implicit.status.audiences, ['api', 'extra']);
  } finally {
    apiRt.authentication.close();
  }
  // An authenticator that answers for other audiences than asked for: kube's 500.
  const aware = apiRuntime();
  const stub = authenticatorFunc('aware', () => ({ kind: 'authenticated', authenticator: 'aware', user: { name: 'u', uid: '', groups: ['system:masters'], extra: {} }, audiences: ['elsewhere'] }));
  const awareRt = { ...aware, snapshot: { ...aware.snapshot, handler: builtinHandler({ health: [], serverAddress: '127.0.0.1:6443', reviews: { authorizer: aware.authorization.authorizer, ruleResolver: aware.authorization.ruleResolver, authenticator: stub } }) } };
  try {
    const wrong = await post(awareRt, TOKEN_REVIEWS, { spec: { token: 'x', audiences: ['api'] } }, 'admin-token');
    assert.equal(wrong.response.status, 500);
    assert.equal(
      wrong.response.body,
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: error validating audiences","reason":"InternalError","details":{"causes":[{"message":"error validating audiences"}]},"code":500}\n',
    );
  } finally {
    aware.authentication.close();
  }
  assert.equal((await post(rt, TOKEN_REVIEWS, { spec: { token: 'x' } }, 'alice-token')).response.status, 403);
});

test('routing: a wrong method on a review path is 405, unknown paths under a served group 404 Status', async () => {
  const get = await send(rt, SSAR, { token: 'admin-token' });
  assert.equal(get.response.status, 405);
  assert.equal(get.response.body, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server does not allow this method on the requested resource","reason":"MethodNotAllowed","details":{},"code":405}\n');
  // RBAC first: alice may not list the reviews, so she never learns the method is wrong.
  assert.equal((await send(rt, SSAR, { token: 'alice-token' })).response.status, 403);
  const cluster = await send(rt, '/apis/authorization.k8s.io/v1/localsubjectaccessreviews', { method: 'POST', token: 'admin-token' });
  assert.equal(cluster.response.status, 404);
  assert.equal(message(cluster), 'the server could not find the requested resource');
  const named = await send(rt, `${SSAR}/x`, { method: 'POST', token: 'admin-token' });
  assert.equal(named.response.status, 404);
  assert.equal((await send(rt, `${SSAR}/`, { method: 'POST', token: 'alice-token', body: '{"spec":{"nonResourceAttributes":{"path":"/x"}}}', headers: { 'content-type': 'application/json' } })).response.status, 201);
});

test('audit at RequestResponse keeps the decoded request object and the answer', async () => {
  const events: AuditEvent[] = [];
  const backend: AuditBackend = { name: 'capture', process: (e) => (events.push(...e), true), shutdown: async () => undefined };
  const policy = parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: RequestResponse\n').policy;
  const snapshot = { ...rt.snapshot, auditor: createAuditor({ evaluator: new PolicyEvaluator(policy), backend }) };
  const audited = { ...rt, snapshot };
  await post(audited, SSAR, { kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/version', verb: 'get' } } }, 'alice-token');
  const e = events[0];
  assert.ok(e);
  assert.equal(e.requestObject, '{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{},"spec":{"nonResourceAttributes":{"path":"/version","verb":"get"}},"status":{"allowed":false}}');
  assert.match(e.responseObject ?? '', /"status":\{"allowed":true,"reason":"RBAC: allowed by ClusterRoleBinding/);
  assert.equal(e.objectRef?.resource, 'selfsubjectaccessreviews');
  assert.equal(e.objectRef?.apiGroup, 'authorization.k8s.io');
});
