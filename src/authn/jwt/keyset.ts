/**
 * An issuer's remote JSON Web Key Set as go-oidc's remoteKeySet keeps it: empty until the first
 * token needs it, re-fetched only when no cached key verifies and the cache is within 30 s of its
 * expiry (taken from Cache-Control / Expires, else the fetch time), concurrent fetches merged into
 * one, a failed fetch keeping the old keys. Signatures are checked with jose.
 */
import { createHash } from 'node:crypto';
import { compactVerify, importJWK, type JWK } from 'jose';
import { ResponseBodyError, type IssuerClient } from './http.js';
import { cannotUnmarshal, cannotUnmarshalField, goJSONSyntaxError, unmarshalRespError } from './gowords.js';

/** go-oidc's keysExpiryDelta. */
const EXPIRY_DELTA_MS = 30_000;
const KEY_TYPES: ReadonlySet<string> = new Set(['RSA', 'EC', 'OKP', 'oct']);

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;

interface CachedKey {
  readonly kid: string;
  readonly jwk: JWK;
  /** Per algorithm: the imported key, or null when this key cannot verify that algorithm. */
  readonly imported: Map<string, Promise<VerifyKey | null>>;
}

/** Told about every request to `jwks_uri` (for kube's JWKS fetch metrics). */
export interface KeySetObserver {
  fetched(result: 'success' | 'failure', body?: string): void;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Go's http.ParseTime: RFC 1123 with `GMT`, RFC 850 or ANSI C asctime (read as UTC); anything
 * else (`0`, `-1`, ISO 8601) is not a time.
 */
function httpTime(v: string): number | undefined {
  const m =
    /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(v) ??
    /^[A-Z][a-z]+, (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) [A-Z]{3}$/.exec(v) ??
    /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(v);
  if (!m) return undefined;
  // Normalise the three layouts to day, month, year, hour, minute, second.
  const [day, mon, year, hh, mm, ss] = m[0].includes(',') ? m.slice(1, 7) : [m[2], m[1], m[6], m[3], m[4], m[5]];
  const month = MONTHS.indexOf(mon ?? '');
  if (month < 0) return undefined;
  let y = Number(year);
  // Go's two-digit years: 69-99 are 19xx, 00-68 are 20xx.
  if ((year ?? '').length === 2) y += y >= 69 ? 1900 : 2000;
  const t = Date.UTC(y, month, Number(day), Number(hh), Number(mm), Number(ss));
  const d = new Date(t);
  if (d.getUTCDate() !== Number(day) || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) return undefined;
  return t;
}

/**
 * The expiry pquerna/cachecontrol computes for a shared cache (its ExpirationObject), or 0 when
 * there is none. go-oidc ignores the "uncachable" reasons, so `no-store`, `no-cache` and
 * `private` do not stop a `max-age` from applying. In order: `s-maxage`, `max-age`, `Expires`
 * minus the response's `Date` (the server's clock), then a heuristic of a tenth of the time since
 * `Last-Modified`, at most a day. An unparseable `Date` or `Last-Modified` is an error there, so
 * no expiry at all.
 */
export function cacheExpiry(headers: Readonly<Record<string, string | string[] | undefined>>, now: number): number {
  const header = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const dateHeader = header('date');
  const date = dateHeader ? httpTime(dateHeader) : undefined;
  if (dateHeader && date === undefined) return 0;
  const lastModifiedHeader = header('last-modified');
  const lastModified = lastModifiedHeader ? httpTime(lastModifiedHeader) : undefined;
  if (lastModifiedHeader && lastModified === undefined) return 0;

  const directives = new Map<string, string>();
  for (const part of String(header('cache-control') ?? '').toLowerCase().split(',')) {
    const [k = '', v = ''] = part.trim().split('=');
    if (k !== '') directives.set(k, v.replace(/^"|"$/g, ''));
  }
  for (const name of ['s-maxage', 'max-age']) {
    const age = directives.get(name);
    if (age === undefined) continue;
    // A value that is not delta-seconds fails the whole Cache-Control parse.
    if (!/^\d+$/.test(age)) return 0;
    return now + Number(age) * 1000;
  }
  const expiresHeader = header('expires');
  // `Expires: 0` and the like are no expiry, not an error.
  const expires = expiresHeader ? httpTime(expiresHeader) : undefined;
  if (expires !== undefined) return now + (expires - (date ?? now));
  if (lastModified !== undefined) return now + Math.min((now - lastModified) * 0.1, DAY_MS);
  return 0;
}

export class RemoteKeySet {
  private keys: readonly CachedKey[] = [];
  /** Unix ms; 0 is Go's zero time, so the first verification always fetches. */
  private expiry = 0;
  private inflight: Promise<readonly CachedKey[]> | undefined;

