/**
 * From typed `serve` options to a frozen runtime: every file loaded and validated, the
 * authenticator and authorizer chains built, health endpoints and routes in place. Errors are
 * DoormanErrors worded as kube-apiserver words them; nothing here listens on a port.
 */
import { DoormanError } from './errors.js';
import { readConfigFile } from './config/decode.js';
import type { EffectiveAnonymous, OIDCFlags } from './config/authentication.js';
import { buildAuthentication, type AuthenticationSetup, type AuthenticationSetupOptions } from './config/reload-authentication.js';
import { loadTokenFile } from './authn/tokenfile.js';
import { audienceAgnosticToken } from './authn/audiences.js';
import type { TokenAuthenticator } from './authn/tokenfile.js';
import { buildAuthorizer, type AuthorizerSetup } from './authz/setup.js';
import { defaultHealthEndpoints, shutdownCheck, type HealthEndpoint } from './health/index.js';
import { builtinHandler } from './api/router.js';
import { metricsHandler } from './api/metrics.js';
import type { EngineSnapshot, Handler } from './engine.js';
import type { Logger } from './server/log.js';
import { Registry } from 'prom-client';
import { buildAuditor, defaultAuditOptions, type AuditBackend, type AuditOptions, type Auditor } from './audit/index.js';
import { isIP } from 'node:net';

/** `doorman serve`'s options, typed; flag names in comments. */
export interface ServeOptions {
  /** --secure-port */
  readonly securePort: number;
  /** --bind-address */
  readonly bindAddress: string;
  /** --tls-cert-file, --tls-private-key-file, --cert-dir */
  readonly tlsCertFile?: string | undefined;
  readonly tlsPrivateKeyFile?: string | undefined;
  readonly certDir: string;
  /** --client-ca-file */
  readonly clientCAFile?: string | undefined;
  /** --token-auth-file */
  readonly tokenAuthFile?: string | undefined;
  /** --api-audiences; none by default (doorman has no --service-account-issuer to default them from). */
  readonly apiAudiences?: readonly string[] | undefined;
  /** --anonymous-auth: whether it was on the command line, and its value (default true). */
  readonly anonymousAuth: { readonly set: boolean; readonly value: boolean };
  /** --authentication-config */
  readonly authenticationConfig?: string | undefined;
  /** --oidc-*; undefined (or `set: false`) when none was given. */
  readonly oidc?: OIDCFlags | undefined;
  /** Not a flag: reload and discovery timing (tests shorten it; kube's defaults otherwise). */
  readonly authenticationTiming?: AuthenticationSetupOptions['timing'];
  /** --authorization-mode; undefined when not given. */
  readonly authorizationModes?: readonly string[] | undefined;
  /** --rbac-objects (repeatable) */
  readonly rbacObjects: readonly string[];
  /** --shutdown-delay-duration, in ms */
  readonly shutdownDelayMs: number;
  /** Every --audit-* flag; kube-apiserver's defaults when absent. */
  readonly audit?: AuditOptions | undefined;
  /**
   * Not a flag: replaces the --audit-log-* and --audit-webhook-* backends with this one
   * (`doorman check` and `validate` keep events in memory and write nothing).
   */
  readonly auditBackend?: AuditBackend | undefined;
}

/**
 * The serving flags' own checks, in kube-apiserver's words (empty when valid).
 *
 * @example validateServingOptions({ ...o, securePort: 0 }) // ['--secure-port 0 must be between 1 and 65535, inclusive. It cannot be turned off with 0']
 */
export function validateServingOptions(o: Pick<ServeOptions, 'securePort' | 'bindAddress'>): string[] {
  const errs: string[] = [];
  if (o.securePort < 1 || o.securePort > 65535) {
    errs.push(`--secure-port ${o.securePort} must be between 1 and 65535, inclusive. It cannot be turned off with 0`);
  }
  if (isIP(o.bindAddress) === 0) errs.push(`--bind-address ${JSON.stringify(o.bindAddress)} is not a valid IP address`);
  return errs;
}

/** The address clients are given: the bind address, or 127.0.0.1 when bound to every interface. */
export function advertiseAddress(o: Pick<ServeOptions, 'bindAddress'>): string {
  return o.bindAddress === '0.0.0.0' || o.bindAddress === '::' ? '127.0.0.1' : o.bindAddress;
}

/** `host:port` of the advertised address (IPv6 bracketed), as discovery documents name the server. */
export function serverHostPort(o: Pick<ServeOptions, 'bindAddress' | 'securePort'>): string {
  const a = advertiseAddress(o);
  return isIP(a) === 6 ? `[${a}]:${o.securePort}` : `${a}:${o.securePort}`;
}

