/**
 * The seed scenario over real TLS: default (anonymous everywhere, RBAC decides) and hardened
 * (anonymous only on the health paths), checked byte for byte.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makePki, httpsRequest, type TestPki } from '../helpers/tls.js';
import { startDoorman, type TestServer } from '../helpers/doorman.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const UNAUTHORIZED = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}\n';
const FORBIDDEN_APIS =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \\"system:anonymous\\" cannot get path \\"/apis\\"","reason":"Forbidden","details":{},"code":403}\n';

let pki: TestPki;
before(() => {
  pki = makePki();
});

describe('default: anonymous on every path, RBAC decides', () => {
  let s: TestServer;
  before(async () => {
    s = await startDoorman(pki, { authorizationModes: ['RBAC'], tokenAuthFile: `${FIXTURES}tokens.csv` });
  });
  after(() => s.close());

  test('GET /livez answers ok to system:anonymous', async () => {
    const r = await httpsRequest(s.port, s.ca, '/livez');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['cache-control'], 'no-cache, private');
    assert.match(String(r.headers['audit-id']), /^[0-9a-f-]{36}$/);
  });

  test('GET /apis is 403 for system:anonymous, byte for byte', async () => {
    const r = await httpsRequest(s.port, s.ca, '/apis');
    assert.equal(r.status, 403);
    assert.equal(r.body, FORBIDDEN_APIS);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['cache-control'], 'no-cache, private');
  });

  test('GET /version is public info', async () => {
    const r = await httpsRequest(s.port, s.ca, '/version');
    assert.equal(r.status, 200);
    const v = JSON.parse(r.body) as Record<string, string>;
    assert.deepEqual(Object.keys(v), [
      'major', 'minor', 'emulationMajor', 'emulationMinor', 'minCompatibilityMajor', 'minCompatibilityMinor',
      'gitVersion', 'gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform',
    ]);
    assert.match(r.body, /^\{\n {2}"major": "1",\n/);
  });

  test('HEAD /healthz is verb head, which get does not grant', async () => {
    const r = await httpsRequest(s.port, s.ca, '/healthz', { method: 'HEAD' });
    assert.equal(r.status, 403);
  });

  test('curl and ?pretty pretty-print; ?pretty=false wins over the user agent', async () => {
    const curl = await httpsRequest(s.port, s.ca, '/apis', { headers: { 'User-Agent': 'curl/8.0' } });
    assert.equal(curl.body, JSON.stringify(JSON.parse(FORBIDDEN_APIS), null, 2));
    const off = await httpsRequest(s.port, s.ca, '/apis?pretty=false', { headers: { 'User-Agent': 'curl/8.0' } });
    assert.equal(off.body, FORBIDDEN_APIS);
    const on = await httpsRequest(s.port, s.ca, '/apis?pretty=1');
    assert.equal(on.body, JSON.stringify(JSON.parse(FORBIDDEN_APIS), null, 2));
  });

  test('an incoming Audit-ID is echoed', async () => {
    const r = await httpsRequest(s.port, s.ca, '/livez', { headers: { 'Audit-ID': 'my-audit-id' } });
    assert.equal(r.headers['audit-id'], 'my-audit-id');
  });

  test('a bad bearer token is 401 even where anonymous is allowed', async () => {
    const r = await httpsRequest(s.port, s.ca, '/livez', { headers: { Authorization: 'Bearer wrong' } });
    assert.equal(r.status, 401);
    assert.equal(r.body, UNAUTHORIZED);
    assert.equal(r.headers['x-content-type-options'], undefined);
    assert.equal(r.headers['www-authenticate'], undefined);
  });

  test('Basic is not a credential: it falls through to anonymous', async () => {
    const r = await httpsRequest(s.port, s.ca, '/livez', { headers: { Authorization: 'Basic YWxpY2U6cHc=' } });
    assert.equal(r.status, 200);
  });

  test('a token user is authenticated and gets system:authenticated', async () => {
    const apis = await httpsRequest(s.port, s.ca, '/apis', { headers: { Authorization: 'Bearer alice-token' } });
    assert.equal(apis.status, 200);
    const denied = await httpsRequest(s.port, s.ca, '/api/v1/namespaces/kube-system/pods', { headers: { Authorization: 'Bearer alice-token' } });
    assert.equal(denied.status, 403);
    assert.equal(
      denied.body,
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \\"alice\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"kube-system\\"","reason":"Forbidden","details":{"kind":"pods"},"code":403}\n',
    );
  });

  test('system:masters may do anything; unserved paths are 404 after authorization', async () => {
    // apps/v1 is listed in discovery, so its paths belong to an API web service: kube's Status 404.
    const r = await httpsRequest(s.port, s.ca, '/apis/apps/v1/namespaces/ns/deployments/web', { headers: { Authorization: 'Bearer admin-token' } });
    assert.equal(r.status, 404);
    assert.equal(r.body, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}\n');
    // A group nobody serves falls through to Go's plain not-found handler.
    const plain = await httpsRequest(s.port, s.ca, '/apis/example.com/v1/things', { headers: { Authorization: 'Bearer admin-token' } });
    assert.equal(plain.status, 404);
    assert.equal(plain.body, '404 page not found\n');
    const anon = await httpsRequest(s.port, s.ca, '/nothing-here');
    assert.equal(anon.status, 403);
  });

  test('extra space before the bearer token: ignored, with a warning', async () => {
    const r = await httpsRequest(s.port, s.ca, '/livez', { headers: { Authorization: 'Bearer  alice-token' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['warning'], '299 - "the provided Authorization header contains extra space before the bearer token, and is ignored"');
  });

  test('resource 403 with a name and a group', async () => {
    const r = await httpsRequest(s.port, s.ca, '/apis/apps/v1/namespaces/ns/deployments/web', { headers: { Authorization: 'Bearer alice-token' } });
    assert.equal(r.status, 403);
    const body = JSON.parse(r.body) as { message: string; details: unknown };
    assert.equal(body.message, 'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in the namespace "ns"');
    assert.deepEqual(body.details, { name: 'web', group: 'apps', kind: 'deployments' });
    assert.ok(r.body.indexOf('"name"') < r.body.indexOf('"group"'));
  });
});

describe('hardened: anonymous only on /livez, /readyz, /healthz', () => {
  let s: TestServer;
  before(async () => {
    s = await startDoorman(pki, {
      authorizationModes: ['RBAC'],
      authenticationConfig: `${FIXTURES}authn-hardened.yaml`,
      tokenAuthFile: `${FIXTURES}tokens.csv`,
    });
  });
  after(() => s.close());

  for (const path of ['/livez', '/readyz', '/healthz', '/livez?verbose', '/readyz?exclude=log', '/%6civez']) {
    test(`GET ${path} → 200`, async () => {
      const r = await httpsRequest(s.port, s.ca, path);
      assert.equal(r.status, 200, r.body);
    });
  }

  for (const path of ['/apis', '/version', '/livez/ping', '/healthz/', '/LIVEZ', '/livez%2F', '/api', '/']) {
    test(`GET ${path} → 401`, async () => {
      const r = await httpsRequest(s.port, s.ca, path);
      assert.equal(r.status, 401);
      assert.equal(r.body, UNAUTHORIZED);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers['cache-control'], 'no-cache, private');
    });
  }

  test('GET /apis with curl: the pretty 401', async () => {
    const r = await httpsRequest(s.port, s.ca, '/apis', { headers: { 'User-Agent': 'curl/8.5.0' } });
    assert.equal(r.body, JSON.stringify(JSON.parse(UNAUTHORIZED), null, 2));
  });

  test('authenticated users still reach everything RBAC allows', async () => {
    const r = await httpsRequest(s.port, s.ca, '/version', { headers: { Authorization: 'Bearer alice-token' } });
    assert.equal(r.status, 200);
  });

  test('Basic on a non-health path is not a credential: 401', async () => {
    const r = await httpsRequest(s.port, s.ca, '/apis', { headers: { Authorization: 'Basic YWxpY2U6cHc=' } });
    assert.equal(r.status, 401);
  });

  test('bad percent-encoding is 400, never anonymous', async () => {
    const r = await httpsRequest(s.port, s.ca, '/livez%zz');
    assert.equal(r.status, 400);
  });

  test('verbose health output', async () => {
    const r = await httpsRequest(s.port, s.ca, '/readyz?verbose&exclude=log&exclude=etcd');
    assert.equal(r.body, '[+]ping ok\n[+]log excluded: ok\n[+]shutdown ok\nwarn: some health checks cannot be excluded: no matches for "etcd"\nreadyz check passed\n');
  });
});

describe('websocket protocol tokens over TLS', () => {
  let s: TestServer;
  before(async () => {
    s = await startDoorman(pki, { authorizationModes: ['RBAC'], authenticationConfig: `${FIXTURES}authn-hardened.yaml`, tokenAuthFile: `${FIXTURES}tokens.csv` });
  });
  after(() => s.close());
  const ws = (token: string) => ({
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Protocol': `base64url.bearer.authorization.k8s.io.${Buffer.from(token).toString('base64url')}, v4.channel.k8s.io`,
  });

  test('a bad websocket token is 401 on /livez, never anonymous', async () => {
    const r = await httpsRequest(s.port, s.ca, '/livez', { headers: ws('wrong') });
    assert.equal(r.status, 401);
    assert.equal(r.body, UNAUTHORIZED);
  });

  test('a good websocket token authenticates', async () => {
    const r = await httpsRequest(s.port, s.ca, '/version', { headers: ws('alice-token') });
    assert.equal(r.status, 200);
  });
});
