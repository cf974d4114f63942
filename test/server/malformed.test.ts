/**
 * Malformed requests over real TLS: a 4xx, never a crash, never anonymous access to a path
 * outside the conditions; the server keeps serving afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { makePki, httpsRequest, type TestPki } from '../helpers/tls.js';
import { startDoorman, type TestServer } from '../helpers/doorman.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

/** Sends raw bytes over TLS and returns everything the server answered before closing. */
function raw(port: number, ca: string, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => socket.end(request));
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('malformed requests', () => {
  let pki: TestPki;
  let s: TestServer;
  before(async () => {
    pki = makePki();
    s = await startDoorman(pki, { authorizationModes: ['RBAC'], authenticationConfig: `${FIXTURES}authn-hardened.yaml`, tokenAuthFile: `${FIXTURES}tokens.csv` });
  });
  after(() => s.close());

  test('invalid percent-encoding: 400', async () => {
    const out = await raw(s.port, s.ca, 'GET /apis%G1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(out, /^HTTP\/1.1 400 Bad Request\r\n/);
  });

  test('a decoded path that is not UTF-8: 400, not anonymous', async () => {
    const out = await raw(s.port, s.ca, 'GET /livez%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(out, /^HTTP\/1.1 400 /);
  });

  test('oversized headers: 431', async () => {
    const out = await raw(s.port, s.ca, `GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2 << 20)}\r\n\r\n`);
    assert.match(out, /^HTTP\/1.1 431 Request Header Fields Too Large\r\n/);
  });

  test('oversized headers: a client still sending after the 431 gets it, not a reset', async () => {
    // Closing on the client's unread bytes would reset the connection, and the reset makes the
    // client's kernel drop the answer it holds. TLS runs over a stream whose TCP socket stops reading
    // after the handshake, so the answer waits in the kernel until the whole request has gone.
    const tcp = netConnect(s.port, '127.0.0.1');
    const gated = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        tcp.write(chunk, done);
      },
      final(done) {
        tcp.end();
        done();
      },
    });
    tcp.on('data', (d: Buffer) => gated.push(d));
    tcp.on('end', () => gated.push(null));
    tcp.on('error', (e) => gated.destroy(e));
    const out = await new Promise<string>((resolve, reject) => {
      const socket = connect({ socket: gated, ca: s.ca, servername: 'localhost' }, () => {
        tcp.pause();
        socket.write(`GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat((1 << 20) + 4096)}`);
        // The rest goes after the server has refused the headers.
        setTimeout(() => socket.end(`${'a'.repeat(1 << 20)}\r\n\r\n`, () => setTimeout(() => tcp.resume(), 200)), 150);
      });
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
    });
    assert.equal(out, 'HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large');
  });

  test('garbage request line: 400', async () => {
    const out = await raw(s.port, s.ca, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(out, /^HTTP\/1.1 400 Bad Request\r\n/);
  });

  test('garbage in Authorization is not a credential: 401 off the conditions, 200 on them', async () => {
    for (const value of ['garbage', 'Bearer', 'Negotiate abc', '\u00ff\u00fe']) {
      const apis = await httpsRequest(s.port, s.ca, '/apis', { headers: { Authorization: value } });
      assert.equal(apis.status, 401, value);
    }
    const livez = await httpsRequest(s.port, s.ca, '/livez', { headers: { Authorization: 'garbage' } });
    assert.equal(livez.status, 200);
  });

  test('a request info resolver error is a 500 before authentication', async () => {
    const r = await httpsRequest(s.port, s.ca, '/api/v1/watch');
    assert.equal(r.status, 500);
    assert.equal(r.body, 'Internal Server Error: "/api/v1/watch": failed to create RequestInfo: unable to determine kind and namespace from url, /api/v1/watch\n');
  });

  test('absolute-form request targets use the same canonical path', async () => {
    const out = await raw(s.port, s.ca, 'GET https://example.com/apis HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(out, /^HTTP\/1.1 401 /);
    const ok = await raw(s.port, s.ca, 'GET https://example.com/livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(ok, /^HTTP\/1.1 200 /);
  });

  test('the server still serves after all of that', async () => {
    const r = await httpsRequest(s.port, s.ca, '/readyz');
    assert.equal(r.status, 200);
  });
});
