/**
 * The token cache kube-apiserver puts in front of its token authenticators
 * (pkg/authentication/token/cache): successes are remembered for 10 s, failures not at all, keyed
 * by an HMAC (per-process random key) over the token and the requested audiences, so the token
 * itself is never stored and different audiences never share an entry. Concurrent misses for one
 * key share one lookup. A hit replays the stored result (warnings and trace included). kube's
 * `authentication_token_cache_*` metrics are reported through `metrics`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { NOOP_TOKEN_CACHE_METRICS, type TokenCacheMetrics } from './cache-metrics.js';
import type { TokenAuthenticator, TokenContext } from './tokenfile.js';
import type { AuthenticationResult } from './types.js';

export interface TokenCacheOptions {
  /** kube's `TokenSuccessCacheTTL`, default 10 s; 0 disables caching of successes. */
  readonly successTTLMs?: number;
  /** kube's `TokenFailureCacheTTL`, default 0 (errors and "no opinion" are never cached). */
  readonly failureTTLMs?: number;
  /** Bound on entries (kube has none); the oldest goes first. */
  readonly maxEntries?: number;
  readonly now?: () => number;
  /** Where hits, misses and fetches are counted (kube's stats.go); nowhere by default. */
  readonly metrics?: TokenCacheMetrics;
}

export interface CachedTokenAuthenticator extends TokenAuthenticator {
  /** Forgets every entry (a configuration reload must not serve results of the old one). */
  clear(): void;
  readonly size: number;
}

interface Entry {
  readonly result: AuthenticationResult;
  readonly expires: number;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/**
 * Wraps `inner` (the token union) in the cache.
 *
 * @example
 * const tokens = cachedTokenAuthenticator(unionTokenAuthenticator([tokenFile, jwt]));
 */
export function cachedTokenAuthenticator(inner: TokenAuthenticator, o: TokenCacheOptions = {}): CachedTokenAuthenticator {
  const successTTL = o.successTTLMs ?? 10_000;
  const failureTTL = o.failureTTLMs ?? 0;
  const maxEntries = o.maxEntries ?? 65_536;
  const now = o.now ?? Date.now;
  const metrics = o.metrics ?? NOOP_TOKEN_CACHE_METRICS;
  const hmacKey = randomBytes(32);
  const entries = new Map<string, Entry>();
  const inflight = new Map<string, Promise<AuthenticationResult>>();

  const keyOf = (token: string, context?: TokenContext): string => {
    const h = createHmac('sha256', hmacKey);
    const t = Buffer.from(token, 'utf8');
    h.update(u32(t.length)).update(t);
    const auds = context?.audiences;
    // "No audiences given" and "an empty list" are different requests; keep them apart.
    if (auds === undefined) h.update(u32(0xffffffff));
    else {
      h.update(u32(auds.length));
      for (const a of auds) {
        const b = Buffer.from(a, 'utf8');
        h.update(u32(b.length)).update(b);
      }
    }
    return h.digest('base64');
  };

  const store = (key: string, result: AuthenticationResult): void => {
    const ttl = result.kind === 'authenticated' ? successTTL : failureTTL;
    if (ttl <= 0) return;
    entries.delete(key);
    entries.set(key, { result, expires: now() + ttl });
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  };

  const lookUp = (key: string, token: string, context: TokenContext | undefined): Promise<AuthenticationResult> => {
    metrics.fetchStarted();
    // Assigned before the lookup's first await resolves, so the identity checks below see it.
    let lookup: Promise<AuthenticationResult> | undefined;
    lookup = (async () => {
      let r: AuthenticationResult;
      try {
        r = await inner.authenticateToken(token, context);
        // A clear() while the lookup ran means the configuration changed: do not store.
        if (inflight.get(key) === lookup) store(key, r);
      } catch {
        // kube turns a panicking authenticator into this error; never crash the request.
        r = { kind: 'error', message: 'authentication failed unexpectedly' };
      } finally {
        if (inflight.get(key) === lookup) inflight.delete(key);
      }
      metrics.fetchDone(r.kind !== 'error');
      return r;
    })();
    inflight.set(key, lookup);
    return lookup;
  };

  return {
    name: inner.name,
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
      inflight.clear();
    },
    authenticateToken(token: string, context?: TokenContext): Promise<AuthenticationResult> | AuthenticationResult {
      const started = performance.now();
      const key = keyOf(token, context);
      const hit = entries.get(key);
      if (hit) {
        if (hit.expires > now()) {
          metrics.hit(started);
          return hit.result;
        }
        entries.delete(key);
      }
      // A miss, whether it starts the lookup or joins one, is blocked until that lookup ends.
      metrics.blocked(1);
      return (inflight.get(key) ?? lookUp(key, token, context)).then((r) => {
        metrics.blocked(-1);
        metrics.miss(started);
        return r;
      });
    },
  };
}
