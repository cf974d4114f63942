/**
 * The JWT authenticator metrics against kube's own metrics_test.go (plugin/pkg/authenticator/
 * token/oidc): label hashes, label order, the key-set series replaced on a new JWKS and dropped
 * (with its fetch timestamps) when the issuer leaves the configuration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createJWTMetrics } from '../../../src/authn/jwt/metrics.js';

// kube's metrics_test.go constants and the hashes its expected output names.
const ISSUER = 'testIssuer';
const SERVER = 'testAPIServerID';
const KEYSET = '{"keys":[{"kty":"RSA","use":"sig","kid":"test"}]}';
const SECOND_ISSUER = 'https://another-issuer.example.com';
const SECOND_KEYSET = '{"keys":[{"kty":"EC","use":"sig","kid":"test2"}]}';
const H = {
  server: 'sha256:14f9d63e669337ac6bfda2e2162915ee6a6067743eddd4e5c374b572f951ff37',
  issuer: 'sha256:29b34beedc55b972f2428f21bc588f9d38e5e8f7a7af825486e7bb4fd9caa2ad',
  second: 'sha256:f10ab1bafaa1a8628d0fae41ee554948912b01957e4a2db1698fc1c3e4451682',
  keyset: 'sha256:d132d414ef2da3d863abd7bf0165c00403ef1d3510faf8fdf1d7cf335c888e53',
  secondKeyset: 'sha256:1b5293c65ffc96e13f2d6fefae782190aec8cfb89957a3109419d4f47b80e3e8',
};
const INFO = 'apiserver_authentication_jwt_authenticator_jwks_fetch_last_key_set_info';
const HELP = `# HELP ${INFO} [ALPHA] Information about the last JWKS fetched by the JWT authenticator with hash as label, split by api server identity and jwt issuer.`;
const info = (hash: string, issuer: string): string => `${INFO}{apiserver_id_hash="${H.server}",hash="${hash}",jwt_issuer_hash="${issuer}"} 1`;

async function lines(registry: Registry, prefix: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => l.startsWith(prefix) || l.includes(` ${prefix}`));
}

test('kube TestJWKSHashCollector_*: one key-set series per issuer, replaced by a new JWKS, dropped with the issuer', async () => {
  const registry = new Registry();
  const m = createJWTMetrics(registry, SERVER);
  m.jwksFetched(ISSUER, 'success', KEYSET);
  assert.deepEqual(await lines(registry, INFO), [HELP, `# TYPE ${INFO} gauge`, info(H.keyset, H.issuer)]);
  m.jwksFetched(SECOND_ISSUER, 'success', SECOND_KEYSET);
  assert.deepEqual((await lines(registry, INFO)).slice(2), [info(H.keyset, H.issuer), info(H.secondKeyset, H.second)]);
  // UpdateExistingHash: the issuer's new key set replaces its old series.
  m.jwksFetched(ISSUER, 'success', SECOND_KEYSET);
  assert.deepEqual((await lines(registry, INFO)).slice(2).sort(), [info(H.secondKeyset, H.issuer), info(H.secondKeyset, H.second)].sort());
  // DeleteJWKSFetchMetrics: the hash and both timestamp series of the issuer go.
  m.jwksFetched(ISSUER, 'failure');
  m.forgetIssuer(ISSUER);
  assert.deepEqual((await lines(registry, INFO)).slice(2), [info(H.secondKeyset, H.second)]);
  const stamps = (await lines(registry, 'apiserver_authentication_jwt_authenticator_jwks_fetch_last_timestamp_seconds{')).map((l) => l.replace(/ \S+$/, ''));
  assert.deepEqual(stamps, [`apiserver_authentication_jwt_authenticator_jwks_fetch_last_timestamp_seconds{apiserver_id_hash="${H.server}",jwt_issuer_hash="${H.second}",result="success"}`]);
});

test('kube TestRecordAuthenticationLatency: the issuer hash and result label, sum and count', async () => {
  const registry = new Registry();
  const m = createJWTMetrics(registry, SERVER);
  m.observeLatency(ISSUER, 'failure', 1e-9);
  const name = 'apiserver_authentication_jwt_authenticator_latency_seconds';
  const text = await registry.metrics();
  assert.ok(text.includes(`# HELP ${name} [ALPHA] Latency of jwt authentication operations in seconds. This is the time spent authenticating a token for cache miss only (i.e. when the token is not found in the cache).\n# TYPE ${name} histogram\n`));
  assert.ok(text.includes(`${name}_sum{jwt_issuer_hash="${H.issuer}",result="failure"} 1e-9\n`));
  assert.ok(text.includes(`${name}_count{jwt_issuer_hash="${H.issuer}",result="failure"} 1\n`));
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"`, 'gm'))].map((b) => b[1]);
  assert.deepEqual(buckets, ['0.001', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
});
