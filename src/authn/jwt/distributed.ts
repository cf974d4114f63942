/**
 * Distributed claims (OIDC Core §5.6.2) as kube-apiserver resolves them for the groups claim:
 * when the token lacks the claim but `_claim_names` points it at a `_claim_sources` endpoint, the
 * endpoint is fetched (with its access token), the returned JWT verified by a verifier for its
 * own issuer (discovered lazily, in the background, like kube's asyncIDTokenVerifier) and the
 * claim copied over. Results are not cached, as in kube.
 */
import { ResponseBodyError, type IssuerClient } from './http.js';
import type { Logger } from '../../server/log.js';
import { RemoteKeySet } from './keyset.js';
import { discoverProvider, wellKnownURL } from './provider.js';
import { checkAudiences, untrustedIssuerOrError, verifyIDToken } from './verifier.js';
import { goQuote } from '../../util/goquote.js';
import { cannotUnmarshal, cannotUnmarshalField, goFieldName, goStringField } from './gowords.js';

/** The string fields of kube's `endpoint` struct. */
const ENDPOINT_FIELDS: ReadonlySet<string> = new Set(['endpoint', 'access_token', 'JWT']);

export interface ClaimResolverOptions {
  readonly claim: string;
  readonly client: IssuerClient;
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  readonly retryMs: number;
  readonly now: () => number;
  /**
   * The authenticator's issuer URL and `discoveryURL`: kube builds the source verifiers on the
   * authenticator's HTTP client, whose discovery rewrite also applies to a source JWT whose `iss`
   * is the authenticator's own issuer.
   */
  readonly issuerURL?: string;
  readonly discoveryURL?: string | undefined;
  /** Receives kube's `oidc authenticator: async token verifier for issuer: ...` on each failed discovery. */
  readonly logger?: Logger | undefined;
}

interface AsyncVerifier {
  keySet?: RemoteKeySet;
  issuer: string;
  timer?: NodeJS.Timeout;
}

export class ClaimResolver {
  private readonly verifiers = new Map<string, AsyncVerifier>();
  private closed = false;

  constructor(private readonly o: ClaimResolverOptions) {}

  /** Stops the background discovery of every issuer seen. */
  close(): void {
    this.closed = true;
    for (const v of this.verifiers.values()) if (v.timer) clearTimeout(v.timer);
  }

  private verifierFor(iss: string): AsyncVerifier {
    let v = this.verifiers.get(iss);
    if (v) return v;
    const created: AsyncVerifier = { issuer: iss };
    v = created;
    this.verifiers.set(iss, created);
    const rewrite = this.o.discoveryURL && this.o.issuerURL !== undefined && wellKnownURL(iss) === wellKnownURL(this.o.issuerURL) ? this.o.discoveryURL : undefined;
    const attempt = (): void => {
      if (this.closed) return;
      discoverProvider(this.o.client, iss, rewrite).then(
        (p) => {
          created.keySet = new RemoteKeySet(this.o.client, p.jwksURI, { fetched: () => undefined }, this.o.now);
        },
        (e: unknown) => {
          if (this.closed) return;
          this.o.logger?.error(`oidc authenticator: async token verifier for issuer: ${goQuote(iss)}: init verifier failed: ${e instanceof Error ? e.message : String(e)}`);
          created.timer = setTimeout(attempt, this.o.retryMs);
          created.timer.unref();
        },
      );
    };
    attempt();
    return v;
  }

