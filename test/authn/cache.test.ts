/** The token cache: successes for 10 s, failures never, audiences apart, one lookup per concurrent miss, kube's metrics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { cachedTokenAuthenticator } from '../../src/authn/cache.js';
import { createTokenCacheMetrics } from '../../src/authn/cache-metrics.js';
import type { TokenAuthenticator, TokenContext } from '../../src/authn/tokenfile.js';
import type { AuthenticationResult } from '../../src/authn/types.js';

function counting(answer: (token: string, ctx?: TokenContext) => AuthenticationResult): TokenAuthenticator & { calls: number } {
  const a = {
    name: 'inner',
    calls: 0,
    async authenticateToken(token: string, ctx?: TokenContext): Promise<AuthenticationResult> {
      a.calls++;
      await new Promise((r) => setTimeout(r, 5));
      return answer(token, ctx);
    },
  };
  return a;
}

const ok = (name: string): AuthenticationResult => ({ kind: 'authenticated', user: { name, uid: '', groups: [], extra: {} }, authenticator: 'inner' });

test('a success is cached for the TTL; then looked up again', async () => {
  let now = 1_000;
  const inner = counting((t) => ok(t));
  const c = cachedTokenAuthenticator(inner, { now: () => now });
  assert.deepEqual(await c.authenticateToken('t'), ok('t'));
  assert.deepEqual(await c.authenticateToken('t'), ok('t'));
  assert.equal(inner.calls, 1);
  now += 9_999;
  await c.authenticateToken('t');
  assert.equal(inner.calls, 1);
  now += 2;
  await c.authenticateToken('t');
  assert.equal(inner.calls, 2);
});

test('errors and no-opinion are never cached (failure TTL 0)', async () => {
  const inner = counting((t) => (t === 'bad' ? { kind: 'error', message: 'nope' } : { kind: 'none' }));
  const c = cachedTokenAuthenticator(inner);
  for (let i = 0; i < 3; i++) {
    await c.authenticateToken('bad');
    await c.authenticateToken('unknown');
  }
  assert.equal(inner.calls, 6);
  assert.equal(c.size, 0);
});

test('different audiences never share an entry; no audiences differs from an empty list', async () => {
  const inner = counting((t, ctx) => ok(`${t}:${(ctx?.audiences ?? ['-']).join(',')}`));
  const c = cachedTokenAuthenticator(inner);
  const names = [];
  for (const ctx of [undefined, { audiences: [] }, { audiences: ['a'] }, { audiences: ['a', 'b'] }, { audiences: ['ab'] }, undefined, { audiences: ['a'] }]) {
    const r = await c.authenticateToken('t', ctx);
    names.push(r.kind === 'authenticated' ? r.user.name : '');
  }
  assert.deepEqual(names, ['t:-', 't:', 't:a', 't:a,b', 't:ab', 't:-', 't:a']);
  assert.equal(inner.calls, 5);
});

test('concurrent misses for one token share one lookup; clear() forgets everything', async () => {
  const inner = counting((t) => ok(t));
  const c = cachedTokenAuthenticator(inner);
  const rs = await Promise.all(Array.from({ length: 10 }, () => c.authenticateToken('same')));
  assert.equal(inner.calls, 1);
  assert.ok(rs.every((r) => r.kind === 'authenticated'));
  c.clear();
  await c.authenticateToken('same');
  assert.equal(inner.calls, 2);
});

test('a throwing authenticator is an error result, never a crash; entries are bounded', async () => {
  const c = cachedTokenAuthenticator({ name: 'x', authenticateToken: () => Promise.reject(new Error('boom')) });
  assert.deepEqual(await c.authenticateToken('t'), { kind: 'error', message: 'authentication failed unexpectedly' });
  const small = cachedTokenAuthenticator({ name: 'y', authenticateToken: (t) => ok(t) }, { maxEntries: 2 });
  for (const t of ['a', 'b', 'c']) await small.authenticateToken(t);
  assert.equal(small.size, 2);
});

test('kube\'s token cache metrics: hits, misses, one fetch per concurrent miss, in-flight and blocked', async () => {
  const registry = new Registry();
  let release: (r: AuthenticationResult) => void = () => undefined;
  const inner: TokenAuthenticator = {
    name: 'slow',
    authenticateToken: (t) => (t === 'bad' ? { kind: 'error', message: 'nope' } : new Promise<AuthenticationResult>((r) => (release = r))),
  };
  const c = cachedTokenAuthenticator(inner, { metrics: createTokenCacheMetrics(registry) });
  const value = async (series: string): Promise<number> => {
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
  };
  const waiting = [c.authenticateToken('t'), c.authenticateToken('t'), c.authenticateToken('t')];
  assert.equal(await value('authentication_token_cache_active_fetch_count{status="in_flight"}'), 1);
  assert.equal(await value('authentication_token_cache_active_fetch_count{status="blocked"}'), 3);
  release(ok('t'));
  await Promise.all(waiting);
  await c.authenticateToken('t');
  await c.authenticateToken('bad');
  assert.equal(await value('authentication_token_cache_active_fetch_count{status="in_flight"}'), 0);
  assert.equal(await value('authentication_token_cache_active_fetch_count{status="blocked"}'), 0);
  assert.equal(await value('authentication_token_cache_request_total{status="miss"}'), 4);
  assert.equal(await value('authentication_token_cache_request_total{status="hit"}'), 1);
  assert.equal(await value('authentication_token_cache_fetch_total{status="ok"}'), 1);
  assert.equal(await value('authentication_token_cache_fetch_total{status="error"}'), 1);
  assert.equal(await value('authentication_token_cache_request_duration_seconds_count{status="miss"}'), 4);
  assert.equal(await value('authentication_token_cache_request_duration_seconds_count{status="hit"}'), 1);
  // A second cache on the same registry (a reload's new chain) reuses the metrics.
  cachedTokenAuthenticator(inner, { metrics: createTokenCacheMetrics(registry) });
  assert.equal(await value('authentication_token_cache_request_total{status="hit"}'), 1);
});
