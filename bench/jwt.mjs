// bench/jwt.mjs [--quick]: JWT-authenticated GET /apis against a real loopback OIDC issuer.
// Warm path: a pool of tokens, all in doorman's token cache after the warm-up, against a bare
// Node HTTPS server in the same run: prints `RATIO jwt <doorman ÷ bare>`. Cold path: first
// sight of each token, verified in-process by the JWT authenticator (no cache): prints
// `COLD jwt-<alg> <µs> µs/verification`.
import { execFileSync } from 'node:child_process';
import { createServer as createHttps } from 'node:https';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, start } from './servers.mjs';

const root = new URL('..', import.meta.url).pathname;

if (process.argv[2] === '--load') {
  // Child process: autocannon's API, so each request can carry the next token of the pool.
  const [url, tokensFile, duration, connections] = process.argv.slice(3);
  const { default: autocannon } = await import('autocannon');
  const tokens = JSON.parse(readFileSync(tokensFile, 'utf8'));
  let i = 0;
  const r = await autocannon({
    url,
    connections: Number(connections),
    duration: Number(duration),
    requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[i++ % tokens.length]}` } }) }],
  });
  process.stdout.write(JSON.stringify({ rps: r.requests.average, p99: r.latency.p99, bad: r.non2xx + r.errors + r.timeouts }));
  process.exit(0);
}

const quick = process.argv.includes('--quick');
const duration = quick ? 3 : 15;
const connections = 16;
const { SignJWT, exportJWK, generateKeyPair } = await import('jose');
const { issueCertificate } = await import(join(root, 'dist/util/pki.js'));

function load(url, tokensFile) {
  const out = execFileSync(process.execPath, [join(root, 'bench/jwt.mjs'), '--load', url, tokensFile, String(duration), String(connections)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    stdio: ['ignore', 'pipe', 'ignore'],
    // For the load generator only: the bench servers use throw-away certificates.
    env: { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_NO_WARNINGS: '1' },
  });
  return JSON.parse(out);
}

// A real issuer on loopback: its own CA, discovery, an ES256 and an RS256 key.
const dir = mkdtempSync(join(tmpdir(), 'doorman-bench-jwt-'));
const ca = issueCertificate({ subject: { commonName: 'bench issuer CA' }, isCA: true });
const serving = issueCertificate({ subject: { commonName: '127.0.0.1' }, issuer: ca, usages: ['server'], hosts: ['127.0.0.1'] });
const issuerPort = await freePort();
const issuerURL = `https://127.0.0.1:${issuerPort}`;
const keys = {};
for (const alg of ['ES256', 'RS256']) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  keys[alg] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: alg.toLowerCase(), alg } };
}
const issuer = createHttps({ cert: serving.certPem + ca.certPem, key: serving.keyPem }, (req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer: issuerURL, jwks_uri: `${issuerURL}/keys` }));
  else res.end(JSON.stringify({ keys: Object.values(keys).map((k) => k.jwk) }));
});
await new Promise((r) => issuer.listen(issuerPort, '127.0.0.1', r));

const sign = (alg, sub) =>
  new SignJWT({ groups: ['dev'] })
    .setProtectedHeader({ alg, kid: keys[alg].jwk.kid })
    .setIssuer(issuerURL)
    .setAudience('doorman')
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(keys[alg].privateKey);

const config = `apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
anonymous:
  enabled: true
  conditions: [{path: /livez}, {path: /readyz}, {path: /healthz}]
jwt:
- issuer:
    url: ${issuerURL}
    audiences: [doorman]
    certificateAuthority: |
${ca.certPem.trim().split('\n').map((l) => `      ${l}`).join('\n')}
  claimValidationRules:
  - expression: "claims.sub != ''"
  claimMappings:
    username:
      claim: sub
      prefix: "oidc:"
    groups:
      claim: groups
      prefix: "oidc:"
`;
writeFileSync(join(dir, 'authn.yaml'), config);

// Warm path: a pool of 200 tokens, cached after the first pass.
const pool = await Promise.all(Array.from({ length: 200 }, (_, i) => sign(i % 2 ? 'RS256' : 'ES256', `user-${i}`)));
writeFileSync(join(dir, 'tokens.json'), JSON.stringify(pool));
const cert = issueCertificate({ subject: { commonName: 'localhost' }, isCA: true, usages: ['server'], hosts: ['localhost', '127.0.0.1'] });
writeFileSync(join(dir, 'apiserver.crt'), cert.certPem);
writeFileSync(join(dir, 'apiserver.key'), cert.keyPem);

const barePort = await freePort();
const bare = await start([join(root, 'bench/bare-server.mjs'), join(dir, 'apiserver.crt'), join(dir, 'apiserver.key'), String(barePort)]);
const b = load(`https://127.0.0.1:${barePort}/`, join(dir, 'tokens.json'));
bare.kill('SIGTERM');

const port = await freePort();
const doorman = await start([
  join(root, 'dist/cli/main.js'), 'serve', `--secure-port=${port}`, `--tls-cert-file=${join(dir, 'apiserver.crt')}`, `--tls-private-key-file=${join(dir, 'apiserver.key')}`,
  '--authorization-mode=RBAC', `--authentication-config=${join(dir, 'authn.yaml')}`,
]);
// Wait for discovery, then one pass over the pool fills the cache.
const { request } = await import('node:https');
const get = (path, token) =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
for (let i = 0; i < 100 && (await get('/readyz')) !== 200; i++) await new Promise((r) => setTimeout(r, 100));
for (const t of pool) if ((await get('/apis', t)) !== 200) throw new Error('a pool token was refused');
const d = load(`https://127.0.0.1:${port}/apis`, join(dir, 'tokens.json'));
doorman.kill('SIGTERM');
console.log(`bare    jwt: ${b.rps.toFixed(0)} req/s, p99 ${b.p99} ms`);
console.log(`doorman jwt: ${d.rps.toFixed(0)} req/s, p99 ${d.p99} ms${d.bad ? `, ${d.bad} non-2xx/errors` : ''} (${pool.length} tokens, cache warm)`);
console.log(`RATIO jwt ${(d.rps / b.rps).toFixed(2)}`);

// Cold path: every token seen for the first time, verified by the authenticator itself.
const { validateAndCompileAuthenticationConfiguration, parseAuthenticationConfiguration, ALL_SIGNING_ALGORITHMS } = await import(join(root, 'dist/config/authentication.js'));
const { JWTAuthenticatorSet } = await import(join(root, 'dist/authn/jwt/set.js'));
const compiled = validateAndCompileAuthenticationConfiguration(parseAuthenticationConfiguration(config));
const set = new JWTAuthenticatorSet({ authenticators: compiled.jwt, algorithms: ALL_SIGNING_ALGORITHMS });
if (!(await set.whenReady(5000))) throw new Error('issuer not discovered');
const n = quick ? 300 : 5000;
for (const alg of ['ES256', 'RS256']) {
  const fresh = await Promise.all(Array.from({ length: n }, (_, i) => sign(alg, `cold-${alg}-${i}`)));
  await set.authenticateToken(fresh[0]); // fetches the key set once
  const t0 = process.hrtime.bigint();
  for (const t of fresh.slice(1)) {
    const r = await set.authenticateToken(t);
    if (r.kind !== 'authenticated') throw new Error(`cold token refused: ${r.message ?? r.kind}`);
  }
  const us = Number(process.hrtime.bigint() - t0) / 1000 / (n - 1);
  console.log(`COLD jwt-${alg} ${us.toFixed(0)} µs/verification`);
}
set.close();
issuer.close();
issuer.closeAllConnections();
