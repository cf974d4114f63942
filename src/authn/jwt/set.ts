/**
 * All the `jwt[]` authenticators of one configuration, combined as kube-apiserver combines them:
 * a fail-on-error union in file order (each member ignores other issuers' tokens, so at most one
 * answers), inside the audience-agnostic wrapper, with the members' health aggregated. A reload
 * builds a new set and retires the old one; a set is never changed in place.
 */
import { aggregateMessages } from '../../errors.js';
import type { CompiledJWTAuthenticator } from '../../config/authentication.js';
import type { Logger } from '../../server/log.js';
import type { TokenAuthenticator, TokenContext } from '../tokenfile.js';
import type { AuthenticationResult } from '../types.js';
import { audienceAgnosticToken } from '../audiences.js';
import { JWTAuthenticator } from './authenticator.js';
import type { JWTMetrics } from './metrics.js';

const NONE: AuthenticationResult = Object.freeze({ kind: 'none' });

/** oidc.New's default when no signing algorithm is given. */
const DEFAULT_SIGNING_ALGORITHMS: readonly string[] = ['RS256'];

/**
 * An aggregate of errors, worded as utilerrors' Aggregate. It keeps its members because Go
 * flattens a nested aggregate into the outer one (`[a, b, context deadline exceeded]`, never
 * `[[a, b], ...]`), which the reload's refusal message relies on.
 */
export class HealthAggregate extends Error {
  constructor(readonly messages: readonly string[]) {
    super(aggregateMessages(messages));
    this.name = 'HealthAggregate';
  }
}

export interface JWTAuthenticatorSetOptions {
  readonly authenticators: readonly CompiledJWTAuthenticator[];
  readonly algorithms: readonly string[];
  /** `--api-audiences` (default none): a token presented for other audiences only gets no opinion. */
  readonly apiAudiences?: readonly string[];
  readonly metrics?: JWTMetrics;
  readonly logger?: Logger;
  readonly retryMs?: number;
  readonly now?: () => number;
}

export class JWTAuthenticatorSet implements TokenAuthenticator {
  readonly name = 'jwt';
  readonly members: readonly JWTAuthenticator[];
  /** The fail-on-error union of the members inside kube's audience-agnostic wrapper. */
  private readonly wrapped: TokenAuthenticator;

  /** Throws kube's construction errors (unsupported signing algorithm, egress selector). */
  constructor(o: JWTAuthenticatorSetOptions) {
    // oidc.New: no algorithms (`--oidc-signing-algs=`) means RS256, OpenID Connect's default.
    const algorithms = o.algorithms.length > 0 ? o.algorithms : DEFAULT_SIGNING_ALGORITHMS;
    const members: JWTAuthenticator[] = [];
    try {
      for (const compiled of o.authenticators) {
        members.push(
          new JWTAuthenticator({
            compiled,
            algorithms,
            ...(o.metrics ? { metrics: o.metrics } : {}),
            ...(o.logger ? { logger: o.logger } : {}),
            ...(o.retryMs !== undefined ? { retryMs: o.retryMs } : {}),
            ...(o.now ? { now: o.now } : {}),
          }),
        );
      }
    } catch (e) {
      for (const m of members) m.close();
      throw e;
    }
    this.members = members;
    const union: TokenAuthenticator = {
      name: this.name,
      async authenticateToken(token: string): Promise<AuthenticationResult> {
        for (const m of members) {
          const r = await m.authenticateToken(token);
          if (r.kind !== 'none') return r;
        }
        return NONE;
      },
    };
    this.wrapped = audienceAgnosticToken(o.apiAudiences ?? [], union);
  }

  /** The issuer URLs, in file order. */
  get issuers(): readonly string[] {
    return this.members.map((m) => m.issuer);
  }

  authenticateToken(token: string, context?: TokenContext): AuthenticationResult | Promise<AuthenticationResult> {
    return this.wrapped.authenticateToken(token, context);
  }

  /**
   * The aggregate of the members' health errors (kube's utilerrors.NewAggregate); undefined when
   * every issuer was discovered.
   */
  healthCheck(): HealthAggregate | undefined {
    const errs = this.members.map((m) => m.healthCheck()).filter((e): e is Error => e !== undefined);
    return errs.length === 0 ? undefined : new HealthAggregate(errs.map((e) => e.message));
  }

  /** Resolves true once every member is discovered, false after `timeoutMs`. */
  async whenReady(timeoutMs: number): Promise<boolean> {
    const results = await Promise.all(this.members.map((m) => m.whenReady(timeoutMs)));
    return results.every(Boolean);
  }

  close(): void {
    for (const m of this.members) m.close();
  }
}
