/**
 * ID-token verification in go-oidc's order, with its messages: compact parse, the standard claims
 * decoded with Go's types, distributed-claim references, issuer, the single audience, `exp` (no
 * leeway), `nbf` (one minute), the allowed algorithm, then the signature against the issuer's key
 * set. Also the unverified `iss` peek kube-apiserver uses to decide whose token it is.
 */
import type { RemoteKeySet } from './keyset.js';
import { cannotUnmarshal, cannotUnmarshalField, goFieldName, goJSONKind, goJSONSyntaxError, goQuotedList, goTime } from './gowords.js';
import { goQuote } from '../../util/goquote.js';

const GOOGLE_LEGACY_ISSUER = 'accounts.google.com';
const GOOGLE_ISSUER = 'https://accounts.google.com';
const NBF_LEEWAY_MS = 60_000;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** A token Go's strings.TrimSpace would leave starting with `{` (JWS JSON serialisation). */
const JSON_SERIALISATION = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*\{/;
/** The one field of the struct kube's untrustedIssuer decodes into. */
const PEEK_FIELDS: ReadonlySet<string> = new Set(['iss']);

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
  const r = untrustedIssuerOrError(token);
  return 'iss' in r ? r.iss : undefined;
}

/** reflect's name for the anonymous struct kube's untrustedIssuer decodes into. */
const PEEK_STRUCT = 'struct { Issuer string "json:\\"iss\\"" }';

/** The untrusted issuer with kube's reason when there is none (for distributed claims' messages). */
export function untrustedIssuerOrError(token: string): { iss: string } | { error: string } {
  if (JSON_SERIALISATION.test(token)) return { error: 'token is not compact JWT' };
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
  if (claims !== null && (typeof claims !== 'object' || Array.isArray(claims))) return { error: `while unmarshaling token: ${cannotUnmarshal(claims, PEEK_STRUCT)}` };
  // encoding/json matches `iss` case-insensitively; a later match overwrites, a null is a no-op,
  // and the first type mismatch is reported once the whole object is decoded.
  let s = '';
  let mismatch: unknown;
  for (const [k, v] of Object.entries((claims ?? {}) as Record<string, unknown>)) {
    if (goFieldName(k, PEEK_FIELDS) === undefined) continue;
    if (typeof v === 'string') s = v;
    else if (v !== null) mismatch ??= v;
  }
  if (mismatch !== undefined) return { error: `while unmarshaling token: json: cannot unmarshal ${goJSONKind(mismatch)} into Go struct field .iss of type string` };
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

/** Thrown by a field's own UnmarshalJSON: encoding/json stops at the first one. */
class FieldError extends VerifyError {}

/**
 * go-oidc's jsonTime (`exp`, `iat`, `nbf`): a number (fraction dropped) or a string holding one.
 * Its UnmarshalJSON also runs for `null` and then fails on the empty json.Number; only the `*jsonTime`
 * `nbf` treats `null` as absent, which the caller handles.
 */
function jsonTime(v: unknown, field: string): number {
  if (typeof v === 'number') return Math.trunc(v) * 1000;
  if (typeof v === 'string') {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(v)) throw new FieldError(`json: invalid number literal, trying to unmarshal ${goQuote(JSON.stringify(v))} into Number`);
    return Math.trunc(Number(v)) * 1000;
  }
  if (v === null) throw new FieldError('strconv.ParseFloat: parsing "": invalid syntax');
  throw new FieldError(cannotUnmarshalField(v, 'idToken', field, 'json.Number'));
}

/** go-oidc's audience: a string, or a list of strings (`null` entries are ""); `null` is [""]. */
function audience(v: unknown): string[] {
  if (typeof v === 'string' || v === null) return [v ?? ''];
  if (!Array.isArray(v)) throw new FieldError(cannotUnmarshalField(v, 'idToken', 'aud', '[]string'));
  const bad = v.find((a) => typeof a !== 'string' && a !== null);
  if (bad !== undefined) throw new FieldError(cannotUnmarshalField(bad, 'idToken', 'aud', 'string'));
  return v.map((a) => (typeof a === 'string' ? a : ''));
}

/** go-oidc's idToken fields, by JSON name. */
const ID_TOKEN_FIELDS: ReadonlySet<string> = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'at_hash', '_claim_names', '_claim_sources']);
/** go-oidc's claimSource fields. */
const CLAIM_SOURCE_FIELDS: ReadonlySet<string> = new Set(['endpoint', 'access_token']);

/** A string-typed idToken or claimSource field: `null` leaves it empty. */
const isGoString = (v: unknown): boolean => v === null || typeof v === 'string';

