/**
 * Audiences: what a token is presented for. An ordinary request names none unless the server has
 * API audiences (`--api-audiences`); a TokenReview names its `spec.audiences`. Token
 * authenticators that know nothing of audiences (the token file, JWT authenticators) sit behind
 * {@link audienceAgnosticToken}, kube-apiserver's `WrapAudienceAgnosticToken`
 * (`k8s.io/apiserver/pkg/authentication/authenticator/audagnostic.go`): they may only answer for
 * the API server's own audiences.
 */
import { goQuotedList } from './jwt/gowords.js';
import type { TokenAuthenticator, TokenContext } from './tokenfile.js';
import type { AuthenticationResult } from './types.js';

const NONE: AuthenticationResult = Object.freeze({ kind: 'none' });

/**
 * kube's `Audiences.Intersect`: the entries of `targets` (in their order, repeats kept) that
 * `audiences` holds.
 *
 * @example intersectAudiences(['api'], ['other', 'api']) // ['api']
 */
export function intersectAudiences(audiences: readonly string[], targets: readonly string[]): string[] {
  return targets.filter((t) => audiences.includes(t));
}

/**
 * kube's `audiencesAreAcceptable` (endpoints/filters/authentication.go): a success on a server
 * with API audiences stands when it names no audiences or shares one with them.
 *
 * @example audiencesAreAcceptable(['api'], ['other']) // false
 */
export function audiencesAreAcceptable(apiAudiences: readonly string[], responseAudiences: readonly string[] | undefined): boolean {
  if (apiAudiences.length === 0 || responseAudiences === undefined || responseAudiences.length === 0) return true;
  return intersectAudiences(apiAudiences, responseAudiences).length > 0;
}

/** The error kube logs when {@link audiencesAreAcceptable} refuses a success (Go's `%v` of the lists). */
export function audienceMismatchMessage(responseAudiences: readonly string[], apiAudiences: readonly string[]): string {
  return `unable to match the audience: [${responseAudiences.join(' ')}] , accepted: [${apiAudiences.join(' ')}]`;
}

/**
 * Wraps an audience-agnostic token authenticator. Without target audiences the delegate answers
 * as it is. With them, only the `implicit` (API) audiences among them count: none → no opinion,
 * without asking the delegate; otherwise the delegate's success carries that intersection as its
 * audiences. A delegate that answers with audiences of its own is an error (it was not agnostic).
 *
 * @example
 * const tokens = audienceAgnosticToken(['https://kubernetes.default.svc'], loadTokenFile(path).authenticator);
 */
export function audienceAgnosticToken(implicit: readonly string[], delegate: TokenAuthenticator): TokenAuthenticator {
  const restrict = (auds: readonly string[], r: AuthenticationResult): AuthenticationResult => {
    if (r.kind !== 'authenticated') return r;
    if (r.audiences && r.audiences.length > 0) {
      return { kind: 'error', message: `audience agnostic authenticator wrapped an authenticator that returned audiences: ${goQuotedList(r.audiences)}` };
    }
    return { ...r, audiences: auds };
  };
  return {
    name: delegate.name,
    ...(delegate.inMemory !== undefined ? { inMemory: delegate.inMemory } : {}),
    authenticateToken(token: string, context?: TokenContext) {
      const targets = context?.audiences;
      if (targets === undefined) return delegate.authenticateToken(token, context);
      const auds = intersectAudiences(implicit, targets);
      if (auds.length === 0) return NONE;
      const r = delegate.authenticateToken(token, context);
      return r instanceof Promise ? r.then((x) => restrict(auds, x)) : restrict(auds, r);
    },
  };
}
