/**
 * The websocket-protocol token authenticator: browsers cannot set `Authorization` on a websocket,
 * so kube-apiserver also reads a bearer token from a `Sec-WebSocket-Protocol` entry
 * `base64url.bearer.authorization.k8s.io.<base64url token>` on websocket upgrade requests, and
 * asks the same token authenticators. A bad token there is an error (401), never anonymous.
 */
import { tokenContextOf } from './bearer.js';
import type { TokenAuthenticator } from './tokenfile.js';
import { firstHeader } from '../request/headers.js';
import type { Authenticator, AuthenticationResult, AuthnRequest } from './types.js';

export const BEARER_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

const NONE: AuthenticationResult = Object.freeze({ kind: 'none' });
const CONNECTION_UPGRADE = /(^|.*,\s*)upgrade($|\s*,)/;
const BASE64URL_RAW = /^[A-Za-z0-9_-]*$/;

/** wsstream.IsWebSocketRequest: `Upgrade: websocket` and a `Connection` that lists upgrade. */
export function isWebSocketRequest(headers: AuthnRequest['headers']): boolean {
  if ((firstHeader(headers, 'upgrade') ?? '').toLowerCase() !== 'websocket') return false;
  return CONNECTION_UPGRADE.test((firstHeader(headers, 'connection') ?? '').toLowerCase());
}

/** Decodes as Go's base64.RawURLEncoding does (URL alphabet, no padding); undefined when invalid. */
function decodeRawURL(s: string): Buffer | undefined {
  if (!BASE64URL_RAW.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64url');
}

export function websocketProtocolAuthenticator(tokens: TokenAuthenticator): Authenticator {
  return {
    name: 'websocket',
    async authenticate(req: AuthnRequest): Promise<AuthenticationResult> {
      if (!isWebSocketRequest(req.headers)) return NONE;
      const raw = req.headers['sec-websocket-protocol'];
      const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw as string];
      let token = '';
      let sawToken = false;
      let others = 0;
      for (const value of values) {
        for (const part of value.split(',')) {
          const protocol = part.trim();
          if (!protocol.startsWith(BEARER_PROTOCOL_PREFIX)) {
            others++;
            continue;
          }
          if (sawToken) return { kind: 'error', message: 'multiple base64.bearer.authorization tokens specified' };
          sawToken = true;
          const decoded = decodeRawURL(protocol.slice(BEARER_PROTOCOL_PREFIX.length));
          if (!decoded) return { kind: 'error', message: 'invalid base64.bearer.authorization token encoding' };
          const text = decoded.toString('utf8');
          if (!Buffer.from(text, 'utf8').equals(decoded)) return { kind: 'error', message: 'invalid base64.bearer.authorization token' };
          token = text;
        }
      }
      if (token.length > 0 && others === 0) return { kind: 'error', message: 'missing additional subprotocol' };
      if (token.length === 0) return NONE;
      const r = await tokens.authenticateToken(token, tokenContextOf(req));
      if (r.kind === 'none') return { kind: 'error', message: 'invalid bearer token' };
      return r;
    },
  };
}
