/**
 * One JWT authenticator (a `jwt[]` entry of AuthenticationConfiguration, or the `--oidc-*` flags)
 * as kube-apiserver's oidc.Authenticator behaves: it claims only tokens whose unverified `iss` is
 * its issuer, discovers the issuer in the background (immediately, then on a fixed period until
 * it succeeds), verifies in go-oidc's order, then runs the claim pipeline (distributed claims,
 * username, groups, uid, extra, required claims, claim validation, user validation) with kube's
 * messages. Every failure is an error result (a 401); the trace on the result explains it.
 */
import type { CelValue } from '../../cel/index.js';
import type { CompiledExpression } from '../../cel/index.js';
import { celStringList } from '../../cel/index.js';
import type { CompiledJWTAuthenticator } from '../../config/authentication.js';
import type { Logger } from '../../server/log.js';
import type { TokenAuthenticator, TokenContext } from '../tokenfile.js';
import type { AuthenticationResult, AuthenticationTrace, AuthenticationTraceStep, UserInfo } from '../types.js';
import { CREDENTIAL_ID_KEY } from '../x509.js';
import { ClaimResolver } from './distributed.js';
import { cannotUnmarshal } from './gowords.js';
import { issuerClient, type IssuerClient } from './http.js';
import { RemoteKeySet } from './keyset.js';
import { NOOP_JWT_METRICS, type JWTMetrics } from './metrics.js';
import { discoverProvider } from './provider.js';
import { checkAudiences, untrustedIssuer, verifyIDToken, VerifyError } from './verifier.js';
import { goQuote } from '../../util/goquote.js';

/** kube's discovery retry period. */
export const DISCOVERY_RETRY_MS = 10_000;

const NONE: AuthenticationResult = Object.freeze({ kind: 'none' });

export interface JWTAuthenticatorOptions {
  readonly compiled: CompiledJWTAuthenticator;
  /** The `alg` values accepted (all nine asymmetric ones for the file, `--oidc-signing-algs` for the flags). */
  readonly algorithms: readonly string[];
  readonly metrics?: JWTMetrics;
  /** Receives `oidc authenticator: initializing plugin: <err>` on each failed discovery. */
  readonly logger?: Logger;
  /** Discovery retry period, ms (kube: 10 s). */
  readonly retryMs?: number;
  /** Clock, ms since the epoch. */
  readonly now?: () => number;
}

/** A result of one pipeline stage: a value, or kube's error message. */
type Stage<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Go's json.Unmarshal of a claim into a string: null leaves it empty. */
function claimString(v: unknown): Stage<string> {
  if (v === null) return { ok: true, value: '' };
  if (typeof v === 'string') return { ok: true, value: v };
  return { ok: false, error: cannotUnmarshal(v, 'string') };
}

