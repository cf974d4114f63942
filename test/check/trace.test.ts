/**
 * The check library over the bundled hardened example: the `-o json` shape key for key, the
 * stage explanations (anonymous conditions, the RBAC binding → role → rule, asserted identities,
 * rejected credentials), audit events captured in memory, and input that could never be sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChecker } from '../../src/check/trace.js';
import { requestHeaders } from '../../src/check/request.js';
import type { ServeOptions } from '../../src/snapshot.js';
import { defaultAuditOptions } from '../../src/audit/index.js';
import { makePki } from '../helpers/tls.js';

const EX = new URL('../../examples/hardened/', import.meta.url).pathname;
const base: ServeOptions = {
  securePort: 6443,
  bindAddress: '127.0.0.1',
  certDir: '.doorman/certs',
  anonymousAuth: { set: false, value: true },
  authorizationModes: ['RBAC'],
  authenticationConfig: `${EX}authentication-config.yaml`,
  tokenAuthFile: `${EX}tokens.csv`,
  rbacObjects: [`${EX}rbac.yaml`],
  shutdownDelayMs: 0,
};
const hardened = createChecker(base);

test('-o json has exactly the documented keys', async () => {
  const { json } = await hardened.check({ method: 'GET', url: '/livez', identity: {} });
  assert.deepEqual(Object.keys(json), ['requestInfo', 'authentication', 'authorization', 'response', 'auditEvents']);
  assert.deepEqual(Object.keys(json.authentication), ['authenticator', 'user', 'error']);
  assert.deepEqual(Object.keys(json.authorization ?? {}), ['decision', 'authorizer', 'reason']);
  assert.deepEqual(Object.keys(json.response), ['code', 'headers', 'body']);
  assert.deepEqual(json.authentication, { authenticator: 'anonymous', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, error: null });
  assert.deepEqual(json.authorization, {
    decision: 'allow',
    authorizer: 'rbac',
    reason: 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"',
  });
  assert.equal(json.response.code, 200);
  assert.equal(json.response.body, 'ok');
  assert.equal(json.response.headers['Cache-Control'], 'no-cache, private');
  assert.equal(json.requestInfo?.verb, 'get');
});

test('the hardened /apis 401, explained: anonymous is not allowed there', async () => {
  const { json, stages } = await hardened.check({ method: 'GET', url: '/apis', identity: {} });
  assert.equal(json.response.code, 401);
  assert.deepEqual(json.authentication, { authenticator: null, user: null, error: 'anonymous not allowed on /apis: conditions are /livez, /readyz, /healthz' });
  assert.equal(json.authorization, null);
  assert.equal(stages.authentication, 'none: no credentials; anonymous not allowed on /apis: conditions are /livez, /readyz, /healthz');
  assert.equal(stages.authorization, 'not reached: the request is not authenticated (401)');
  assert.equal(stages.request, 'GET /apis → non-resource path "/apis", verb get');
  assert.match(stages.response, /^401 Unauthorized application\/json \{"kind":"Status",.*"code":401\}$/);
});

test('the RBAC trace: binding → role → rule, and the subject that matched', async () => {
  const { stages } = await hardened.check({ method: 'GET', url: '/api/v1/namespaces/default/pods/web/log', identity: { token: 'example-alice-token' } });
  assert.equal(stages.request, 'GET /api/v1/namespaces/default/pods/web/log → get pods/log "web" in namespace "default" (API group "", version v1)');
  assert.equal(stages.authentication, 'token-file: user "alice", uid "1001", groups dev, readers, system:authenticated');
  assert.equal(stages.authorization, 'allow by rbac: RoleBinding "default/readers-read-pods" → ClusterRole "pod-reader" → rule [get, list, watch] on pods, pods/log in API group "" (subject Group "readers")');
  const denied = await hardened.check({ method: 'DELETE', url: '/api/v1/namespaces/default/pods/web', identity: { token: 'example-alice-token' } });
  assert.equal(denied.json.authorization?.decision, 'forbid');
  assert.equal(denied.json.authorization?.authorizer, '');
  assert.match(denied.stages.authorization, /^forbid: no authorizer allowed it; RBAC gives "alice" \d+ rules here, none allows delete on pods$/);
});

test('rejected credentials, Basic auth, and an asserted identity', async () => {
  const bad = await hardened.check({ method: 'GET', url: '/livez', identity: { token: 'wrong' } });
  assert.deepEqual(bad.json.authentication, { authenticator: null, user: null, error: 'invalid bearer token' });
  assert.equal(bad.stages.authentication, 'rejected: invalid bearer token (a rejected credential is never downgraded to anonymous)');
  const basic = await hardened.check({ method: 'GET', url: '/apis', identity: {}, headers: ['Authorization: Basic YWxpY2U6cHc='] });
  assert.match(basic.stages.authentication, /^none: Authorization "Basic" is not a credential kube-apiserver accepts; anonymous not allowed on \/apis/);
  const admin = await hardened.check({ method: 'GET', url: '/apis/apps/v1/deployments', identity: { user: { name: 'root', groups: ['system:masters'], uid: '' } } });
  assert.deepEqual(admin.json.authentication, { authenticator: 'asserted', user: { username: 'root', groups: ['system:masters', 'system:authenticated'] }, error: null });
  assert.equal(admin.stages.authentication, 'skipped: asserted identity (--user), user "root", groups system:masters, system:authenticated');
  assert.equal(admin.stages.authorization, 'allow by system-privileged-group.authorizer.kubernetes.io: the user is in group system:masters');
  assert.equal(admin.json.response.code, 404);
});

test('audit events are captured in memory: nothing is written to --audit-log-path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-check-audit-'));
  const audit = defaultAuditOptions();
  audit.policyFile = `${EX}audit-policy.yaml`;
  audit.log.path = join(dir, 'audit.log');
  const checker = createChecker({ ...base, audit });
  const { json, stages } = await checker.check({ method: 'GET', url: '/livez', identity: {}, headers: ['Audit-ID: abc', 'User-Agent: kube-probe/1.35'], sourceIP: '10.0.0.7' });
  assert.equal(json.auditEvents.length, 1, 'the example policy omits RequestReceived');
  const ev = json.auditEvents[0] as Record<string, unknown>;
  assert.equal(ev['kind'], 'Event');
  assert.equal(ev['auditID'], 'abc');
  assert.equal(ev['stage'], 'ResponseComplete');
  assert.deepEqual(ev['sourceIPs'], ['10.0.0.7']);
  assert.equal(ev['userAgent'], 'kube-probe/1.35');
  assert.equal(stages.audit, 'level Metadata, 1 event: ResponseComplete; annotation decision=allow');
  assert.equal(json.response.headers['Audit-Id'], 'abc');
  assert.equal(existsSync(audit.log.path), false);
  const failed = await checker.check({ method: 'GET', url: '/apis', identity: {} });
  assert.deepEqual((failed.json.auditEvents as { stage: string }[]).map((e) => e.stage), ['ResponseStarted']);
});

test('a client certificate is never asked for without --client-ca-file; with it, it authenticates', async () => {
  const pki = makePki();
  const dir = mkdtempSync(join(tmpdir(), 'doorman-check-cert-'));
  const { writeFileSync } = await import('node:fs');
  const certFile = join(dir, 'bob.crt');
  writeFileSync(certFile, pki.client('bob', ['readers']).certPem);
  const none = await hardened.check({ method: 'GET', url: '/apis', identity: { clientCertFile: certFile } });
  assert.match(none.stages.authentication, /the client certificate is never asked for \(--client-ca-file is not set\)/);
  const withCA = createChecker({ ...base, clientCAFile: pki.files.clientCA });
  const bob = await withCA.check({ method: 'GET', url: '/api/v1/namespaces/default/pods', identity: { clientCertFile: certFile } });
  assert.equal(bob.json.authentication.authenticator, 'x509');
  assert.equal(bob.json.authentication.user?.username, 'bob');
  assert.equal(bob.json.response.code, 404, 'allowed by the readers binding, then not served');
});

test('input that could never be sent is refused with one line naming it', async () => {
  const cases: [Parameters<typeof hardened.check>[0], RegExp][] = [
    [{ method: 'FETCH', url: '/apis', identity: {} }, /^unknown method "FETCH"/],
    [{ method: 'GET', url: 'apis', identity: {} }, /^malformed URL "apis": give a path starting with "\/"/],
    [{ method: 'GET', url: '/a b', identity: {} }, /^malformed URL "\/a b": whitespace/],
    [{ method: 'GET', url: '/apis', identity: {}, headers: ['NoColon'] }, /^malformed header "NoColon"/],
    [{ method: 'GET', url: '/apis', identity: { token: 't', user: { name: 'u', groups: [], uid: '' } } }, /^--user asserts an identity/],
    [{ method: 'GET', url: '/apis', identity: { clientCertFile: '/no/such.crt' } }, /^--client-cert \/no\/such\.crt: no such file or directory$/],
  ];
  for (const [req, want] of cases) await assert.rejects(hardened.check(req), (e: Error) => want.test(e.message) && !e.message.includes('\n'), want.source);
  // An absolute URL is its origin-form; a bad escape is the server's 400, not an input error.
  assert.equal((await hardened.check({ method: 'get', url: 'https://127.0.0.1:6443/livez#x', identity: {} })).json.response.code, 200);
  assert.equal((await hardened.check({ method: 'GET', url: '/livez%zz', identity: {} })).json.response.code, 400);
});

test('impersonation flags become the headers kubectl sends, and the trace says how it went', async () => {
  const admin = await hardened.check({ method: 'GET', url: '/api/v1/namespaces/default/pods', identity: { token: 'example-admin-token', as: 'jane', asGroups: ['readers'] } });
  assert.equal(admin.stages.authentication, 'token-file: user "admin", uid "1000", groups system:masters, system:authenticated; impersonates user "jane", groups readers, system:authenticated');
  assert.match(admin.stages.authorization, /^allow by rbac: RoleBinding "default\/readers-read-pods" → ClusterRole "pod-reader"/, 'decided for jane');
  const alice = await hardened.check({ method: 'GET', url: '/apis', identity: { token: 'example-alice-token', as: 'jane' } });
  assert.equal(alice.stages.authentication, 'token-file: user "alice", uid "1001", groups dev, readers, system:authenticated; asks to impersonate user "jane"');
  assert.equal(alice.stages.authorization, 'not reached: impersonation refused (403): users "jane" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
  assert.deepEqual(requestHeaders({ identity: { as: 'jane', asGroups: ['a', 'b'], asUid: '42' }, headers: ['X-Other: 1'] }), {
    'x-other': '1',
    'impersonate-user': 'jane',
    'impersonate-group': ['a', 'b'],
    'impersonate-uid': '42',
  });
});
