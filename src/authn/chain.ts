/**
 * Builds the request authenticator in kube-apiserver's order: x509 client certificates, then the
 * bearer token and the websocket-protocol token over the (cached) token authenticators; `system:authenticated` added; anonymous
 * last, behind a fail-on-error union so a bad credential is never downgraded.
 */
import { anonymousAuthenticator } from './anonymous.js';
import { bearerAuthenticator, unionTokenAuthenticator } from './bearer.js';
import { cachedTokenAuthenticator, type TokenCacheOptions } from './cache.js';
import type { TokenAuthenticator } from './tokenfile.js';
import type { Authenticator } from './types.js';
import { failOnErrorUnion, unionAuthenticator, withAuthenticatedGroup } from './union.js';
import { x509Authenticator } from './x509.js';
import { websocketProtocolAuthenticator } from './websocket.js';

export interface ChainOptions {
  /** True when `--client-ca-file` is set. */
  readonly clientCertificates: boolean;
  /** Token authenticators in kube-apiserver's order (token file first, JWT after it). */
  readonly tokens: readonly TokenAuthenticator[];
  /** The cache in front of the token union (kube: successes for 10 s); `false` turns it off. */
  readonly tokenCache?: TokenCacheOptions | false;
  readonly anonymous: { readonly enabled: boolean; readonly paths: readonly string[] };
}

/** Returns undefined when nothing is configured and anonymous is off: authentication is disabled. */
export function buildAuthenticator(o: ChainOptions): Authenticator | undefined {
  const members: Authenticator[] = [];
  if (o.clientCertificates) members.push(x509Authenticator());
  if (o.tokens.length > 0) {
    const union = unionTokenAuthenticator(o.tokens);
    // kube-apiserver caches the whole token union; when every member is an in-memory lookup the
    // cache would only add hashing per request, never change an answer.
    const cacheOptions = o.tokenCache;
    const cached = cacheOptions !== false && !o.tokens.every((t) => t.inMemory === true);
    const tokens = cached ? cachedTokenAuthenticator(union, cacheOptions) : union;
    // kube-apiserver's order: the Authorization header, then the websocket protocol, one token union.
    members.push(bearerAuthenticator(tokens), websocketProtocolAuthenticator(tokens));
  }
  const anonymous = o.anonymous.enabled ? anonymousAuthenticator(o.anonymous.paths) : undefined;
  if (members.length === 0) return anonymous;
  const authenticated = withAuthenticatedGroup(unionAuthenticator(members));
  return anonymous ? failOnErrorUnion(authenticated, anonymous) : authenticated;
}
