/**
 * The bearer-token request authenticator: takes the token from `Authorization: Bearer <token>` and
 * asks the token authenticators in order. Another scheme (e.g. Basic) is not a credential here; a
 * bearer token nobody accepts is an error (`invalid bearer token`), never anonymous.
 */
import { aggregateMessages } from '../errors.js';
import type { Authenticator, AuthenticationResult, AuthenticationTrace, AuthnRequest } from './types.js';
import type { TokenAuthenticator, TokenContext } from './tokenfile.js';

/** The warning kube-apiserver returns for `Bearer  <token>` (two spaces). */
export const EXTRA_SPACE_WARNING =
  'the provided Authorization header contains extra space before the bearer token, and is ignored';

const NONE: AuthenticationResult = Object.freeze({ kind: 'none' });

/** Extracts the bearer token the way kube-apiserver does; `undefined` when there is none. */
export function bearerToken(header: string | readonly string[] | undefined): { token?: string; extraSpace: boolean } {
  const raw = Array.isArray(header) ? header[0] : header;
  const auth = typeof raw === 'string' ? raw.trim() : '';
  if (auth === '') return { extraSpace: false };
  const first = auth.indexOf(' ');
  if (first < 0 || auth.slice(0, first).toLowerCase() !== 'bearer') return { extraSpace: false };
  const rest = auth.slice(first + 1);
  const second = rest.indexOf(' ');
  const token = second < 0 ? rest : rest.slice(0, second);
  if (token === '') return { extraSpace: second >= 0 };
  return { token, extraSpace: false };
}

/** Tries token authenticators in order; the first success wins. */
export function unionTokenAuthenticator(members: readonly TokenAuthenticator[]): TokenAuthenticator {
  return {
    name: 'token-union',
    async authenticateToken(token: string, context?: TokenContext): Promise<AuthenticationResult> {
      const errors: string[] = [];
      let trace: AuthenticationTrace | undefined;
      for (const m of members) {
        const r = await m.authenticateToken(token, context);
        if (r.kind === 'authenticated') return r;
        if (r.kind === 'error') {
          errors.push(r.message);
          // The first explained failure is kept for `doorman check`.
          trace ??= r.trace;
        }
      }
      if (errors.length === 0) return NONE;
      return trace ? { kind: 'error', message: aggregateMessages(errors), trace } : { kind: 'error', message: aggregateMessages(errors) };
    },
  };
}

/** What a request's token is presented for: its audiences, when it names any (undefined otherwise). */
export function tokenContextOf(req: AuthnRequest): TokenContext | undefined {
  return req.audiences === undefined ? undefined : { audiences: req.audiences };
}

export function bearerAuthenticator(tokens: TokenAuthenticator): Authenticator {
  return {
    name: 'bearer',
    async authenticate(req: AuthnRequest): Promise<AuthenticationResult> {
      const { token, extraSpace } = bearerToken(req.headers['authorization']);
      if (token === undefined) return extraSpace ? { kind: 'none', warnings: [EXTRA_SPACE_WARNING] } : NONE;
      const r = await tokens.authenticateToken(token, tokenContextOf(req));
      if (r.kind === 'none') return { kind: 'error', message: 'invalid bearer token' };
      return r;
    },
  };
}
