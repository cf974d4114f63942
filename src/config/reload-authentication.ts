/**
 * The authentication half of a runtime, as kube-apiserver's ToAuthenticationConfig + ApplyTo
 * assemble it: `--oidc-*` flag checks, `--authentication-config` (or the flags) validated with CEL
 * compiled, the anonymous decision, the JWT authenticators in the token union after the token
 * file, the request chain with its token cache and the cache's metrics, the `/readyz` check for
 * issuers not discovered yet, and the reload loop that swaps the JWT authenticators (and with them
 * the whole chain and that check).
 */
import type { Registry } from 'prom-client';
import { DoormanError, FieldErrorList, aggregateMessages } from '../errors.js';
import { buildAuthenticator } from '../authn/chain.js';
import type { TokenCacheOptions } from '../authn/cache.js';
import { createTokenCacheMetrics } from '../authn/cache-metrics.js';
import { createJWTMetrics, type JWTMetrics } from '../authn/jwt/metrics.js';
import { JWTAuthenticatorSet } from '../authn/jwt/set.js';
import type { TokenAuthenticator } from '../authn/tokenfile.js';
import type { Authenticator } from '../authn/types.js';
import type { HealthCheck } from '../health/index.js';
import type { Logger } from '../server/log.js';
import {
  ALL_SIGNING_ALGORITHMS,
  jwtFromOIDCFlags,
  loadAuthenticationConfiguration,
  resolveAnonymous,
  validateAndCompileAuthenticationConfiguration,
  validateOIDCFlags,
  type AuthenticationConfiguration,
  type CompiledJWTAuthenticator,
  type EffectiveAnonymous,
  type OIDCFlags,
} from './authentication.js';
import { AuthenticationConfigReloader, type ReloadTiming } from './reload.js';
import { apiServerID, createAuthenticationConfigMetrics } from './reload-metrics.js';

/** The JWT slot of the token union when no issuer is configured: never claims a token. */
const NO_ISSUERS: TokenAuthenticator = { name: 'jwt', inMemory: true, authenticateToken: () => ({ kind: 'none' }) };

/** kube-apiserver has no such check (kubernetes/kubernetes#134689); doorman names it so. */
export const JWT_READYZ_CHECK = 'jwt-authenticators';

/**
 * The `/readyz` check of one JWT authenticator set: present only when it has issuers, so a
 * configuration without `jwt` keeps kube-apiserver's exact listing.
 */
function jwtReadyzChecks(set: JWTAuthenticatorSet | undefined): readonly HealthCheck[] {
  return set && set.members.length > 0 ? [{ name: JWT_READYZ_CHECK, check: () => set.healthCheck() }] : [];
}

export interface AuthenticationSetupOptions {
  /** --authentication-config */
  readonly authenticationConfig?: string | undefined;
  /** --oidc-* */
  readonly oidc?: OIDCFlags | undefined;
  /** --anonymous-auth, after the AlwaysAllow rule. */
  readonly anonymousFlag: { readonly set: boolean; readonly value: boolean };
  /** True with --client-ca-file. */
  readonly clientCertificates: boolean;
  /** Token authenticators that come before JWT (the token file, already audience-agnostic). */
  readonly tokens: readonly TokenAuthenticator[];
  /** --api-audiences: the audiences the JWT authenticators may answer for (none by default). */
  readonly apiAudiences?: readonly string[] | undefined;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Test and tuning knobs: reload timing, discovery retry period, token cache. */
  readonly timing?: (ReloadTiming & { readonly discoveryRetryMs?: number; readonly tokenCache?: TokenCacheOptions | false }) | undefined;
}

export interface AuthenticationSetup {
  readonly anonymous: EffectiveAnonymous;
  /** The request authenticator in force (undefined: authentication disabled). Changes on reload. */
  readonly authenticator: Authenticator | undefined;
  /** The JWT authenticators in force; undefined when neither the file nor the flags configure them. */
  readonly jwt: JWTAuthenticatorSet | undefined;
  /** Checks to add to `/readyz` for the configuration in force. Change on reload. */
  readonly readyzChecks: readonly HealthCheck[];
  /** Registers a listener called with the new authenticator after each successful reload (`readyzChecks` already new). */
  onChange(listener: (authenticator: Authenticator | undefined) => void): void;
  /** Starts watching --authentication-config (no-op without it). */
  startReloading(): void;
  /** Stops the watcher and every JWT authenticator's background work. */
  close(): void;
}

