/**
 * Client certificates over real TLS: CN is the user, O the groups; a certificate the client CA did
 * not sign, or one that expired, is a bad credential (401) even where anonymous is allowed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makePki, httpsRequest, type TestPki } from '../helpers/tls.js';
import { startDoorman, type TestServer } from '../helpers/doorman.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

describe('x509 client certificates', () => {
  let pki: TestPki;
  let s: TestServer;
  before(async () => {
    pki = makePki();
    s = await startDoorman(pki, {
      authorizationModes: ['RBAC'],
      clientCAFile: pki.files.clientCA,
      tokenAuthFile: `${FIXTURES}tokens.csv`,
      rbacObjects: [`${FIXTURES}rbac-readers.yaml`],
    });
  });
  after(() => s.close());

  test('CN is the user and O the groups', async () => {
    const bob = pki.client('bob', ['readers']);
    const ok = await httpsRequest(s.port, s.ca, '/api/v1/namespaces/default/pods', { cert: bob });
    assert.equal(ok.status, 404, 'allowed by the readers binding, then not served');
    const denied = await httpsRequest(s.port, s.ca, '/api/v1/namespaces/other/pods', { cert: bob });
    assert.equal(denied.status, 403);
    assert.match(denied.body, /User \\"bob\\" cannot list resource \\"pods\\"/);
  });

  test('system:masters in O is cluster-admin', async () => {
    const admin = pki.client('root', ['system:masters']);
    const r = await httpsRequest(s.port, s.ca, '/apis/apps/v1/deployments', { cert: admin });
    assert.equal(r.status, 404);
  });

  test('a certificate from another CA is 401, even on /livez', async () => {
    const mallory = pki.client('mallory', ['system:masters'], { issuer: pki.otherCA });
    const r = await httpsRequest(s.port, s.ca, '/livez', { cert: mallory });
    assert.equal(r.status, 401);
  });

  test('an expired certificate is 401', async () => {
    const old = pki.client('old', [], { notBefore: new Date(Date.now() - 2 * 86400_000), notAfter: new Date(Date.now() - 86400_000) });
    const r = await httpsRequest(s.port, s.ca, '/livez', { cert: old });
    assert.equal(r.status, 401);
  });

  test('a server-only certificate is not a client credential', async () => {
    const srv = pki.client('webserver', [], { usages: ['server'] });
    const r = await httpsRequest(s.port, s.ca, '/livez', { cert: srv });
    assert.equal(r.status, 401);
  });

  test('a valid bearer token still wins over a rejected certificate (the first union keeps going)', async () => {
    const mallory = pki.client('mallory', [], { issuer: pki.otherCA });
    const r = await httpsRequest(s.port, s.ca, '/apis', { cert: mallory, headers: { Authorization: 'Bearer alice-token' } });
    assert.equal(r.status, 200);
  });

  test('an empty CN is no credential: anonymous', async () => {
    const nameless = pki.client('', ['system:masters']);
    const r = await httpsRequest(s.port, s.ca, '/apis', { cert: nameless });
    assert.equal(r.status, 403);
    assert.match(r.body, /system:anonymous/);
  });

  test('no certificate: anonymous', async () => {
    const r = await httpsRequest(s.port, s.ca, '/livez');
    assert.equal(r.status, 200);
  });
});
