/**
 * Live reload of --authentication-config against a running `doorman serve`: a good change applies
 * within 5 s (and flushes the token cache), an invalid file, a changed anonymous section, an
 * unreadable file and an issuer that never becomes ready are refused with kube-apiserver's log
 * lines and metrics while the previous configuration stays; a ConfigMap-style symlink swap is seen;
 * requests during a swap see the old or the new configuration, never a mix.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { TestIssuer } from './issuer.js';
import { eventually, HEADER, jwtServer, type JWTServer } from './harness.js';

let a: TestIssuer;
let c: TestIssuer;
let s: JWTServer;
const ANON = 'anonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n';
const mapping = (prefix: string): string => `  claimMappings:\n    username:\n      claim: sub\n      prefix: "${prefix}"`;
const configA = (prefix: string): string => `${ANON}jwt:\n${a.yaml(mapping(prefix))}\n`;

before(async () => {
  a = await TestIssuer.create({ path: '/a' });
  c = await TestIssuer.create({ path: '/c', down: true });
  s = await jwtServer(configA('a:'));
  assert.ok(await eventually(() => s.server.runtime.authentication.jwt?.healthCheck() === undefined));
});

after(async () => {
  await s.close();
  await Promise.all([a.stop(), c.stop()]);
});

async function username(token: string): Promise<string | undefined> {
  return (await s.request(token)).user?.username;
}

function logged(fragment: string, since: number): string | undefined {
  return s.server.log.slice(since).find((l) => l.includes(fragment));
}

async function metric(name: string, labels: string): Promise<number> {
  const text = (await s.request(await a.sign(a.claims({ sub: `m${Math.random()}` })), '/metrics')).body;
  const m = new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

test('a good change applies within 5 s, flushes cached results, and is counted', async () => {
  const token = await a.sign(a.claims());
  assert.equal(await username(token), 'a:alice');
  const since = s.server.log.length;
  const started = Date.now();
  s.writeConfig(configA('b:'));
  assert.ok(await eventually(async () => (await username(token)) === 'b:alice', 5000), 'the cached a:alice is gone within 5 s');
  assert.ok(Date.now() - started < 5000);
  assert.ok(logged('"reloaded authentication config"', since));
  const id = 'apiserver_id_hash="sha256:[0-9a-f]{64}"';
  assert.equal(await metric('apiserver_authentication_config_controller_automatic_reloads_total', `${id},status="success"`), 1);
  assert.ok((await metric('apiserver_authentication_config_controller_automatic_reload_last_timestamp_seconds', `${id},status="success"`)) > Date.now() / 1000 - 60);
  const hash = createHash('sha256').update(HEADER + configA('b:')).digest('hex');
  assert.equal(await metric('apiserver_authentication_config_controller_last_config_info', `${id},hash="sha256:${hash}"`), 1);
});

test('an invalid file is refused with kube\'s log line; the previous configuration stays', async () => {
  const since = s.server.log.length;
  s.writeConfig(`${ANON}jwt:\n- issuer:\n    url: http://insecure.example\n    audiences: [doorman]\n  claimMappings:\n    username:\n      claim: sub\n      prefix: ""\n`);
  assert.ok(await eventually(() => logged('"failed to validate authentication config"', since) !== undefined));
  assert.equal(
    logged('"failed to validate authentication config"', since),
    'E "failed to validate authentication config" err="jwt[0].issuer.url: Invalid value: \\"http://insecure.example\\": URL scheme must be https"',
  );
  assert.equal(await username(await a.sign(a.claims({ sub: 'still' }))), 'b:still');
  const before = s.server.log.length;
  s.writeConfig('jwt: [\n');
  assert.ok(await eventually(() => logged('"failed to load authentication config"', before) !== undefined));
  const id = 'apiserver_id_hash="sha256:[0-9a-f]{64}"';
  assert.equal(await metric('apiserver_authentication_config_controller_automatic_reloads_total', `${id},status="failure"`), 2);
  // The same bad bytes again are not re-validated (kube tracks them): no new failure.
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await metric('apiserver_authentication_config_controller_automatic_reloads_total', `${id},status="failure"`), 2);
});

test('a changed anonymous section is refused: anonymous is fixed at start-up', async () => {
  const since = s.server.log.length;
  s.writeConfig(configA('c:').replace('- path: /livez\n', '- path: /livez\n  - path: /apis\n'));
  assert.ok(await eventually(() => logged('changed from initial configuration file', since) !== undefined));
  assert.equal(logged('"failed to validate authentication config"', since), 'E "failed to validate authentication config" err="anonymous: Forbidden: changed from initial configuration file"');
  assert.equal((await s.request(undefined, '/apis')).status, 401, 'anonymous still only on /livez');
  assert.equal(await username(await a.sign(a.claims({ sub: 'kept' }))), 'b:kept');
});

test('an issuer that never becomes ready is refused after the timeout; retried once it is up', async () => {
  const since = s.server.log.length;
  s.writeConfig(`${ANON}jwt:\n${c.yaml(mapping('c:'))}\n`);
  assert.ok(await eventually(() => logged('"failed to update authentication config"', since) !== undefined, 5000));
  const line = logged('"failed to update authentication config"', since) ?? '';
  assert.match(line, /^E "failed to update authentication config" err="\[oidc: authenticator for issuer \\"https:\/\/127\.0\.0\.1:\d+\/c\\" is not healthy: Get \\"https:\/\/127\.0\.0\.1:\d+\/c\/\.well-known\/openid-configuration\\": dial tcp 127\.0\.0\.1:\d+: connect: connection refused, context deadline exceeded\]"$/);
  assert.equal(await username(await a.sign(a.claims({ sub: 'old' }))), 'b:old', 'the previous issuer still works');
  await c.start();
  assert.ok(await eventually(async () => (await s.request(await c.sign(c.claims()))).status === 200, 5000));
  assert.equal((await s.request(await c.sign(c.claims()))).user?.username, 'c:alice');
  assert.equal((await s.request(await a.sign(a.claims({ sub: 'gone' })))).reason, 'invalid bearer token');
});

test('a missing file is a read failure and is retried; requests during a swap see one configuration', async () => {
  const since = s.server.log.length;
  rmSync(s.configPath);
  assert.ok(await eventually(() => logged('"failed to read authentication config file"', since) !== undefined));
  assert.equal(logged('"failed to read authentication config file"', since), `E "failed to read authentication config file" err="open ${s.configPath}: no such file or directory"`);
  const tokens = await Promise.all(Array.from({ length: 40 }, (_, i) => c.sign(c.claims({ sub: `u${i}` }))));
  const requests = tokens.map((t) => s.request(t));
  s.writeConfig(`${ANON}jwt:\n${c.yaml(mapping('d:'))}\n`);
  const more = tokens.map((t) => s.request(t));
  for (const r of await Promise.all([...requests, ...more])) {
    assert.equal(r.status, 200);
    assert.match(r.user?.username ?? '', /^[cd]:u\d+$/);
  }
  assert.ok(await eventually(async () => (await s.request(await c.sign(c.claims({ sub: 'z' })))).user?.username === 'd:z'));
});

test('a ConfigMap-style symlink swap is picked up', async () => {
  // kubelet's layout: file -> ..data/file, ..data -> ..<timestamp>; an update re-points ..data.
  const dir = join(dirname(s.configPath), 'cm');
  mkdirSync(join(dir, '..v1'), { recursive: true });
  writeFileSync(join(dir, '..v1', 'authn.yaml'), HEADER + configA('v1:'));
  symlinkSync('..v1', join(dir, '..data'));
  symlinkSync(join('..data', 'authn.yaml'), join(dir, 'authn.yaml'));
  const cm = await jwtServer(undefined, { authenticationConfig: join(dir, 'authn.yaml') });
  try {
    assert.ok(await eventually(() => cm.server.runtime.authentication.jwt?.healthCheck() === undefined));
    assert.equal((await cm.request(await a.sign(a.claims()))).user?.username, 'v1:alice');
    mkdirSync(join(dir, '..v2'));
    writeFileSync(join(dir, '..v2', 'authn.yaml'), HEADER + configA('v2:'));
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    assert.ok(await eventually(async () => (await cm.request(await a.sign(a.claims()))).user?.username === 'v2:alice', 5000));
  } finally {
    await cm.close();
  }
});
