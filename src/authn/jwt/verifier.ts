/**
 * ID-token verification in go-oidc's order, with its messages: compact parse, the standard claims
 * decoded with Go's types, distributed-claim references, issuer, the single audience, `exp` (no
 * leeway), `nbf` (one minute), the allowed algorithm, then the signature against the issuer's key
 * set. Also the unverified `iss` peek kube-apiserver uses to decide whose token it is.
 */
import type { RemoteKeySet } from './keyset.js';
import { cannotUnmarshal, goJSONKind, goJSONSyntaxError, goQuotedList, goTime } from './gowords.js';
import { goQuote } from '../../util/goquote.js';

const GOOGLE_LEGACY_ISSUER = 'accounts.google.com';
const GOOGLE_ISSUER = 'https://accounts.google.com';
const NBF_LEEWAY_MS = 60_000;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Go's base64.RawURLEncoding: no padding, no stray characters; undefined when invalid. */
export function decodeBase64URL(s: string): Buffer | undefined {
  if (!BASE64URL.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64url');
}

/** The index Go's decoder names in `illegal base64 data at input byte N`. */
function base64ErrorAt(s: string): number {
  const bad = s.search(/[^A-Za-z0-9_-]/);
  return bad >= 0 ? bad : s.length - 1;
}

/**
 * kube's untrustedIssuer: the `iss` of a compact JWT, unverified, or undefined when the token is
 * not a JWT kube would look at (JSON serialisation, not three parts, bad base64url, no string iss).
 */
export function untrustedIssuer(token: string): string | undefined {
  if (token.trimStart().startsWith('{')) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const payload = decodeBase64URL(parts[1] ?? '');
  if (!payload) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
  const iss = (claims as { iss?: unknown }).iss;
  if (iss !== undefined && iss !== null && typeof iss !== 'string') return undefined;
  const s = typeof iss === 'string' ? iss : '';
  return s === GOOGLE_LEGACY_ISSUER ? GOOGLE_ISSUER : s;
}

/** The untrusted issuer with kube's reason when there is none (for distributed claims' messages). */
export function untrustedIssuerOrError(token: string): { iss: string } | { error: string } {
  if (token.trimStart().startsWith('{')) return { error: 'token is not compact JWT' };
  const parts = token.split('.');
  if (parts.length !== 3) return { error: 'malformed token' };
  const payload = decodeBase64URL(parts[1] ?? '');
  if (!payload) return { error: `error decoding token: illegal base64 data at input byte ${base64ErrorAt(parts[1] ?? '')}` };
  const text = payload.toString('utf8');
  let claims: unknown;
  try {
    claims = JSON.parse(text);
  } catch (e) {
    return { error: `while unmarshaling token: ${goJSONSyntaxError(text, e)}` };
  }
  const iss = typeof claims === 'object' && claims !== null ? (claims as { iss?: unknown }).iss : undefined;
  if (iss !== undefined && iss !== null && typeof iss !== 'string') return { error: `while unmarshaling token: json: cannot unmarshal ${goJSONKind(iss)} into Go struct field .iss of type string` };
  const s = typeof iss === 'string' ? iss : '';
  return { iss: s === GOOGLE_LEGACY_ISSUER ? GOOGLE_ISSUER : s };
}

export interface VerifierConfig {
  /** The provider's issuer (the configured URL). */
  readonly issuer: string;
  /** With one configured audience go-oidc checks it before the signature; undefined skips that. */
  readonly clientID?: string | undefined;
  readonly algorithms: readonly string[];
  readonly keySet: RemoteKeySet;
  readonly now: () => number;
}

export interface VerifiedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** `aud` as a list. */
  readonly audiences: readonly string[];
}

/** A verification failure; `message` is go-oidc's (kube wraps it in `oidc: verify token: `). */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';
}

/** go-oidc's jsonTime: a number (fraction dropped) or a numeric string; undefined is the zero time. */
function jsonTime(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return Math.trunc(v) * 1000;
  if (typeof v === 'string') {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(v)) throw new VerifyError(`oidc: failed to unmarshal claims: json: invalid number literal, trying to unmarshal ${goQuote(JSON.stringify(v))} into Number`);
    return Math.trunc(Number(v)) * 1000;
  }
  throw new VerifyError(`oidc: failed to unmarshal claims: ${cannotUnmarshal(v, 'json.Number')}`);
}

