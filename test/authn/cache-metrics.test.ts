/**
 * kube's `authentication_token_cache_*` metrics on a running `doorman serve` with a real
 * issuer: a miss then a hit for one token (one ok fetch), a token of the issuer that fails
 * (never cached: a miss and an error fetch each time), help texts, types and buckets as
 * kube-apiserver prints them. `/metrics` is read anonymously so that reading never counts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestIssuer } from './jwt/issuer.js';
import { eventually, jwtServer, type JWTServer } from './jwt/harness.js';
import { httpsRequest } from '../helpers/tls.js';

let issuer: TestIssuer;
let s: JWTServer;
const ANON = 'anonymous:\n  enabled: true\n  conditions:\n  - path: /metrics\n';

before(async () => {
  issuer = await TestIssuer.create();
  s = await jwtServer(`${ANON}jwt:\n${issuer.yaml('  claimMappings:\n    username:\n      claim: sub\n      prefix: ""')}\n`);
  assert.ok(await eventually(() => s.server.runtime.authentication.jwt?.healthCheck() === undefined));
});

after(async () => {
  await s.close();
  await issuer.stop();
});

async function scrape(): Promise<string> {
  const r = await httpsRequest(s.server.port, s.server.ca, '/metrics');
  assert.equal(r.status, 200);
  return r.body;
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('a miss then a hit for one token; a failing token is a miss and an error fetch every time', async () => {
  const token = await issuer.sign(issuer.claims({ sub: 'cached' }));
  assert.equal((await s.request(token)).user?.username, 'cached');
  assert.equal((await s.request(token)).user?.username, 'cached');
  const wrongAudience = await issuer.sign(issuer.claims({ aud: 'someone-else' }));
  for (let i = 0; i < 2; i++) assert.equal((await s.request(wrongAudience)).status, 401);

  const text = await scrape();
  assert.equal(sample(text, 'authentication_token_cache_request_total{status="miss"}'), 3);
  assert.equal(sample(text, 'authentication_token_cache_request_total{status="hit"}'), 1);
  assert.equal(sample(text, 'authentication_token_cache_fetch_total{status="ok"}'), 1);
  assert.equal(sample(text, 'authentication_token_cache_fetch_total{status="error"}'), 2);
  assert.equal(sample(text, 'authentication_token_cache_active_fetch_count{status="in_flight"}'), 0);
  assert.equal(sample(text, 'authentication_token_cache_active_fetch_count{status="blocked"}'), 0);
  assert.equal(sample(text, 'authentication_token_cache_request_duration_seconds_count{status="hit"}'), 1);
  assert.equal(sample(text, 'authentication_token_cache_request_duration_seconds_count{status="miss"}'), 3);
  // A hit takes well under the first bucket (kube counts whole milliseconds).
  assert.equal(sample(text, 'authentication_token_cache_request_duration_seconds_bucket{le="0.005",status="hit"}'), 1);
  assert.equal(sample(text, 'authentication_token_cache_request_duration_seconds_bucket{le="+Inf",status="miss"}'), 3);
  const les = [...text.matchAll(/^authentication_token_cache_request_duration_seconds_bucket\{le="([^"]+)",status="hit"\}/gm)].map((m) => m[1]);
  assert.deepEqual(les, ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
  for (const [name, type] of [
    ['authentication_token_cache_request_total', 'counter'],
    ['authentication_token_cache_request_duration_seconds', 'histogram'],
    ['authentication_token_cache_fetch_total', 'counter'],
    ['authentication_token_cache_active_fetch_count', 'gauge'],
  ]) {
    assert.ok(text.includes(`\n# HELP ${name} [ALPHA] \n# TYPE ${name} ${type}\n`), name);
  }
});