/**
 * Decodes the payload into go-oidc's idToken struct as encoding/json does: fields in document
 * order; an error from a field's own UnmarshalJSON (`aud`, `exp`, `iat`, `nbf`) stops at once,
 * while a plain type mismatch is remembered and reported only if nothing stops the decoding.
 * Returns the claims and the fields verification needs.
 */
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
  let issuer = '';
  let audiences: string[] = [];
  let expiry: number | undefined;
  let notBefore: number | undefined;
  // The two maps as Go fills them: a second key for the same field adds entries, a null empties it.
  let names: Map<string, string | null> | undefined;
  let sources: Set<string> | undefined;
  let saved: string | undefined;
  const save = (why: string): void => {
    saved ??= why;
  };
  try {
    for (const [key, v] of Object.entries(c)) {
      // encoding/json matches struct fields case-insensitively (`ISS` is the issuer).
      const k = goFieldName(key, ID_TOKEN_FIELDS);
      switch (k) {
        case 'iss':
          if (typeof v === 'string') issuer = v;
          else if (v !== null) save(cannotUnmarshalField(v, 'idToken', k, 'string'));
          break;
        case 'sub':
        case 'nonce':
        case 'at_hash':
          if (!isGoString(v)) save(cannotUnmarshalField(v, 'idToken', k, 'string'));
          break;
        case 'aud':
          audiences = audience(v);
          break;
        case 'exp':
          expiry = jsonTime(v, k);
          break;
        case 'iat':
          jsonTime(v, k);
          break;
        case 'nbf':
          notBefore = v === null ? undefined : jsonTime(v, k);
          break;
        case '_claim_names':
          if (v === null) {
            names = undefined;
            break;
          }
          if (typeof v !== 'object' || Array.isArray(v)) save(cannotUnmarshalField(v, 'idToken', k, 'map[string]string'));
          else {
            names ??= new Map();
            for (const [name, src] of Object.entries(v as Record<string, unknown>)) {
              if (!isGoString(src)) save(cannotUnmarshalField(src, 'idToken', k, 'string'));
              else names.set(name, src as string | null);
            }
          }
          break;
        case '_claim_sources':
          if (v === null) {
            sources = undefined;
            break;
          }
          if (typeof v !== 'object' || Array.isArray(v)) save(cannotUnmarshalField(v, 'idToken', k, 'map[string]oidc.claimSource'));
          else {
            sources ??= new Set();
            for (const [name, src] of Object.entries(v as Record<string, unknown>)) {
              sources.add(name);
              if (src === null) continue;
              if (typeof src !== 'object' || Array.isArray(src)) {
                save(cannotUnmarshalField(src, 'idToken', k, 'oidc.claimSource'));
                continue;
              }
              for (const [f, x] of Object.entries(src as Record<string, unknown>)) {
                const field = goFieldName(f, CLAIM_SOURCE_FIELDS);
                if (field !== undefined && !isGoString(x)) save(cannotUnmarshalField(x, 'claimSource', `${k}.${field}`, 'string'));
              }
            }
          }
          break;
      }
    }
  } catch (e) {
    if (e instanceof FieldError) throw new VerifyError(`oidc: failed to unmarshal claims: ${e.message}`);
    throw e;
  }
  if (saved !== undefined) throw new VerifyError(`oidc: failed to unmarshal claims: ${saved}`);
  // Distributed claim references must name a source that exists (a null name is "").
  for (const src of names?.values() ?? []) {
    if (src === null || src === '') throw new VerifyError('oidc: failed to obtain source from claim name');
    if (!sources?.has(src)) throw new VerifyError('oidc: source does not exist');
  }
  return { claims: c, issuer, audiences, expiry, notBefore };
}

/**
 * A string header go-jose's rawHeader.sanitized reads (`alg`, `kid`, `nonce`): `null` is absent;
 * another non-string fails with its words (`failed to unmarshal algorithm: <json error>: "<raw>"`).
 */
function headerString(hdr: Record<string, unknown>, key: string, what: string): string {
  const v = hdr[key];
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  throw new VerifyError(`oidc: malformed jwt: failed to unmarshal ${what}: ${cannotUnmarshal(v, 'string')}: ${goQuote(JSON.stringify(v))}`);
}

/**
 * Verifies `raw` as go-oidc's IDTokenVerifier.Verify does; rejects with a VerifyError carrying
 * its message.
 */
export async function verifyIDToken(raw: string, v: VerifierConfig): Promise<VerifiedToken> {
  const parts = raw.split('.');
  if (parts.length !== 3) throw new VerifyError('oidc: malformed jwt: go-jose/go-jose: compact JWS format must have three parts');
  const [h = '', p = '', s = ''] = parts;
  // go-jose v2 decodes each part with base64.RawURLEncoding: padding is an illegal byte.
  const headerBytes = decodeBase64URL(h);
  if (!headerBytes) throw new VerifyError(`oidc: malformed jwt: illegal base64 data at input byte ${base64ErrorAt(h)}`);
  if (!decodeBase64URL(s)) throw new VerifyError(`oidc: malformed jwt: illegal base64 data at input byte ${base64ErrorAt(s)}`);
  const headerText = headerBytes.toString('utf8');
  // An empty protected header is not parsed at all, and a `null` one decodes to an empty map.
  let header: unknown = {};
  if (headerText !== '') {
    try {
      header = JSON.parse(headerText) ?? {};
    } catch (e) {
      throw new VerifyError(`oidc: malformed jwt: ${goJSONSyntaxError(headerText, e)}`);
    }
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new VerifyError(`oidc: malformed jwt: ${cannotUnmarshal(header, 'jose.rawHeader')}`);
  const hdr = header as Record<string, unknown>;
  const alg = headerString(hdr, 'alg', 'algorithm');
  const kid = headerString(hdr, 'kid', 'key ID');
  headerString(hdr, 'nonce', 'nonce');
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
  if (!v.algorithms.includes(alg)) throw new VerifyError(`oidc: id token signed with unsupported algorithm, expected ${goQuotedList(v.algorithms)} got ${goQuote(alg)}`);
  try {
    await v.keySet.verify(raw, kid, alg);
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