/** Decodes the payload into go-oidc's idToken struct; returns the claims and the fields it needs. */
function decodeStandardClaims(payloadText: string): {
  claims: Record<string, unknown>;
  issuer: string;
  audiences: string[];
  expiry: number | undefined;
  notBefore: number | undefined;
} {
  let claims: unknown;
  try {
    claims = JSON.parse(payloadText);
  } catch (e) {
    throw new VerifyError(`oidc: failed to unmarshal claims: ${goJSONSyntaxError(payloadText, e)}`);
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new VerifyError(`oidc: failed to unmarshal claims: ${cannotUnmarshal(claims, 'oidc.idToken')}`);
  }
  const c = claims as Record<string, unknown>;
  for (const f of ['iss', 'sub', 'nonce', 'at_hash'] as const) {
    const v = c[f];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw new VerifyError(`oidc: failed to unmarshal claims: json: cannot unmarshal ${goJSONKind(v)} into Go struct field idToken.${f} of type string`);
    }
  }
  let audiences: string[] = [];
  const aud = c['aud'];
  if (typeof aud === 'string') audiences = [aud];
  else if (Array.isArray(aud)) {
    const bad = aud.find((a) => typeof a !== 'string' && a !== null);
    if (bad !== undefined) throw new VerifyError(`oidc: failed to unmarshal claims: ${cannotUnmarshal(bad, 'string')}`);
    audiences = aud.map((a) => (typeof a === 'string' ? a : ''));
  } else if (aud !== undefined && aud !== null) {
    throw new VerifyError(`oidc: failed to unmarshal claims: ${cannotUnmarshal(aud, '[]string')}`);
  }
  const expiry = jsonTime(c['exp']);
  jsonTime(c['iat']);
  const notBefore = jsonTime(c['nbf']);
  const names = c['_claim_names'];
  if (names !== undefined && names !== null) {
    if (typeof names !== 'object' || Array.isArray(names) || Object.values(names).some((v) => typeof v !== 'string')) {
      throw new VerifyError(`oidc: failed to unmarshal claims: json: cannot unmarshal ${goJSONKind(names)} into Go struct field idToken._claim_names of type map[string]string`);
    }
  }
  const sources = c['_claim_sources'];
  if (sources !== undefined && sources !== null && (typeof sources !== 'object' || Array.isArray(sources))) {
    throw new VerifyError(`oidc: failed to unmarshal claims: json: cannot unmarshal ${goJSONKind(sources)} into Go struct field idToken._claim_sources of type map[string]oidc.claimSource`);
  }
  // Distributed claim references must name a source that exists.
  for (const src of Object.values((names ?? {}) as Record<string, string>)) {
    if (src === '') throw new VerifyError('oidc: failed to obtain source from claim name');
    if (!sources || !Object.prototype.hasOwnProperty.call(sources, src)) throw new VerifyError('oidc: source does not exist');
  }
  return { claims: c, issuer: typeof c['iss'] === 'string' ? c['iss'] : '', audiences, expiry, notBefore };
}

/**
 * Verifies `raw` as go-oidc's IDTokenVerifier.Verify does; rejects with a VerifyError carrying
 * its message.
 */
export async function verifyIDToken(raw: string, v: VerifierConfig): Promise<VerifiedToken> {
  const parts = raw.split('.');
  if (parts.length !== 3) throw new VerifyError('oidc: malformed jwt: go-jose/go-jose: compact JWS format must have three parts');
  const [h = '', p = '', s = ''] = parts;
  // go-jose tolerates padding on the header and signature; the payload went through kube's peek.
  const headerBytes = decodeBase64URL(h.replace(/=+$/, ''));
  if (!headerBytes) throw new VerifyError(`oidc: malformed jwt: illegal base64 data at input byte ${base64ErrorAt(h)}`);
  if (!decodeBase64URL(s.replace(/=+$/, ''))) throw new VerifyError(`oidc: malformed jwt: illegal base64 data at input byte ${base64ErrorAt(s)}`);
  const headerText = headerBytes.toString('utf8');
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (e) {
    throw new VerifyError(`oidc: malformed jwt: ${goJSONSyntaxError(headerText, e)}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new VerifyError(`oidc: malformed jwt: ${cannotUnmarshal(header, 'jose.rawHeader')}`);
  const hdr = header as Record<string, unknown>;
  if (hdr['alg'] !== undefined && typeof hdr['alg'] !== 'string') throw new VerifyError('oidc: malformed jwt: go-jose/go-jose: invalid alg header');
  if (hdr['kid'] !== undefined && typeof hdr['kid'] !== 'string') throw new VerifyError('oidc: malformed jwt: go-jose/go-jose: invalid kid header');
  const payload = decodeBase64URL(p);
  if (!payload) throw new VerifyError(`oidc: malformed jwt: oidc: malformed jwt payload: illegal base64 data at input byte ${base64ErrorAt(p)}`);

  const t = decodeStandardClaims(payload.toString('utf8'));
  if (t.issuer !== v.issuer && !(t.issuer === GOOGLE_LEGACY_ISSUER && v.issuer === GOOGLE_ISSUER)) {
    throw new VerifyError(`oidc: id token issued by a different provider, expected ${goQuote(v.issuer)} got ${goQuote(t.issuer)}`);
  }
  if (v.clientID !== undefined && !t.audiences.includes(v.clientID)) {
    throw new VerifyError(`oidc: expected audience ${goQuote(v.clientID)} got ${goQuotedList(t.audiences)}`);
  }
  const now = v.now();
  // A missing exp is Go's zero time: always expired. No leeway on exp.
  if (t.expiry === undefined || t.expiry < now) throw new VerifyError(`oidc: token is expired (Token Expiry: ${goTime(t.expiry)})`);
  if (t.notBefore !== undefined && now + NBF_LEEWAY_MS < t.notBefore) {
    throw new VerifyError(`oidc: current time ${goTime(now, true)} before the nbf (not before) time: ${goTime(t.notBefore)}`);
  }
  const alg = typeof hdr['alg'] === 'string' ? hdr['alg'] : '';
  if (!v.algorithms.includes(alg)) throw new VerifyError(`oidc: id token signed with unsupported algorithm, expected ${goQuotedList(v.algorithms)} got ${goQuote(alg)}`);
  try {
    await v.keySet.verify(raw, typeof hdr['kid'] === 'string' ? hdr['kid'] : '', alg);
  } catch (e) {
    throw new VerifyError(`failed to verify signature: ${(e as Error).message}`);
  }
  return { header: hdr, claims: t.claims, audiences: t.audiences };
}

/** kube's idTokenVerifier.verifyAudience: at least one token audience is configured. */
export function checkAudiences(configured: readonly string[], token: readonly string[]): string | undefined {
  if (configured.length === 0) return 'oidc: invalid configuration, audiences cannot be empty';
  if (token.some((a) => configured.includes(a))) return undefined;
  return `oidc: expected audience in ${goQuotedList([...configured].sort())} got ${goQuotedList(token)}`;
}
