/**
 * The webhook backend against a real HTTPS receiver with a certificate made in the test: the
 * kubeconfig (CA file relative to the kubeconfig, inline client certificate, token), the
 * EventList body, retry after a 500, giving up after five attempts, and the full path through
 * buildAuditor in batch mode.
 */
import { requestInfo } from '../helpers/requestinfo.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import {
  buildAuditor,
  createAuditMetrics,
  createWebhookBackend,
  defaultAuditOptions,
  loadWebhookKubeconfig,
  pluginErrorHandler,
  serializeEventList,
  type AuditEvent,
} from '../../src/audit/index.js';
import type { RequestInfo } from '../../src/request/types.js';
import { makePKI, type TestPKI } from './pki.js';

interface Received {
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly clientCN: string | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;
}

let pki: TestPKI;
let server: https.Server;
let port = 0;
let received: Received[] = [];
let statuses: number[] = [];

before(async () => {
  pki = makePKI();
  server = https.createServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const authorized = (req.socket as TLSSocket).authorized;
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers,
        clientCN: authorized ? (peer.subject?.CN as string | undefined) : undefined,
        method: req.method,
        url: req.url,
      });
      const code = statuses.shift() ?? 200;
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(code === 200 ? '{}' : '{"kind":"Status","message":"try again"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function kubeconfig(extraUser = ''): string {
  const file = join(pki.dir, `webhook-${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: audit
  cluster:
    server: https://127.0.0.1:${port}/audit/events
    certificate-authority: ca.crt
users:
- name: apiserver
  user:
    client-certificate-data: ${pki.clientCert.toString('base64')}
    client-key-data: ${pki.clientKey.toString('base64')}
${extraUser}contexts:
- name: default
  context:
    cluster: audit
    user: apiserver
current-context: default
`,
  );
  return file;
}

function event(i: number): AuditEvent {
  return {
    level: 'Metadata',
    auditID: `id-${i}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/pods?a=1&b=2',
    verb: 'list',
    user: { username: 'alice' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: 1714557600000000000n,
    stageTimestamp: 1714557600000001000n,
  };
}

test('kubeconfig: relative CA path, inline client cert, token, errors', () => {
  const cfg = loadWebhookKubeconfig(kubeconfig('    token: s3cr3t\n'));
  assert.equal(cfg.url.href, `https://127.0.0.1:${port}/audit/events`);
  assert.deepEqual(cfg.ca, pki.caCert);
  assert.deepEqual(cfg.cert, pki.clientCert);
  assert.equal(cfg.token, 's3cr3t');
  const noContext = join(pki.dir, 'nocontext.yaml');
  writeFileSync(noContext, 'apiVersion: v1\nkind: Config\nclusters: []\n');
  assert.throws(() => loadWebhookKubeconfig(noContext), { message: 'invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable' });
  const badContext = join(pki.dir, 'badcontext.yaml');
  writeFileSync(badContext, 'apiVersion: v1\nkind: Config\ncurrent-context: nope\n');
  assert.throws(() => loadWebhookKubeconfig(badContext), { message: 'invalid configuration: context was not found for specified context: nope' });
});

test('POSTs an EventList with the client certificate and token; retries after a 500', async () => {
  received = [];
  statuses = [500];
  const registry = new Registry();
  const backend = createWebhookBackend({
    client: loadWebhookKubeconfig(kubeconfig('    token: s3cr3t\n')),
    backoff: { initialMs: 20, factor: 1.5, jitter: 0.2, steps: 5 },
    onError: pluginErrorHandler(createAuditMetrics(registry)),
  });
  const start = performance.now();
  assert.equal(await backend.process([event(1), event(2)]), true);
  assert.ok(performance.now() - start >= 20);
  assert.equal(received.length, 2);
  const [first, second] = received;
  assert.equal(second?.body, first?.body);
  assert.equal(second?.body, `${serializeEventList([event(1), event(2)])}\n`);
  assert.ok(second?.body.startsWith('{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{"level":"Metadata","auditID":"id-1"'));
  assert.equal(second?.method, 'POST');
  assert.equal(second?.url, '/audit/events');
  assert.equal(second?.headers['authorization'], 'Bearer s3cr3t');
  assert.equal(second?.headers['content-type'], 'application/json');
  assert.equal(second?.clientCN, 'kube-apiserver');
  assert.doesNotMatch(await registry.getSingleMetricAsString('apiserver_audit_error_total'), /plugin="webhook"/);
  await backend.shutdown();
});

test('gives up after five attempts and counts the events', async () => {
  received = [];
  statuses = [500, 500, 500, 500, 500, 500];
  const registry = new Registry();
  const logged: string[] = [];
  const backend = createWebhookBackend({
    client: loadWebhookKubeconfig(kubeconfig()),
    backoff: { initialMs: 2, factor: 1.5, jitter: 0.2, steps: 5 },
    onError: pluginErrorHandler(createAuditMetrics(registry), (m) => logged.push(m)),
  });
  assert.equal(await backend.process([event(1)]), false);
  assert.equal(received.length, 5);
  assert.match(await registry.getSingleMetricAsString('apiserver_audit_error_total'), /apiserver_audit_error_total\{plugin="webhook"\} 1/);
  assert.match(logged[0] ?? '', /^Error in audit plugin 'webhook' affecting 1 audit events: an error on the server/);
  await backend.shutdown();
  statuses = [];
});

test('buildAuditor: policy + webhook in batch mode; shutdown flushes the batch', async () => {
  received = [];
  statuses = [];
  const policy = join(pki.dir, 'policy.yaml');
  writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
  const o = defaultAuditOptions();
  o.policyFile = policy;
  o.webhook.configFile = kubeconfig('    token: t\n');
  o.webhook.initialBackoffMs = 10;
  const auditor = buildAuditor(o, new Registry());
  assert.equal(auditor.backend.name, 'buffered<webhook>');
  const ri: RequestInfo = requestInfo('GET', '/healthz');
  const rec = auditor.begin({ auditID: 'a-1', requestURI: '/healthz', requestInfo: ri, user: { name: 'system:anonymous', uid: '', groups: ['system:unauthenticated'], extra: {} }, sourceIPs: ['127.0.0.1'] });
  assert.ok(rec);
  assert.equal(await rec.requestReceived(), true);
  rec.responseComplete({ code: 200 });
  assert.equal(received.length, 0); // batched: max size 400, max wait 30 s
  await auditor.shutdown();
  assert.equal(received.length, 1);
  const list = JSON.parse(received[0]?.body ?? '{}') as { items: Array<{ stage: string; user: { username: string } }> };
  assert.deepEqual(list.items.map((i) => i.stage), ['RequestReceived', 'ResponseComplete']);
  assert.equal(list.items[0]?.user.username, 'system:anonymous');
});