  /**
   * Expands the configured claim into `claims` (mutated) when it is distributed; rejects with
   * kube's message (the caller prefixes `oidc: could not expand distributed claims: `).
   */
  async expand(claims: Record<string, unknown>): Promise<void> {
    const claim = this.o.claim;
    if (Object.prototype.hasOwnProperty.call(claims, claim)) return;
    if (!Object.prototype.hasOwnProperty.call(claims, '_claim_names')) return;
    // kube decodes both claims whole (map[string]string, map[string]endpoint) before the lookup;
    // encoding/json reports the first mismatch in document order, a null entry being empty.
    const names = claims['_claim_names'];
    if (names !== null) {
      if (typeof names !== 'object' || Array.isArray(names)) throw new Error(`oidc: error parsing distributed claim names: ${cannotUnmarshal(names, 'map[string]string')}`);
      const bad = Object.values(names).find((x) => x !== null && typeof x !== 'string');
      if (bad !== undefined) throw new Error(`oidc: error parsing distributed claim names: ${cannotUnmarshal(bad, 'string')}`);
    }
    if (!Object.prototype.hasOwnProperty.call(claims, '_claim_sources')) throw new Error('oidc: no claim sources');
    const sources = claims['_claim_sources'];
    if (sources !== null) {
      if (typeof sources !== 'object' || Array.isArray(sources)) throw new Error(`oidc: could not parse claim sources: ${cannotUnmarshal(sources, 'map[string]oidc.endpoint')}`);
      for (const ep of Object.values(sources)) {
        if (ep === null) continue;
        if (typeof ep !== 'object' || Array.isArray(ep)) throw new Error(`oidc: could not parse claim sources: ${cannotUnmarshal(ep, 'oidc.endpoint')}`);
        for (const [f, x] of Object.entries(ep as Record<string, unknown>)) {
          // encoding/json matches the endpoint struct's fields case-insensitively.
          const field = goFieldName(f, ENDPOINT_FIELDS);
          if (field !== undefined && x !== null && typeof x !== 'string') throw new Error(`oidc: could not parse claim sources: ${cannotUnmarshalField(x, 'endpoint', field, 'string')}`);
        }
      }
    }
    const own = (o: unknown, k: string): unknown => (typeof o === 'object' && o !== null && Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : undefined);
    const src = own(names, claim) as string | null | undefined;
    if (src === undefined) return;
    const ep = own(sources, src ?? '');
    if (ep === undefined) throw new Error(`id token _claim_names contained a source ${src ?? ''} missing in _claims_sources`);
    const endpoint = (ep ?? {}) as Record<string, unknown>;
    const url = goStringField(endpoint, 'endpoint');
    if (url === '') return; // An aggregated claim (JWT) is not supported, as in kube.
    const accessToken = goStringField(endpoint, 'access_token');

    let jwt: string;
    try {
      const res = await this.o.client.get(url, accessToken !== '' ? { headers: { Authorization: `Bearer ${accessToken}` } } : {});
      if (res.status < 200 || res.status > 226) throw new Error(`error while getting distributed claim JWT: ${res.statusLine}`);
      jwt = res.body.toString('utf8');
    } catch (e) {
      // kube words a body it could not read itself.
      const why = e instanceof ResponseBodyError ? 'could not decode distributed claim response' : (e as Error).message;
      throw new Error(`while getting distributed claim ${goQuote(claim)}: ${why}`);
    }
    const peek = untrustedIssuerOrError(jwt);
    if ('error' in peek) throw new Error(`getting untrusted issuer from endpoint ${url} failed for claim ${goQuote(claim)}: ${peek.error}`);
    const verifier = this.verifierFor(peek.iss);
    if (!verifier.keySet) throw new Error(`verifying untrusted issuer ${peek.iss} failed: verifier not initialized for issuer: ${goQuote(peek.iss)}`);
    let verified;
    try {
      verified = await verifyIDToken(jwt, {
        issuer: verifier.issuer,
        clientID: this.o.audiences.length === 1 ? this.o.audiences[0] : undefined,
        algorithms: this.o.algorithms,
        keySet: verifier.keySet,
        now: this.o.now,
      });
      const audErr = checkAudiences(this.o.audiences, verified.audiences);
      if (audErr) throw new Error(audErr);
    } catch (e) {
      throw new Error(`verify distributed claim token: ${(e as Error).message}`);
    }
    if (!Object.prototype.hasOwnProperty.call(verified.claims, claim)) {
      throw new Error(`jwt returned by distributed claim endpoint ${goQuote(url)} did not contain claim: ${claim}`);
    }
    claims[claim] = verified.claims[claim];
  }
}