  constructor(
    private readonly client: IssuerClient,
    readonly jwksURI: string,
    private readonly observer: KeySetObserver,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Verifies the compact JWS `token` signed with `alg` (already allowed by the caller); resolves
   * to the payload or rejects with go-oidc's message.
   */
  async verify(token: string, kid: string, alg: string): Promise<Uint8Array> {
    const cached = await this.tryKeys(this.keys, token, kid, alg);
    if (cached) return cached;
    if (!(this.now() + EXPIRY_DELTA_MS > this.expiry)) throw new Error('failed to verify id token signature');
    let keys: readonly CachedKey[];
    try {
      keys = await this.refresh();
    } catch (e) {
      throw new Error(`fetching keys ${(e as Error).message}`);
    }
    const fresh = await this.tryKeys(keys, token, kid, alg);
    if (fresh) return fresh;
    throw new Error('failed to verify id token signature');
  }

  private async tryKeys(keys: readonly CachedKey[], token: string, kid: string, alg: string): Promise<Uint8Array | undefined> {
    for (const key of keys) {
      if (kid !== '' && key.kid !== kid) continue;
      let imported = key.imported.get(alg);
      if (!imported) {
        // go-jose does not hold a key to its `alg`, `use` or `key_ops`: only its type matters.
        const { alg: _alg, use: _use, key_ops: _ops, ext: _ext, ...material } = key.jwk;
        imported = importJWK(material, alg).catch(() => null);
        key.imported.set(alg, imported);
      }
      const k = await imported;
      if (!k) continue;
      try {
        return (await compactVerify(token, k, { algorithms: [alg] })).payload;
      } catch {
        // Not this key.
      }
    }
    return undefined;
  }

  private refresh(): Promise<readonly CachedKey[]> {
    this.inflight ??= this.fetchKeys().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchKeys(): Promise<readonly CachedKey[]> {
    let res;
    try {
      res = await this.client.get(this.jwksURI);
    } catch (e) {
      this.observer.fetched('failure');
      if (e instanceof ResponseBodyError) throw e;
      throw new Error(`oidc: get keys failed ${(e as Error).message}`);
    }
    const body = res.body.toString('utf8');
    if (res.status !== 200) {
      this.observer.fetched('failure');
      throw new Error(`oidc: get keys failed: ${res.statusLine} ${body}`);
    }
    const parsed = parseKeySet(body);
    if ('error' in parsed) {
      this.observer.fetched('failure');
      const ct = res.headers['content-type'];
      throw new Error(`oidc: failed to decode keys: ${unmarshalRespError(typeof ct === 'string' ? ct : undefined, parsed.error)} ${body}`);
    }
    this.keys = parsed.keys;
    // go-oidc takes the time once the key set has been read.
    const fetchedAt = this.now();
    this.expiry = Math.max(fetchedAt, cacheExpiry(res.headers, fetchedAt));
    this.observer.fetched('success', body);
    return parsed.keys;
  }
}

/** rawJSONWebKey's string fields; go-jose's own json package words a mismatch without the field. */
const KEY_STRING_FIELDS: ReadonlySet<string> = new Set(['use', 'kty', 'kid', 'crv', 'alg']);

/**
 * Decodes a JWKS document into go-jose's JSONWebKeySet as encoding/json does: `null` is an empty
 * set, and a bad entry fails the whole set. Key material is checked only when a key is used.
 */
function parseKeySet(body: string): { keys: CachedKey[] } | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    return { error: goJSONSyntaxError(body, e) };
  }
  if (doc === null) return { keys: [] };
  if (typeof doc !== 'object' || Array.isArray(doc)) return { error: cannotUnmarshal(doc, 'jose.JSONWebKeySet') };
  const raw = (doc as { keys?: unknown }).keys;
  if (raw === undefined || raw === null) return { keys: [] };
  if (!Array.isArray(raw)) return { error: cannotUnmarshalField(raw, 'JSONWebKeySet', 'keys', '[]jose.JSONWebKey') };
  const keys: CachedKey[] = [];
  for (const entry of raw as unknown[]) {
    // JSONWebKey.UnmarshalJSON also runs for null: an entry with no kty.
    if (entry !== null && (typeof entry !== 'object' || Array.isArray(entry))) return { error: cannotUnmarshal(entry, 'jose.rawJSONWebKey') };
    const fields = (entry ?? {}) as Record<string, unknown>;
    const bad = Object.entries(fields).find(([k, v]) => KEY_STRING_FIELDS.has(k) && v !== null && typeof v !== 'string');
    if (bad) return { error: cannotUnmarshal(bad[1], 'string') };
    const jwk = fields as JWK;
    const kty = typeof jwk.kty === 'string' ? jwk.kty : '';
    if (!KEY_TYPES.has(kty)) return { error: `go-jose/go-jose: unknown json web key type '${kty}'` };
    keys.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : '', jwk, imported: new Map() });
  }
  return { keys };
}

/** `sha256:<hex>` as kube's metrics hash values (empty input: empty string). */
export function metricHash(data: string): string {
  return data === '' ? '' : `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