export interface Runtime {
  /** The snapshot in force: a reload of --authentication-config replaces it in one step. */
  readonly snapshot: EngineSnapshot;
  /** JWT authenticators, the config watcher (`startReloading()` once serving) and `close()`. */
  readonly authentication: AuthenticationSetup;
  readonly clientCA?: string | undefined;
  /** The health endpoints in force (a reload may add or remove `/readyz/jwt-authenticators`). */
  readonly health: readonly HealthEndpoint[];
  readonly shutdown: ReturnType<typeof shutdownCheck>;
  readonly anonymous: EffectiveAnonymous;
  readonly authorization: AuthorizerSetup;
  readonly auditor: Auditor;
  /** This server's metrics registry (never the process-global one). */
  readonly registry: Registry;
}

/** Reads `--client-ca-file`; throws a DoormanError in kube-apiserver's words when it holds no certificate. */
export function loadClientCA(path: string): string {
  const pem = readConfigFile(path);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new DoormanError('CONFIG_DECODE', `unable to load client CA file "${path}": data does not contain any valid RSA or ECDSA certificates`);
  }
  return pem;
}

/** Builds the runtime; throws a DoormanError with kube-apiserver's words on bad configuration. */
export function buildRuntime(o: ServeOptions, logger: Logger, serverAddress: string, extraRoutes?: ReadonlyMap<string, Handler>): Runtime {
  // Authorization first: its modes decide whether the flag's anonymous setting survives.
  const authorization = buildAuthorizer({ modes: o.authorizationModes, rbacObjectPaths: o.rbacObjects });
  for (const w of authorization.warnings) logger.warn(w);

  let anonymousFlag = o.anonymousAuth;
  if (anonymousFlag.value && authorization.modes.includes('AlwaysAllow')) {
    logger.warn('AnonymousAuth is not allowed with the AlwaysAllow authorizer. Resetting AnonymousAuth to false. You should use a different authorizer');
    anonymousFlag = { set: anonymousFlag.set, value: false };
  }

  const apiAudiences = o.apiAudiences ?? [];
  const tokens: TokenAuthenticator[] = [];
  if (o.tokenAuthFile) {
    const tf = loadTokenFile(o.tokenAuthFile);
    for (const w of tf.warnings) logger.warn(w);
    tokens.push(audienceAgnosticToken(apiAudiences, tf.authenticator));
  }
  const clientCA = o.clientCAFile ? loadClientCA(o.clientCAFile) : undefined;
  const registry = new Registry();
  const authentication = buildAuthentication({
    authenticationConfig: o.authenticationConfig,
    oidc: o.oidc,
    anonymousFlag,
    clientCertificates: clientCA !== undefined,
    tokens,
    apiAudiences,
    registry,
    logger,
    timing: o.authenticationTiming,
  });
  const anonymous = authentication.anonymous;
  if (!authentication.authenticator) logger.warn('Authentication is disabled');

  const auditor = buildAuditor(o.audit ?? defaultAuditOptions(), registry, {
    log: (m) => logger.error(m),
    ...(o.auditBackend ? { backend: o.auditBackend } : {}),
  });
  for (const w of auditor.warnings) logger.warn(w);

  const shutdown = shutdownCheck();
  const routes = new Map<string, Handler>(extraRoutes ?? []);
  routes.set('/metrics', metricsHandler(registry));
  // The review APIs answer with the same chains the engine enforces with.
  const reviews = {
    authorizer: authorization.authorizer,
    ruleResolver: authorization.ruleResolver,
    apiAudiences,
    // Read per review, so a TokenReview follows a reload of --authentication-config.
    get authenticator() {
      return authentication.authenticator;
    },
  };
  // The health endpoints (and so the routes) follow the configuration's /readyz checks.
  const serving = (): { health: readonly HealthEndpoint[]; handler: Handler } => {
    const health = defaultHealthEndpoints(shutdown, authentication.readyzChecks);
    return { health, handler: builtinHandler({ health, serverAddress, extra: routes, reviews }) };
  };
  let served = serving();
  let snapshot: EngineSnapshot = Object.freeze({
    authenticator: authentication.authenticator,
    authorizer: authorization.authorizer,
    handler: served.handler,
    auditor,
    ...(apiAudiences.length > 0 ? { apiAudiences } : {}),
  });
  // A reload swaps the whole snapshot: a request decides against the old one or the new one.
  authentication.onChange((authenticator) => {
    served = serving();
    snapshot = Object.freeze({ ...snapshot, authenticator, handler: served.handler });
  });
  return {
    get snapshot() {
      return snapshot;
    },
    authentication,
    clientCA,
    get health() {
      return served.health;
    },
    shutdown,
    anonymous,
    authorization,
    auditor,
    registry,
  };
}