/**
 * Builds the authentication setup; throws a DoormanError in kube-apiserver's words on bad flags or
 * configuration.
 */
export function buildAuthentication(o: AuthenticationSetupOptions): AuthenticationSetup {
  const flagErrors = validateOIDCFlags(o.oidc, Boolean(o.authenticationConfig));
  if (flagErrors.length > 0) throw new DoormanError('FLAG_INVALID', aggregateMessages(flagErrors));

  let file: AuthenticationConfiguration | undefined;
  let fileData = '';
  if (o.authenticationConfig) ({ config: file, data: fileData } = loadAuthenticationConfiguration(o.authenticationConfig));
  const fromFlags = !o.authenticationConfig && o.oidc ? jwtFromOIDCFlags(o.oidc) : undefined;
  const anonymous = resolveAnonymous(file, o.anonymousFlag);
  const checked = validateAndCompileAuthenticationConfiguration({
    jwt: file?.jwt ?? (fromFlags ? [fromFlags] : []),
    ...(file?.anonymous ? { anonymous: file.anonymous } : {}),
  });
  if (checked.errors.length > 0) throw new FieldErrorList(checked.errors, 'invalid authentication configuration: ');

  // All asymmetric algorithms for the file; --oidc-signing-algs for the flags.
  const algorithms = fromFlags && o.oidc ? o.oidc.signingAlgs : ALL_SIGNING_ALGORITHMS;
  const serverID = apiServerID();
  const jwtMetrics: JWTMetrics | undefined = file || fromFlags ? createJWTMetrics(o.registry, serverID) : undefined;
  const build = (jwt: readonly CompiledJWTAuthenticator[]): JWTAuthenticatorSet =>
    new JWTAuthenticatorSet({
      authenticators: jwt,
      algorithms,
      logger: o.logger,
      ...(o.apiAudiences ? { apiAudiences: o.apiAudiences } : {}),
      ...(jwtMetrics ? { metrics: jwtMetrics } : {}),
      ...(o.timing?.discoveryRetryMs !== undefined ? { retryMs: o.timing.discoveryRetryMs } : {}),
    });
  let jwt = file || fromFlags ? build(checked.jwt) : undefined;

  // One set of cache metrics for every chain a reload builds (kube's are process-wide).
  const cacheMetrics = createTokenCacheMetrics(o.registry);
  const tokenCache: TokenCacheOptions | false = o.timing?.tokenCache === false ? false : { ...o.timing?.tokenCache, metrics: cacheMetrics };
  const chain = (set: JWTAuthenticatorSet | undefined): Authenticator | undefined =>
    buildAuthenticator({
      clientCertificates: o.clientCertificates,
      // kube keeps JWT after the token file (and service accounts) in the token union, and the
      // JWT slot is there even with no issuers (ToAuthenticationConfig always makes a config), so
      // a bearer token is never anonymous. Without issuers the slot is an in-memory "no", which
      // keeps a pure token-file union uncached (see buildAuthenticator).
      tokens: [...o.tokens, set && set.members.length > 0 ? set : NO_ISSUERS],
      anonymous,
      tokenCache,
    });
  let authenticator = chain(jwt);
  let readyzChecks = jwtReadyzChecks(jwt);
  const listeners: ((a: Authenticator | undefined) => void)[] = [];

  let reloader: AuthenticationConfigReloader<JWTAuthenticatorSet> | undefined;
  if (o.authenticationConfig && file) {
    const metrics = createAuthenticationConfigMetrics(o.registry, serverID);
    metrics.configInForce(fileData);
    reloader = new AuthenticationConfigReloader({
      ...(o.timing ?? {}),
      path: o.authenticationConfig,
      initialData: fileData,
      initialAnonymous: file.anonymous,
      logger: o.logger,
      metrics,
      build,
      apply(next) {
        const old = jwt;
        // A new chain means a new token cache: no result of the old configuration outlives the swap.
        jwt = next;
        authenticator = chain(next);
        readyzChecks = jwtReadyzChecks(next);
        for (const gone of old?.issuers ?? []) if (!next.issuers.includes(gone)) jwtMetrics?.forgetIssuer(gone);
        for (const l of listeners) l(authenticator);
        return old;
      },
    });
  }

  return {
    anonymous,
    get authenticator() {
      return authenticator;
    },
    get jwt() {
      return jwt;
    },
    get readyzChecks() {
      return readyzChecks;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    startReloading() {
      reloader?.start();
    },
    close() {
      reloader?.stop();
      jwt?.close();
    },
  };
}
