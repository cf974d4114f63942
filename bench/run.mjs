// npm run bench [-- --quick]: doorman against a bare Node HTTPS server, in one run, on this machine.
// Each scenario prints `RATIO <scenario> <doorman req/s ÷ bare req/s>` and p99 latencies.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, start } from './servers.mjs';

const root = new URL('..', import.meta.url).pathname;
const quick = process.argv.includes('--quick');
const duration = quick ? 3 : 15;
const connections = 16;

function load(url, headers = {}) {
  // NODE_TLS_REJECT_UNAUTHORIZED=0 is for autocannon only: the bench servers use a throw-away certificate.
  const args = [join(root, 'node_modules/autocannon/autocannon.js'), '-j', '-c', String(connections), '-d', String(duration)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const out = execFileSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_NO_WARNINGS: '1' },
  });
  const r = JSON.parse(out);
  const bad = r.non2xx + r.errors + r.timeouts;
  return { rps: r.requests.average, p99: r.latency.p99, bad };
}

const dir = mkdtempSync(join(tmpdir(), 'doorman-bench-'));
const { issueCertificate } = await import(join(root, 'dist/util/pki.js'));
const cert = issueCertificate({ subject: { commonName: 'localhost' }, isCA: true, usages: ['server'], hosts: ['localhost', '127.0.0.1'] });
writeFileSync(join(dir, 'apiserver.crt'), cert.certPem);
writeFileSync(join(dir, 'apiserver.key'), cert.keyPem);
const certArgs = [`--tls-cert-file=${join(dir, 'apiserver.crt')}`, `--tls-private-key-file=${join(dir, 'apiserver.key')}`];

const results = [];
async function scenario(name, serverArgs, path, headers) {
  const barePort = await freePort();
  const bare = await start([join(root, 'bench/bare-server.mjs'), join(dir, 'apiserver.crt'), join(dir, 'apiserver.key'), String(barePort)]);
  const b = load(`https://127.0.0.1:${barePort}/`);
  bare.kill('SIGTERM');
  const port = await freePort();
  const doorman = await start([join(root, 'dist/cli/main.js'), 'serve', `--secure-port=${port}`, ...certArgs, ...serverArgs]);
  const d = load(`https://127.0.0.1:${port}${path}`, headers);
  doorman.kill('SIGTERM');
  const ratio = d.rps / b.rps;
  results.push({ name, ratio });
  console.log(`bare    ${name}: ${b.rps.toFixed(0)} req/s, p99 ${b.p99} ms`);
  console.log(`doorman ${name}: ${d.rps.toFixed(0)} req/s, p99 ${d.p99} ms${d.bad ? `, ${d.bad} non-2xx/errors` : ''}`);
  console.log(`RATIO ${name} ${ratio.toFixed(2)}`);
}

const hardened = [
  '--authorization-mode=RBAC',
  `--authentication-config=${join(root, 'examples/hardened/authentication-config.yaml')}`,
  `--token-auth-file=${join(root, 'examples/hardened/tokens.csv')}`,
];
await scenario('anonymous-livez', hardened, '/livez');
await scenario('token-rbac-apis', hardened, '/apis', { Authorization: 'Bearer example-alice-token' });

// /apis lists every built-in group (about 3.5 KB): against a bare server sending the same bytes,
// the ratio shows doorman's own cost rather than the size of the answer.
async function sameBodyScenario() {
  const port = await freePort();
  const doorman = await start([join(root, 'dist/cli/main.js'), 'serve', `--secure-port=${port}`, ...certArgs, ...hardened]);
  const { request } = await import('node:https');
  const body = await new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/apis', rejectUnauthorized: false, headers: { Authorization: 'Bearer example-alice-token' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    }).on('error', reject).end();
  });
  const bodyFile = join(dir, 'apis.json');
  writeFileSync(bodyFile, body);
  const d = load(`https://127.0.0.1:${port}/apis`, { Authorization: 'Bearer example-alice-token' });
  doorman.kill('SIGTERM');
  const barePort = await freePort();
  const bare = await start([join(root, 'bench/bare-server.mjs'), join(dir, 'apiserver.crt'), join(dir, 'apiserver.key'), String(barePort), bodyFile]);
  const b = load(`https://127.0.0.1:${barePort}/`);
  bare.kill('SIGTERM');
  console.log(`bare    same ${body.length}-byte body: ${b.rps.toFixed(0)} req/s, p99 ${b.p99} ms`);
  console.log(`doorman token-rbac-apis: ${d.rps.toFixed(0)} req/s, p99 ${d.p99} ms`);
  console.log(`RATIO token-rbac-apis-same-body ${(d.rps / b.rps).toFixed(2)}`);
}
await sameBodyScenario();

// Audit at Metadata level for every request, to a real file in blocking mode, against the same
// doorman without audit, in the same run.
async function auditScenario() {
  const without = await freePort();
  const plain = await start([join(root, 'dist/cli/main.js'), 'serve', `--secure-port=${without}`, ...certArgs, ...hardened]);
  const a = load(`https://127.0.0.1:${without}/livez`);
  plain.kill('SIGTERM');
  const withPort = await freePort();
  const audited = await start([
    join(root, 'dist/cli/main.js'), 'serve', `--secure-port=${withPort}`, ...certArgs, ...hardened,
    `--audit-policy-file=${join(root, 'bench/audit-metadata.yaml')}`, `--audit-log-path=${join(dir, 'audit.log')}`, '--audit-log-mode=blocking',
  ]);
  const b = load(`https://127.0.0.1:${withPort}/livez`);
  audited.kill('SIGTERM');
  console.log(`doorman without audit: ${a.rps.toFixed(0)} req/s, p99 ${a.p99} ms`);
  console.log(`doorman with audit:    ${b.rps.toFixed(0)} req/s, p99 ${b.p99} ms${b.bad ? `, ${b.bad} non-2xx/errors` : ''}`);
  console.log(`RATIO audit-metadata ${(b.rps / a.rps).toFixed(2)}`);
}
await auditScenario();

// doorman check and --requests, as whole processes, in absolute figures (bench/check.mjs).
execFileSync(process.execPath, [join(root, 'bench/check.mjs'), ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });

// JWT tokens from a real loopback issuer: warm (RATIO jwt) and cold (µs per verification), bench/jwt.mjs.
execFileSync(process.execPath, [join(root, 'bench/jwt.mjs'), ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
