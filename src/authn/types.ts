/**
 * The authentication interfaces: who a request comes from. Every authenticator answers with one
 * of three outcomes (as k8s.io/apiserver's authenticator.Request does): authenticated, no opinion
 * ("not my credential"), or error ("my credential, and it is bad").
 */

/** kube-apiserver's user.Info. */
export interface UserInfo {
  readonly name: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

/** What the TLS layer established about the client's certificate, computed once per connection. */
export interface PeerCertificate {
  /** True when the chain verified against the client CA bundle (with client-auth usage). */
  readonly verified: boolean;
  /** Why verification failed, for logs only. */
  readonly verifyError?: string;
  readonly commonName: string;
  readonly organizations: readonly string[];
  /** Lower-case hex SHA-256 of the leaf certificate's DER. */
  readonly sha256: string;
  /** Serial number, hex, for log messages. */
  readonly serialNumber: string;
}

/** The part of a request an authenticator may look at. */
export interface AuthnRequest {
  readonly method: string;
  /** The canonical, percent-decoded path (the same string authorization and routing use). */
  readonly path: string;
  /** Lower-cased header names, as Node delivers them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The client certificate presented on the connection, if any. */
  readonly peerCertificate?: PeerCertificate | undefined;
  /**
   * The audiences the credential is presented for (kube's `authenticator.WithAudiences`): a
   * TokenReview's `spec.audiences`, or the API audiences; absent when there are none.
   */
  readonly audiences?: readonly string[] | undefined;
}

/** One step of a token authenticator's decision, for `doorman check`; never holds a credential. */
export interface AuthenticationTraceStep {
  /** What was checked, e.g. `signature`, `claimValidationRules[0]`, `claimMappings.username`. */
  readonly step: string;
  readonly outcome: 'pass' | 'fail' | 'skip';
  readonly detail?: string;
}

/** How a token authenticator reached its answer (JWT: which issuer claimed the token, each rule, the mapped user). */
export interface AuthenticationTrace {
  readonly authenticator: string;
  readonly issuer?: string;
  readonly steps: readonly AuthenticationTraceStep[];
  readonly user?: UserInfo;
}

export type AuthenticationResult =
  | {
      readonly kind: 'authenticated';
      readonly user: UserInfo;
      /** Which authenticator answered, e.g. `x509`, `token-file`, `anonymous`. */
      readonly authenticator: string;
      readonly audiences?: readonly string[];
      /** Response warnings to add (e.g. the extra-space bearer header warning). */
      readonly warnings?: readonly string[];
      /** Optional detail for `doorman check` (JWT authenticators fill it). */
      readonly trace?: AuthenticationTrace;
    }
  | { readonly kind: 'none'; readonly warnings?: readonly string[] }
  | { readonly kind: 'error'; readonly message: string; readonly warnings?: readonly string[]; readonly trace?: AuthenticationTrace };

/** Anything that can answer "who is this?". */
export interface Authenticator {
  readonly name: string;
  authenticate(req: AuthnRequest): AuthenticationResult | Promise<AuthenticationResult>;
}

/** Adapts a closure into an {@link Authenticator}. */
export function authenticatorFunc(
  name: string,
  fn: (req: AuthnRequest) => AuthenticationResult | Promise<AuthenticationResult>,
): Authenticator {
  return { name, authenticate: fn };
}

export const ANONYMOUS_USER = 'system:anonymous';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const AUTHENTICATED_GROUP = 'system:authenticated';
export const MASTERS_GROUP = 'system:masters';
