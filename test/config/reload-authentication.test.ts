/**
 * The `/readyz` check for JWT authenticators follows the configuration in force on a running
 * `doorman serve` with real loopback issuers: absent while the file has no `jwt`, added (with its
 * per-check path) by the reload that adds the first issuer, untouched by a refused reload whose
 * issuer never answers, and removed by the reload that removes every issuer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestIssuer } from '../authn/jwt/issuer.js';
import { eventually, HEADER, jwtServer, type JWTServer } from '../authn/jwt/harness.js';
import { httpsRequest } from '../helpers/tls.js';
import { AuthenticationConfigReloader, type ReloadableAuthenticators } from '../../src/config/reload.js';
import type { AuthenticationConfigMetrics } from '../../src/config/reload-metrics.js';
import { HealthAggregate } from '../../src/authn/jwt/set.js';
import { memoryLogger } from '../../src/server/log.js';

let up: TestIssuer;
let down: TestIssuer;
let s: JWTServer;
const ANON = 'anonymous:\n  enabled: true\n  conditions:\n  - path: /readyz\n  - path: /readyz/jwt-authenticators\n';
const MAPPING = '  claimMappings:\n    username:\n      claim: sub\n      prefix: ""';
const WITHOUT = '[+]ping ok\n[+]log ok\n[+]shutdown ok\nreadyz check passed\n';
const WITH = '[+]ping ok\n[+]log ok\n[+]jwt-authenticators ok\n[+]shutdown ok\nreadyz check passed\n';

before(async () => {
  up = await TestIssuer.create({ path: '/up' });
  down = await TestIssuer.create({ path: '/down', down: true });
  s = await jwtServer(ANON);
});

after(async () => {
  await s.close();
  await Promise.all([up.stop(), down.stop()]);
});

const get = (path: string): Promise<{ status: number; body: string }> => httpsRequest(s.server.port, s.server.ca, path);
const verbose = async (): Promise<string> => (await get('/readyz?verbose')).body;

function logged(fragment: string, since: number): boolean {
  return s.server.log.slice(since).some((l) => l.includes(fragment));
}

test('no jwt in the file: /readyz lists kube\'s checks only', async () => {
  assert.equal(await verbose(), WITHOUT);
  // No token file and no issuer, yet kube's token union keeps its (empty) JWT slot: a bearer
  // token is "invalid bearer token" (401), never anonymous, even on an anonymous path.
  const bearer = await s.request('not-a-token', '/readyz');
  assert.equal(bearer.status, 401);
  assert.equal(bearer.reason, 'invalid bearer token');
  const one = await get('/readyz/jwt-authenticators');
  assert.equal(one.status, 404);
  assert.equal(one.body, '404 page not found\n');
});

test('the reload that adds the first issuer adds the check, ok once its discovery document was fetched', async () => {
  s.writeConfig(`${ANON}jwt:\n${up.yaml(MAPPING)}\n`);
  assert.ok(await eventually(async () => (await verbose()) === WITH, 5000), 'the check appears within 5 s');
  const one = await get('/readyz/jwt-authenticators');
  assert.equal(one.status, 200);
  assert.equal(one.body, 'ok');
  assert.equal((await s.request(await up.sign(up.claims()))).user?.username, 'alice');
});

test('a refused reload (an issuer that never answers) leaves the check of the configuration in force', async () => {
  const since = s.server.log.length;
  s.writeConfig(`${ANON}jwt:\n${up.yaml(MAPPING)}\n${down.yaml(MAPPING)}\n`);
  assert.ok(await eventually(() => logged('"failed to update authentication config"', since), 5000));
  assert.equal(await verbose(), WITH);
  assert.equal((await get('/readyz/jwt-authenticators')).body, 'ok');
});

test('the reload that removes every issuer removes the check and its path', async () => {
  const since = s.server.log.length;
  s.writeConfig(`${ANON}jwt: []\n`);
  assert.ok(await eventually(() => logged('"reloaded authentication config"', since), 5000));
  assert.equal(await verbose(), WITHOUT);
  assert.equal((await get('/readyz/jwt-authenticators')).status, 404);
});

/** A reloader on its own (no server), with a fake build whose health is `health`. */
function reloader(path: string, health: () => Error | undefined) {
  const logger = memoryLogger();
  const counts = { success: 0, failure: 0 };
  const metrics: AuthenticationConfigMetrics = {
    reloadSucceeded: () => void counts.success++,
    reloadFailed: () => void counts.failure++,
    configInForce: () => undefined,
  };
  const built: ReloadableAuthenticators[] = [];
  const r = new AuthenticationConfigReloader<ReloadableAuthenticators>({
    path,
    initialData: '',
    initialAnonymous: undefined,
    logger,
    metrics,
    healthPollMs: 5,
    healthTimeoutMs: 30,
    build: () => {
      const b = { healthCheck: health, close: () => undefined };
      built.push(b);
      return b;
    },
    apply: () => undefined,
  });
  return { r, logger, counts, built };
}

test('a refused reload with several unready issuers: one flat aggregate, as utilerrors flattens nested ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-reload-'));
  const path = join(dir, 'authn.yaml');
  writeFileSync(path, `${HEADER}jwt:\n- issuer:\n    url: https://a.example\n    audiences: [k8s]\n  claimMappings:\n    username:\n      claim: sub\n      prefix: ""\n`);
  const { r, logger, counts } = reloader(path, () => new HealthAggregate(['issuer a is not healthy', 'issuer b is not healthy']));
  await r.check();
  r.stop();
  assert.deepEqual(logger.lines, ['E "failed to update authentication config" err="[issuer a is not healthy, issuer b is not healthy, context deadline exceeded]"']);
  assert.deepEqual(counts, { success: 0, failure: 1 });
});

test('a directory where the file was: os.ReadFile\'s read error, retried', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'doorman-reload-'));
  const path = join(dir, 'authn.yaml');
  mkdirSync(path);
  const { r, logger, counts } = reloader(path, () => undefined);
  await r.check();
  await r.check();
  r.stop();
  const line = `E "failed to read authentication config file" err="read ${path}: is a directory"`;
  assert.deepEqual(logger.lines, [line, line]);
  assert.deepEqual(counts, { success: 0, failure: 2 });
});
