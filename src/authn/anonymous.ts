/**
 * The anonymous authenticator (KEP-4633): answers `system:anonymous` / `system:unauthenticated`,
 * optionally only on an exact set of paths. Matching is exact on the canonical, percent-decoded
 * path: query ignored, case and trailing slash significant, no prefixes.
 */
import { ANONYMOUS_USER, UNAUTHENTICATED_GROUP, type Authenticator, type AuthenticationResult, type UserInfo } from './types.js';

const ANONYMOUS: UserInfo = Object.freeze({
  name: ANONYMOUS_USER,
  uid: '',
  groups: Object.freeze([UNAUTHENTICATED_GROUP]),
  extra: Object.freeze({}),
});

const AUTHENTICATED_ANONYMOUS: AuthenticationResult = Object.freeze({ kind: 'authenticated', user: ANONYMOUS, authenticator: 'anonymous' });
const NONE: AuthenticationResult = Object.freeze({ kind: 'none' });

/**
 * @param paths condition paths; empty or absent means every path.
 * @example anonymousAuthenticator(['/livez', '/readyz', '/healthz'])
 */
export function anonymousAuthenticator(paths: readonly string[] = []): Authenticator {
  const allowed = new Set(paths);
  if (allowed.size === 0) return { name: 'anonymous', authenticate: () => AUTHENTICATED_ANONYMOUS };
  return {
    name: 'anonymous',
    authenticate: (req) => (allowed.has(req.path) ? AUTHENTICATED_ANONYMOUS : NONE),
  };
}
