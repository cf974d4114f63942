/**
 * kube-apiserver's authentication configuration controller metrics
 * (pkg/server/options/authenticationconfig/metrics): automatic reloads by status, the time of the
 * last one, and the hash of the configuration in force. Also the API server identity whose hash
 * labels them, derived from the host name as kube-apiserver derives it.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { Counter, Gauge, type Registry } from 'prom-client';
import { metricHash } from '../authn/jwt/keyset.js';
import { registeredMetric } from '../util/metrics.js';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * kube-apiserver's identity: `apiserver-` + lower-case unpadded base32 of the first 16 bytes of
 * sha256(len-prefixed host name ‖ len-prefixed "kube-apiserver").
 */
export function apiServerID(host: string = hostname()): string {
  const h = Buffer.from(host, 'utf8');
  const c = Buffer.from('kube-apiserver', 'utf8');
  const len = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
  const digest = createHash('sha256').update(Buffer.concat([len(h.length), h, len(c.length), c])).digest().subarray(0, 16);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return `apiserver-${out}`;
}

export interface AuthenticationConfigMetrics {
  reloadSucceeded(data: string): void;
  reloadFailed(): void;
  /** The configuration in force (set at start-up and after each successful reload). */
  configInForce(data: string): void;
}

/**
 * Registers (or reuses) the controller metrics on `registry`.
 *
 * @example
 * const m = createAuthenticationConfigMetrics(registry, apiServerID());
 */
export function createAuthenticationConfigMetrics(registry: Registry, serverID: string): AuthenticationConfigMetrics {
  const reloads = registeredMetric(registry, Counter, {
    name: 'apiserver_authentication_config_controller_automatic_reloads_total',
    help: '[BETA] Total number of automatic reloads of authentication configuration split by status and apiserver identity.',
    labelNames: ['status', 'apiserver_id_hash'],
    registers: [registry],
  });
  const last = registeredMetric(registry, Gauge, {
    name: 'apiserver_authentication_config_controller_automatic_reload_last_timestamp_seconds',
    help: '[BETA] Timestamp of the last automatic reload of authentication configuration split by status and apiserver identity.',
    labelNames: ['status', 'apiserver_id_hash'],
    registers: [registry],
  });
  const info = registeredMetric(registry, Gauge, {
    name: 'apiserver_authentication_config_controller_last_config_info',
    help: '[ALPHA] Information about the last applied authentication configuration with hash as label, split by apiserver identity.',
    labelNames: ['apiserver_id_hash', 'hash'],
    registers: [registry],
  });
  const apiserver_id_hash = metricHash(serverID);
  const record = (status: 'success' | 'failure'): void => {
    // Label objects in name order: prom-client prints them as given, the Go client sorts them.
    reloads.inc({ apiserver_id_hash, status });
    last.set({ apiserver_id_hash, status }, Date.now() / 1000);
  };
  const inForce = (data: string): void => {
    // One series: the configuration in force.
    info.reset();
    info.set({ apiserver_id_hash, hash: metricHash(data) }, 1);
  };
  return {
    reloadSucceeded(data) {
      record('success');
      inForce(data);
    },
    reloadFailed: () => record('failure'),
    configInForce: inForce,
  };
}
