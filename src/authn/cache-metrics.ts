/**
 * kube-apiserver's token cache metrics (pkg/authentication/token/cache/stats.go): lookups by
 * `hit`/`miss` with their latency, fetches (lookups behind a miss, shared by concurrent misses)
 * by `ok`/`error`, and the fetches in flight and requests blocked on one. kube gives them no help
 * text, so each prints as component-base's bare `[ALPHA] ` prefix.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { registeredMetric } from '../util/metrics.js';

/** What the token cache reports; times are `performance.now()` milliseconds. */
export interface TokenCacheMetrics {
  /** A lookup answered from the cache. */
  hit(startedMs: number): void;
  /** A lookup that missed has been answered (by its own fetch or a shared one). */
  miss(startedMs: number): void;
  /** A missed lookup starts (+1) or stops (-1) waiting for a fetch. */
  blocked(delta: 1 | -1): void;
  /** A fetch (the inner authenticator's lookup) starts. */
  fetchStarted(): void;
  /** A fetch ended; `ok` unless it produced an error (a "no opinion" is ok, as in kube). */
  fetchDone(ok: boolean): void;
}

/** Counts nothing: a cache built without a registry (tests, `doorman check` callers of the library). */
export const NOOP_TOKEN_CACHE_METRICS: TokenCacheMetrics = {
  hit: () => undefined,
  miss: () => undefined,
  blocked: () => undefined,
  fetchStarted: () => undefined,
  fetchDone: () => undefined,
};

/** The metrics' own HELP text: kube sets none, component-base adds the stability level. */
const HELP = '[ALPHA] ';

/**
 * Registers (or reuses) the token cache metrics on `registry`.
 *
 * @example
 * const cache = cachedTokenAuthenticator(union, { metrics: createTokenCacheMetrics(registry) });
 */
export function createTokenCacheMetrics(registry: Registry): TokenCacheMetrics {
  const base = { help: HELP, labelNames: ['status'], registers: [registry] };
  const requests = registeredMetric(registry, Counter, { ...base, name: 'authentication_token_cache_request_total' });
  // kube sets no buckets: the Go client's DefBuckets.
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const latency = registeredMetric(registry, Histogram, { ...base, name: 'authentication_token_cache_request_duration_seconds', buckets });
  const fetches = registeredMetric(registry, Counter, { ...base, name: 'authentication_token_cache_fetch_total' });
  const active = registeredMetric(registry, Gauge, { ...base, name: 'authentication_token_cache_active_fetch_count' });
  // Label objects built once: a hit is on every cached request's path.
  const HIT = { status: 'hit' };
  const MISS = { status: 'miss' };
  const OK = { status: 'ok' };
  const ERROR = { status: 'error' };
  const IN_FLIGHT = { status: 'in_flight' };
  const BLOCKED = { status: 'blocked' };
  // kube observes whole milliseconds (`latency.Milliseconds() / 1000`).
  const seconds = (startedMs: number): number => Math.floor(performance.now() - startedMs) / 1000;
  return {
    hit(startedMs) {
      requests.inc(HIT);
      latency.observe(HIT, seconds(startedMs));
    },
    miss(startedMs) {
      requests.inc(MISS);
      latency.observe(MISS, seconds(startedMs));
    },
    blocked: (delta) => active.inc(BLOCKED, delta),
    fetchStarted: () => active.inc(IN_FLIGHT),
    fetchDone(ok) {
      fetches.inc(ok ? OK : ERROR);
      active.dec(IN_FLIGHT);
    },
  };
}
