/**
 * kube-apiserver's JWT authenticator metrics (plugin/pkg/authenticator/token/oidc/metrics.go) on
 * a prom-client Registry the server owns: authentication latency per issuer (cache misses only,
 * tokens of other issuers not counted), and the time and key-set hash of the last JWKS fetch.
 * Label values are `sha256:<hex>` hashes, never issuer URLs; help texts carry `[ALPHA] `; labels
 * are given in name order so the text matches the Go client's.
 */
import { Gauge, Histogram, type Registry } from 'prom-client';
import { registeredMetric } from '../../util/metrics.js';
import { metricHash } from './keyset.js';

export interface JWTMetrics {
  observeLatency(issuer: string, result: 'success' | 'failure', seconds: number): void;
  /** A request to the issuer's `jwks_uri` finished; `body` is the key set on success. */
  jwksFetched(issuer: string, result: 'success' | 'failure', body?: string): void;
  /** Drops the JWKS series of an issuer that left the configuration. */
  forgetIssuer(issuer: string): void;
}

export const NOOP_JWT_METRICS: JWTMetrics = { observeLatency: () => undefined, jwksFetched: () => undefined, forgetIssuer: () => undefined };

/**
 * Registers (or reuses, after a reload) the JWT metrics on `registry`.
 *
 * @example
 * const m = createJWTMetrics(registry, 'apiserver-abc');
 */
export function createJWTMetrics(registry: Registry, apiServerID: string): JWTMetrics {
  const latency = registeredMetric(registry, Histogram, {
    name: 'apiserver_authentication_jwt_authenticator_latency_seconds',
    help: '[ALPHA] Latency of jwt authentication operations in seconds. This is the time spent authenticating a token for cache miss only (i.e. when the token is not found in the cache).',
    labelNames: ['result', 'jwt_issuer_hash'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const fetchTime = registeredMetric(registry, Gauge, {
    name: 'apiserver_authentication_jwt_authenticator_jwks_fetch_last_timestamp_seconds',
    help: '[ALPHA] Timestamp of the last successful or failed JWKS fetch split by result, api server identity and jwt issuer for the JWT authenticator.',
    labelNames: ['result', 'jwt_issuer_hash', 'apiserver_id_hash'],
    registers: [registry],
  });
  const keySetInfo = registeredMetric(registry, Gauge, {
    name: 'apiserver_authentication_jwt_authenticator_jwks_fetch_last_key_set_info',
    help: '[ALPHA] Information about the last JWKS fetched by the JWT authenticator with hash as label, split by api server identity and jwt issuer.',
    labelNames: ['jwt_issuer_hash', 'apiserver_id_hash', 'hash'],
    registers: [registry],
  });
  const apiServerIDHash = metricHash(apiServerID);
  // One key-set series per issuer: the previous hash is removed when a new one arrives.
  const lastHash = new Map<string, string>();
  return {
    observeLatency(issuer, result, seconds) {
      latency.observe({ jwt_issuer_hash: metricHash(issuer), result }, seconds);
    },
    jwksFetched(issuer, result, body) {
      const jwt_issuer_hash = metricHash(issuer);
      fetchTime.set({ apiserver_id_hash: apiServerIDHash, jwt_issuer_hash, result }, Date.now() / 1000);
      if (result !== 'success' || body === undefined) return;
      const hash = metricHash(body);
      const old = lastHash.get(issuer);
      if (old !== undefined && old !== hash) keySetInfo.remove({ apiserver_id_hash: apiServerIDHash, hash: old, jwt_issuer_hash });
      keySetInfo.set({ apiserver_id_hash: apiServerIDHash, hash, jwt_issuer_hash }, 1);
      lastHash.set(issuer, hash);
    },
    forgetIssuer(issuer) {
      const jwt_issuer_hash = metricHash(issuer);
      for (const result of ['success', 'failure']) fetchTime.remove({ apiserver_id_hash: apiServerIDHash, jwt_issuer_hash, result });
      const old = lastHash.get(issuer);
      if (old !== undefined) keySetInfo.remove({ apiserver_id_hash: apiServerIDHash, hash: old, jwt_issuer_hash });
      lastHash.delete(issuer);
    },
  };
}