function has(o: Readonly<Record<string, unknown>>, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function evalError(p: CompiledExpression, err: string): string {
  return `expression '${p.expression}' resulted in error: ${err}`;
}

/**
 * kube's mapper.eval: every expression is evaluated first and the first error aborts; the results
 * are checked afterwards, so an error in a later rule wins over a failure in an earlier one.
 */
function evaluateAll(programs: readonly CompiledExpression[], input: unknown): Stage<CelValue[]> {
  const values: CelValue[] = [];
  for (const p of programs) {
    const r = p.evaluate(input);
    if (!r.ok) return { ok: false, error: evalError(p, r.error) };
    values.push(r.value);
  }
  return { ok: true, value: values };
}

export class JWTAuthenticator implements TokenAuthenticator {
  readonly name = 'jwt';
  readonly issuer: string;
  private readonly audiences: readonly string[];
  private readonly client: IssuerClient;
  private readonly metrics: JWTMetrics;
  private readonly now: () => number;
  private readonly retryMs: number;
  private readonly resolver: ClaimResolver | undefined;
  private keySet: RemoteKeySet | undefined;
  private healthError: string;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly readyWaiters = new Set<() => void>();

  constructor(private readonly o: JWTAuthenticatorOptions) {
    const issuer = o.compiled.config.issuer;
    this.issuer = issuer.url ?? '';
    this.audiences = issuer.audiences ?? [];
    const egress = issuer.egressSelectorType ?? '';
    // doorman has no egress selector configuration, as a kube-apiserver without --egress-selector-config-file.
    if (egress !== '') throw new Error(`oidc: egress lookup required with egress selector type ${goQuote(egress)}`);
    for (const alg of o.algorithms) {
      if (!['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'].includes(alg)) throw new Error(`oidc: unsupported signing alg: ${goQuote(alg)}`);
    }
    this.metrics = o.metrics ?? NOOP_JWT_METRICS;
    this.now = o.now ?? Date.now;
    this.retryMs = o.retryMs ?? DISCOVERY_RETRY_MS;
    this.client = issuerClient({ ca: issuer.certificateAuthority || undefined });
    if (!issuer.certificateAuthority) o.logger?.info("OIDC: No x509 certificates provided, will use host's root CA set");
    this.healthError = `oidc: authenticator for issuer ${goQuote(this.issuer)} is not initialized`;
    const groupsClaim = o.compiled.config.claimMappings?.groups?.claim ?? '';
    this.resolver =
      groupsClaim !== ''
        ? new ClaimResolver({
            claim: groupsClaim,
            client: this.client,
            audiences: this.audiences,
            algorithms: o.algorithms,
            retryMs: this.retryMs,
            now: this.now,
            issuerURL: this.issuer,
            discoveryURL: issuer.discoveryURL || undefined,
            logger: o.logger,
          })
        : undefined;
    this.initialize();
  }

  /** Polls discovery until it succeeds; it is never repeated afterwards (the jwks_uri is fixed). */
  private initialize(): void {
    if (this.closed) return;
    const issuer = this.o.compiled.config.issuer;
    discoverProvider(this.client, this.issuer, issuer.discoveryURL || undefined).then(
      (p) => {
        if (this.closed) return;
        this.keySet = new RemoteKeySet(this.client, p.jwksURI, { fetched: (result, body) => this.metrics.jwksFetched(this.issuer, result, body) }, this.now);
        for (const w of this.readyWaiters) w();
        this.readyWaiters.clear();
      },
      (e: unknown) => {
        if (this.closed) return;
        this.healthError = e instanceof Error ? e.message : String(e);
        this.o.logger?.error(`oidc authenticator: initializing plugin: ${this.healthError}`);
        this.timer = setTimeout(() => this.initialize(), this.retryMs);
        this.timer.unref();
      },
    );
  }

  /** kube's HealthCheck: undefined once discovery succeeded. */
  healthCheck(): Error | undefined {
    if (this.keySet) return undefined;
    return new Error(`oidc: authenticator for issuer ${goQuote(this.issuer)} is not healthy: ${this.healthError}`);
  }

  /** Resolves true once discovery succeeded, false after `timeoutMs` or on close. */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.keySet) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.readyWaiters.delete(done);
        resolve(this.keySet !== undefined);
      };
      const t = setTimeout(done, timeoutMs);
      // Not unref'd: a caller waiting for discovery (`doorman check --token`) must stay alive until it is done.
      this.readyWaiters.add(done);
    });
  }

  /** Stops background discovery and closes the issuer connections. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.resolver?.close();
    this.client.close();
    for (const w of [...this.readyWaiters]) w();
  }

  async authenticateToken(token: string, _context?: TokenContext): Promise<AuthenticationResult> {
    if (untrustedIssuer(token) !== this.issuer) return NONE;
    const start = performance.now();
    const r = await this.verifyAndMap(token);
    // A retired authenticator (replaced by a reload) still answers, but is no longer measured.
    if (!this.closed) this.metrics.observeLatency(this.issuer, r.kind === 'authenticated' ? 'success' : 'failure', (performance.now() - start) / 1000);
    return r;
  }

  private async verifyAndMap(token: string): Promise<AuthenticationResult> {
    const steps: AuthenticationTraceStep[] = [{ step: 'issuer', outcome: 'pass', detail: `the token's iss claims this authenticator (${this.issuer})` }];
    const trace = (user?: UserInfo): AuthenticationTrace => ({ authenticator: 'jwt', issuer: this.issuer, steps, ...(user ? { user } : {}) });
    const fail = (step: string, message: string): AuthenticationResult => {
      steps.push({ step, outcome: 'fail', detail: message });
      return { kind: 'error', message, trace: trace() };
    };
    const pass = (step: string, detail?: string): void => {
      steps.push(detail === undefined ? { step, outcome: 'pass' } : { step, outcome: 'pass', detail });
    };
    const keySet = this.keySet;
    if (!keySet) return fail('discovery', 'oidc: authenticator not initialized');

    const c = this.o.compiled;
    let claims: Record<string, unknown>;
    try {
      const verified = await verifyIDToken(token, {
        issuer: this.issuer,
        clientID: this.audiences.length === 1 ? this.audiences[0] : undefined,
        algorithms: this.o.algorithms,
        keySet,
        now: this.now,
      });
      const audErr = checkAudiences(this.audiences, verified.audiences);
      if (audErr) throw new VerifyError(audErr);
      claims = { ...verified.claims };
    } catch (e) {
      return fail('verify', `oidc: verify token: ${(e as Error).message}`);
    }
    pass('verify', 'signature, issuer, audience, exp and nbf');

    if (this.resolver) {
      try {
        await this.resolver.expand(claims);
      } catch (e) {
        return fail('distributedClaims', `oidc: could not expand distributed claims: ${(e as Error).message}`);
      }
    }
    // kube converts the claims for CEL after the expansion, so expressions see a distributed claim too.
    const celClaims: Readonly<Record<string, unknown>> = claims;

    const mappings = c.config.claimMappings;
    // username
    let name: string;
    if (c.username) {
      const r = c.username.evaluate(celClaims);
      if (!r.ok) return fail('claimMappings.username', `oidc: error evaluating username claim expression: ${evalError(c.username, r.error)}`);
      if (typeof r.value !== 'string') return fail('claimMappings.username', 'oidc: error evaluating username claim expression: username claim expression must return a string');
      if (r.value === '') return fail('claimMappings.username', 'oidc: empty username via CEL expression is not allowed');
      name = r.value;
    } else {
      const claim = mappings?.username?.claim ?? '';
      if (!has(claims, claim)) return fail('claimMappings.username', `oidc: parse username claims ${goQuote(claim)}: claim not present`);
      const r = claimString(claims[claim]);
      if (!r.ok) return fail('claimMappings.username', `oidc: parse username claims ${goQuote(claim)}: ${r.error}`);
      if (claim === 'email' && has(claims, 'email_verified')) {
        const v = claims['email_verified'];
        if (v !== null && typeof v !== 'boolean') return fail('email_verified', `oidc: parse 'email_verified' claim: ${cannotUnmarshal(v, 'bool')}`);
        if (v !== true) return fail('email_verified', 'oidc: email not verified');
        pass('email_verified');
      }
      const prefix = mappings?.username?.prefix ?? '';
      name = prefix + r.value;
    }
    pass('claimMappings.username', goQuote(name));

    // groups
    let groups: string[] = [];
    const groupsClaim = mappings?.groups?.claim ?? '';
    if (groupsClaim !== '' && has(claims, groupsClaim)) {
      const v = claims[groupsClaim];
      if (typeof v === 'string') groups = [v];
      else if (Array.isArray(v) && v.every((g) => typeof g === 'string' || g === null)) groups = v.map((g) => (typeof g === 'string' ? g : ''));
      else if (v !== null) return fail('claimMappings.groups', `oidc: parse groups claim ${goQuote(groupsClaim)}: ${cannotUnmarshal(v, 'string')}`);
      const prefix = mappings?.groups?.prefix ?? '';
      if (prefix !== '') groups = groups.map((g) => prefix + g);
    } else if (c.groups) {
      const r = c.groups.evaluate(celClaims);
      if (!r.ok) return fail('claimMappings.groups', `oidc: error evaluating group claim expression: ${evalError(c.groups, r.error)}`);
      const list = celStringList(r.value);
      if (!list.ok) return fail('claimMappings.groups', 'oidc: error evaluating group claim expression: expression must return a string or a list of strings');
      groups = list.values;
    }
    if (groupsClaim !== '' || c.groups) pass('claimMappings.groups', `[${groups.map(goQuote).join(' ')}]`);

    // uid
    let uid = '';
    const uidClaim = mappings?.uid?.claim ?? '';
    if (uidClaim !== '') {
      if (!has(claims, uidClaim)) return fail('claimMappings.uid', `oidc: parse uid claim ${goQuote(uidClaim)}: claim not present`);
      const r = claimString(claims[uidClaim]);
      if (!r.ok) return fail('claimMappings.uid', `oidc: parse uid claim ${goQuote(uidClaim)}: ${r.error}`);
      uid = r.value;
      pass('claimMappings.uid', goQuote(uid));
    } else if (c.uid) {
      const r = c.uid.evaluate(celClaims);
      if (!r.ok) return fail('claimMappings.uid', `oidc: error evaluating uid claim expression: ${evalError(c.uid, r.error)}`);
      if (typeof r.value !== 'string') return fail('claimMappings.uid', 'oidc: error evaluating uid claim expression: uid claim expression must return a string');
      uid = r.value;
      pass('claimMappings.uid', goQuote(uid));
    }

    // extra: the credential id from jti first, then the mappings in order.
    const extra: Record<string, readonly string[]> = {};
    const jti = claims['jti'];
    if (typeof jti === 'string' && jti !== '') extra[CREDENTIAL_ID_KEY] = [`JTI=${jti}`];
    if (c.extra.length > 0) {
      const all = evaluateAll(
        c.extra.map((x) => x.program),
        celClaims,
      );
      if (!all.ok) return fail('claimMappings.extra', all.error);
      for (let i = 0; i < c.extra.length; i++) {
        const mapping = c.extra[i];
        const value = all.value[i];
        if (!mapping || value === undefined) continue;
        const list = celStringList(value);
        if (!list.ok) {
          return fail(`claimMappings.extra[${i}]`, `oidc: error evaluating extra claim expression: ${mapping.program.expression}: expression must return a string or a list of strings`);
        }
        if (list.values.length > 0) extra[mapping.key] = list.values;
        pass(`claimMappings.extra[${i}]`, `${mapping.key}: [${list.values.map(goQuote).join(' ')}]`);
      }
    }

    // Required claims (claim + requiredValue), after the mappings as in kube; in file order here.
    const rules = c.config.claimValidationRules ?? [];
    for (let i = 0; i < rules.length; i++) {
      const claim = rules[i]?.claim ?? '';
      if (claim === '') continue;
      const want = rules[i]?.requiredValue ?? '';
      const step = `claimValidationRules[${i}]`;
      if (!has(claims, claim)) return fail(step, `oidc: required claim ${claim} not present in ID token`);
      const got = claimString(claims[claim]);
      if (!got.ok) return fail(step, `oidc: parse claim ${claim}: ${got.error}`);
      if (got.value !== want) return fail(step, `oidc: required claim ${claim} value does not match. Got = ${got.value}, want = ${want}`);
      pass(step, `${claim} = ${goQuote(want)}`);
    }

    // Claim validation expressions.
    if (c.claimValidation.length > 0) {
      const all = evaluateAll(
        c.claimValidation.map((x) => x.program),
        celClaims,
      );
      if (!all.ok) return fail('claimValidationRules', `oidc: error evaluating claim validation expression: ${all.error}`);
      for (let i = 0; i < c.claimValidation.length; i++) {
        const rule = c.claimValidation[i];
        if (!rule) continue;
        const step = `claimValidationRules: ${rule.program.expression}`;
        if (typeof all.value[i] !== 'boolean') return fail(step, 'oidc: error evaluating claim validation expression: validation expression must return a boolean');
        if (all.value[i] !== true) return fail(step, `oidc: error evaluating claim validation expression: validation expression '${rule.program.expression}' failed: ${rule.message}`);
        pass(step);
      }
    }

    const user: UserInfo = { name, uid, groups, extra };
    // User validation sees the user built so far: system:authenticated is added later by the chain.
    if (c.userValidation.length > 0) {
      const input = { username: name, uid, groups, extra };
      const all = evaluateAll(
        c.userValidation.map((x) => x.program),
        input,
      );
      if (!all.ok) return fail('userValidationRules', `oidc: error evaluating user info validation rule: ${all.error}`);
      for (let i = 0; i < c.userValidation.length; i++) {
        const rule = c.userValidation[i];
        if (!rule) continue;
        const step = `userValidationRules: ${rule.program.expression}`;
        if (typeof all.value[i] !== 'boolean') return fail(step, 'oidc: error evaluating user info validation rule: validation expression must return a boolean');
        if (all.value[i] !== true) return fail(step, `oidc: error evaluating user info validation rule: validation expression '${rule.program.expression}' failed: ${rule.message}`);
        pass(step);
      }
    }
    const frozen: UserInfo = Object.freeze({ ...user, groups: Object.freeze(groups), extra: Object.freeze(extra) });
    return { kind: 'authenticated', user: frozen, authenticator: 'jwt', trace: trace(frozen) };
  }
}
