/** The token cache: successes for 10 s, failures never, audiences apart, one lookup per concurrent miss. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cachedTokenAuthenticator } from '../../src/authn/cache.js';
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
