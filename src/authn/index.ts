/**
 * doorman's authenticators as a library: the three-outcome interface, kube-apiserver's union and
 * decorators, and the x509, token-file, bearer, JWT and anonymous authenticators, and the token cache.
 */
export * from './types.js';
export { anonymousAuthenticator } from './anonymous.js';
export { audienceAgnosticToken, audiencesAreAcceptable, intersectAudiences } from './audiences.js';
export { bearerAuthenticator, bearerToken, unionTokenAuthenticator, EXTRA_SPACE_WARNING } from './bearer.js';
export { buildAuthenticator, type ChainOptions } from './chain.js';
export { loadTokenFile, parseTokenFile, parseCsv, type TokenAuthenticator, type TokenContext, type TokenFile } from './tokenfile.js';
export { cachedTokenAuthenticator, type CachedTokenAuthenticator, type TokenCacheOptions } from './cache.js';
export { createTokenCacheMetrics, NOOP_TOKEN_CACHE_METRICS, type TokenCacheMetrics } from './cache-metrics.js';
export { JWTAuthenticator, type JWTAuthenticatorOptions } from './jwt/authenticator.js';
export { JWTAuthenticatorSet, type JWTAuthenticatorSetOptions } from './jwt/set.js';
export { failOnErrorUnion, unionAuthenticator, withAuthenticatedGroup } from './union.js';
export { x509Authenticator, CREDENTIAL_ID_KEY } from './x509.js';
