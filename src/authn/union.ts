/**
 * Composition of authenticators as kube-apiserver builds its chain: a union that tries members
 * in order (first success wins, errors collected), the decorator that adds
 * `system:authenticated`, and the fail-on-error union that puts anonymous last so a bad
 * credential is never downgraded to anonymous.
 */
import { aggregateMessages } from '../errors.js';
import {
  ANONYMOUS_USER,
  AUTHENTICATED_GROUP,
  UNAUTHENTICATED_GROUP,
  type Authenticator,
  type AuthenticationResult,
  type AuthenticationTrace,
  type AuthnRequest,
  type UserInfo,
} from './types.js';

function mergeWarnings(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] | undefined {
  if (!a || a.length === 0) return b;
  if (!b || b.length === 0) return a;
  return [...a, ...b];
}

function withWarnings(r: AuthenticationResult, warnings: readonly string[] | undefined): AuthenticationResult {
  const merged = mergeWarnings(warnings, r.warnings);
  return merged === r.warnings || merged === undefined ? r : { ...r, warnings: merged };
}

/** Tries members in order; the first success wins; otherwise the aggregate of their errors, or no opinion. */
export function unionAuthenticator(members: readonly Authenticator[]): Authenticator {
  return {
    name: 'union',
    async authenticate(req: AuthnRequest): Promise<AuthenticationResult> {
      const errors: string[] = [];
      let warnings: readonly string[] | undefined;
      let trace: AuthenticationTrace | undefined;
      for (const m of members) {
        const r = await m.authenticate(req);
        if (r.kind === 'authenticated') return withWarnings(r, warnings);
        warnings = mergeWarnings(warnings, r.warnings);
        if (r.kind === 'error') {
          errors.push(r.message);
          trace ??= r.trace;
        }
      }
      const failed: AuthenticationResult = trace ? { kind: 'error', message: aggregateMessages(errors), trace } : { kind: 'error', message: aggregateMessages(errors) };
      const base: AuthenticationResult = errors.length > 0 ? failed : { kind: 'none' };
      return warnings ? { ...base, warnings } : base;
    },
  };
}

type Authenticated = Extract<AuthenticationResult, { kind: 'authenticated' }>;

/** Appends `system:authenticated` to every non-anonymous success that lacks both marker groups. */
export function withAuthenticatedGroup(inner: Authenticator): Authenticator {
  // Authenticators hand out the same frozen user for the same credential (token file, x509 per
  // connection, the token cache), so the decorated copy is remembered per user object.
  const decorated = new WeakMap<UserInfo, UserInfo>();
  return {
    name: inner.name,
    async authenticate(req: AuthnRequest): Promise<AuthenticationResult> {
      const r = await inner.authenticate(req);
      if (r.kind !== 'authenticated') return r;
      const { user } = r;
      if (user.name === ANONYMOUS_USER) return r;
      if (user.groups.includes(AUTHENTICATED_GROUP) || user.groups.includes(UNAUTHENTICATED_GROUP)) return r;
      // Copy: never mutate what an authenticator handed us.
      let withGroup = decorated.get(user);
      if (!withGroup) {
        withGroup = Object.freeze({ name: user.name, uid: user.uid, groups: Object.freeze([...user.groups, AUTHENTICATED_GROUP]), extra: user.extra });
        decorated.set(user, withGroup);
      }
      // Assembled field by field: a spread plus extra properties is slow in V8.
      const out: { -readonly [K in keyof Authenticated]: Authenticated[K] } = { kind: 'authenticated', user: withGroup, authenticator: r.authenticator };
      if (r.audiences) out.audiences = r.audiences;
      if (r.warnings) out.warnings = r.warnings;
      if (r.trace) out.trace = r.trace;
      return out;
    },
  };
}

/** Asks `primary`; only when it has no opinion and no error is `fallback` (anonymous) asked. */
export function failOnErrorUnion(primary: Authenticator, fallback: Authenticator): Authenticator {
  return {
    name: 'fail-on-error-union',
    async authenticate(req: AuthnRequest): Promise<AuthenticationResult> {
      const r = await primary.authenticate(req);
      if (r.kind !== 'none') return r;
      return withWarnings(await fallback.authenticate(req), r.warnings);
    },
  };
}
