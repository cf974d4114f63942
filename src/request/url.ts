/**
 * The one canonical parse of an HTTP request target, with the behaviour of Go's net/http server
 * (`url.ParseRequestURI`, the function net/http runs on every request line). Anonymous-access
 * conditions, authorization, audit and routing all read the `CanonicalURL` built here and never
 * parse the target again: the path a condition matched is the very path RBAC checks and the
 * handler serves. Where doorman is stricter than Go, it rejects (fails closed); each such place
 * says so below.
 */
import { DoormanError } from '../errors.js';
import { goQuote } from '../util/goquote.js';
import type { CanonicalURL } from './types.js';

/*
 * Settled against Go's net/url (parse with viaRequest=true), so callers may rely on these:
 *
 * - `#` is NOT a fragment delimiter in a request target. Go assumes browsers strip fragments
 *   before sending, so `/a#b` has path `/a#b` and `/a?x=1#y` has raw query `x=1#y`. We do the
 *   same; such a path simply matches nothing that expects `/a`.
 * - The query starts at the first `?`; `/a?` has an empty raw query.
 * - No path cleaning: `/api/../apis`, `//x`, `/a/./b` and trailing slashes stay as sent, and case
 *   is kept. kube-apiserver authorizes the uncleaned path too.
 * - `+` in the path stays `+`; `%2F` decodes to `/` (Go's `URL.Path`), so `/api%2Fv1` and
 *   `/api/v1` are the same path for everything downstream, as they are in kube-apiserver.
 * - Control bytes (< 0x20, 0x7f) anywhere are rejected, as Go does.
 *
 * Deliberate differences (all stricter):
 * - Decoded path bytes must be valid UTF-8 (Go keeps arbitrary bytes). A JS string cannot carry
 *   invalid UTF-8 without lossy replacement, and a lossy path could compare equal to a different
 *   one, so we refuse instead of guessing.
 * - Absolute-form is accepted only for `http`/`https` with an authority (`http://host/p`). Go
 *   also accepts other schemes, opaque forms (`foo:bar`) and `http:/p`.
 * - A raw non-ASCII character in `raw` is taken as its UTF-8 bytes (what a CLI user means when
 *   typing `/api/v1/namespaces/é`). Node's HTTP parser already answers 400 to raw non-ASCII
 *   bytes, so from the server this never happens (do not enable `insecureHTTPParser`).
 *   Unpaired surrogates are rejected.
 */

/** Thrown for a request target Go's server would refuse (or that doorman refuses on purpose). */
function invalid(raw: string, why: string): DoormanError {
  // Go's url.Error renders as `parse "<url>": <reason>`.
  return new DoormanError('REQUEST_INVALID', `parse ${goQuote(raw)}: ${why}`);
}

// Character codes the scanner compares against.
const PERCENT = 0x25;
const PLUS = 0x2b;
const SLASH = 0x2f;
const COLON = 0x3a;
const LBRACKET = 0x5b;

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

// Shared decoders: created once, they hold no per-call state. `ignoreBOM` keeps a leading
// U+FEFF (the default would silently drop it, so `%EF%BB%BFfalse` would read as `false`).
const strictUTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossyUTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** True when `s` has no unpaired UTF-16 surrogate (so it has an exact UTF-8 encoding). */
function isWellFormedUTF16(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return false;
    const d = s.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/**
 * Go-quotes the (at most 3) bytes of a bad escape as `strconv.Quote` would: text when they are
 * UTF-8, otherwise `\xNN` for each non-ASCII byte (`"%4\xc3"`).
 */
function quoteEscapeBytes(bytes: Buffer): string {
  try {
    return goQuote(strictUTF8.decode(bytes));
  } catch {
    let s = '';
    for (const b of bytes) s += b < 0x80 ? goQuote(String.fromCharCode(b)).slice(1, -1) : `\\x${b.toString(16).padStart(2, '0')}`;
    return `"${s}"`;
  }
}

/** Outcome of percent-decoding: the bytes, or Go's `EscapeError` (the bad escape, quoted). */
type Unescaped = { readonly bytes: Buffer } | { readonly badEscape: string };

/**
 * The common case of percent-decoding, done on the string (no Buffer, no TextDecoder): ASCII
 * input whose escapes all decode to ASCII. Returns undefined when that does not hold (or an
 * escape is bad); the caller then takes the general byte path, which also reports errors.
 */
function unescapeASCII(s: string, plusIsSpace: boolean): string | undefined {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return undefined;
    if (c === PERCENT) {
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h < 0 || h > 7 || l < 0) return undefined;
      out += s.slice(from, i) + String.fromCharCode((h << 4) | l);
      i += 2;
      from = i + 1;
    } else if (c === PLUS && plusIsSpace) {
      out += s.slice(from, i) + ' ';
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * Percent-decodes `s` into bytes like Go's `unescape`: every `%` must be followed by two hex
 * digits; `+` becomes a space only when `plusIsSpace` (query components). Non-ASCII characters
 * are taken as their UTF-8 bytes. Decodes in place: the output is never longer than the input.
 */
function unescapeBytes(s: string, plusIsSpace: boolean): Unescaped {
  const buf = Buffer.from(s, 'utf8');
  let w = 0;
  for (let r = 0; r < buf.length; ) {
    const c = buf[r] as number;
    if (c === PERCENT) {
      const h = r + 2 < buf.length ? hexVal(buf[r + 1] as number) : -1;
      const l = h >= 0 ? hexVal(buf[r + 2] as number) : -1;
      if (l < 0) {
        // Go reports the `%` and at most two following bytes.
        return { badEscape: quoteEscapeBytes(buf.subarray(r, Math.min(r + 3, buf.length))) };
      }
      buf[w++] = (h << 4) | l;
      r += 3;
    } else {
      buf[w++] = plusIsSpace && c === PLUS ? 0x20 : c;
      r++;
    }
  }
  return { bytes: buf.subarray(0, w) };
}

/** Go's `URL.Path` from the raw path: percent-decoded, and (doorman's rule) valid UTF-8. */
function decodePath(raw: string, rawPath: string, simple: boolean): string {
  if (simple) return rawPath;
  const fast = unescapeASCII(rawPath, false);
  if (fast !== undefined) return fast;
  const u = unescapeBytes(rawPath, false);
  if ('badEscape' in u) throw invalid(raw, `invalid URL escape ${u.badEscape}`);
  try {
    return strictUTF8.decode(u.bytes);
  } catch {
    throw invalid(raw, 'invalid UTF-8 in decoded URL path');
  }
}

/**
 * Go's `url.QueryUnescape` for one key or value; undefined where Go reports an error (the pair
 * is then dropped, as `url.ParseQuery` does). Bytes that are not UTF-8 become U+FFFD here,
 * where Go would keep them raw: query values are never compared as paths, so lossy is safe.
 */
function unescapeQueryComponent(s: string): string | undefined {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === PERCENT || c === PLUS) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  const fast = unescapeASCII(s, true);
  if (fast !== undefined) return fast;
  const u = unescapeBytes(s, true);
  return 'badEscape' in u ? undefined : lossyUTF8.decode(u.bytes);
}

/** Go's default `urlmaxqueryparams`: a query with more parameters parses as empty. */
const MAX_QUERY_PARAMS = 10000;

/**
 * Go's `url.ParseQuery` semantics into a URLSearchParams (which itself would decode differently:
 * it keeps bad escapes literally and splits nothing on `;`). Go, and therefore this:
 * - splits on `&` only; a pair containing `;` is dropped whole (Go >= 1.17);
 * - drops a pair whose key or value has a bad `%` escape;
 * - keeps `=x` (key "") and `k` (value ""), skips empty pairs; order and repeats are kept.
 * - yields nothing at all for more than 10000 parameters (`&` count + 1): the Go 1.25.x
 *   security releases cap ParseQuery (GODEBUG `urlmaxqueryparams`), and `URL.Query()` then
 *   returns the empty set with the error discarded.
 * kube-apiserver reads `watch`, `fieldSelector`, `labelSelector`, ... through exactly this, so
 * `?watch=%zz` is no watch at all, where URLSearchParams would say watch="%zz" (a watch).
 */
function parseGoQuery(rawQuery: string): URLSearchParams {
  const out = new URLSearchParams();
  if (rawQuery.length > MAX_QUERY_PARAMS) {
    let params = 1;
    for (let i = rawQuery.indexOf('&'); i >= 0; i = rawQuery.indexOf('&', i + 1)) {
      if (++params > MAX_QUERY_PARAMS) return out;
    }
  }
  let start = 0;
  while (start < rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end < 0) end = rawQuery.length;
    const pair = rawQuery.slice(start, end);
    start = end + 1;
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = unescapeQueryComponent(eq < 0 ? pair : pair.slice(0, eq));
    if (key === undefined) continue;
    const value = eq < 0 ? '' : unescapeQueryComponent(pair.slice(eq + 1));
    if (value === undefined) continue;
    out.append(key, value);
  }
  return out;
}

/** Builds the frozen record. Not exported: every CanonicalURL comes from parseRequestTarget. */
function canonical(requestURI: string, path: string, rawQuery: string): CanonicalURL {
  // The query is parsed eagerly: a lazy getter would be lost by `{ ...url }` copies. Requests
  // without a query pay for one empty URLSearchParams.
  return Object.freeze({ requestURI, path, rawQuery, query: parseGoQuery(rawQuery) });
}

/** A 128-entry ASCII membership table, built once at load. */
function asciiTable(extra: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (let i = 0; i < extra.length; i++) t[extra.charCodeAt(i)] = 1;
  return t;
}

/** ASCII bytes Go lets through unescaped in a host (`shouldEscape` in host mode is false). */
const HOST_ASCII = asciiTable('-._~!$&\'()*+,;=:[]<>"');
/** ASCII bytes Go's `validUserinfo` accepts (non-ASCII is refused there too). */
const USERINFO_ASCII = asciiTable('-._:~!$&\'()*+,;=%@');

/** Go's `validOptionalPort`: empty, or `:` followed by digits only. */
function isOptionalPort(s: string): boolean {
  if (s === '') return true;
  if (s.charCodeAt(0) !== COLON) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Checks an absolute-form authority the way Go's `parseAuthority`/`parseHost` would, returning
 * Go's error text or undefined. The host itself is not used by doorman (the Host header is), so
 * this only decides accept/refuse. IPv6 zones (`%25eth0`) are checked as host text, which is a
 * little stricter than Go for escapes inside a zone.
 */
function authorityError(authority: string): string | undefined {
  const at = authority.lastIndexOf('@');
  const host = at < 0 ? authority : authority.slice(at + 1);
  if (host.charCodeAt(0) === LBRACKET) {
    const close = host.lastIndexOf(']');
    if (close < 0) return "missing ']' in host";
    const port = host.slice(close + 1);
    if (!isOptionalPort(port)) return `invalid port ${goQuote(port)} after host`;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !isOptionalPort(host.slice(colon))) {
      return `invalid port ${goQuote(host.slice(colon))} after host`;
    }
  }
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c === PERCENT) {
      const esc = host.slice(i, i + 3);
      const h = hexVal(host.charCodeAt(i + 1));
      // In a host, %-escapes may only encode non-ASCII bytes, except `%25` (Go, RFC 6874).
      if (esc.length < 3 || h < 0 || hexVal(host.charCodeAt(i + 2)) < 0 || (h < 8 && esc !== '%25')) {
        return `invalid URL escape ${quoteEscapeBytes(Buffer.from(host.slice(i), 'utf8').subarray(0, 3))}`;
      }
      i += 2;
    } else if (c < 0x80 && HOST_ASCII[c] !== 1) {
      return `invalid character ${goQuote(host[i] ?? '')} in host name`;
    }
  }
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    for (let i = 0; i < userinfo.length; i++) {
      const c = userinfo.charCodeAt(i);
      if (c >= 0x80 || USERINFO_ASCII[c] !== 1) return 'net/url: invalid userinfo';
    }
    // Username and password are unescaped separately, so an escape never spans the `:`.
    const colon = userinfo.indexOf(':');
    for (const part of colon < 0 ? [userinfo] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)]) {
      const u = unescapeBytes(part, false);
      if ('badEscape' in u) return `invalid URL escape ${u.badEscape}`;
    }
  }
  return undefined;
}

/**
 * Parses an HTTP request target (what Node's `req.url` holds) exactly once, as Go's net/http
 * server does with `url.ParseRequestURI`.
 *
 * - origin-form `/path?query`: `requestURI` is `raw` unchanged;
 * - absolute-form `http(s)://host/path?query`: path and query are taken, the authority is only
 *   checked; `requestURI` is the origin-form part (`/path?query`, `/` for an empty path), like
 *   Go's `URL.RequestURI()`, which is what audit events record;
 * - asterisk-form `*` (for `OPTIONS *`): path `*`.
 *
 * `path` is percent-decoded (`%2F` is `/`, `+` stays `+`) and never cleaned. `query` follows Go's
 * `url.ParseQuery` rules (pairs with `;` or bad escapes are dropped).
 *
 * Where net/http's server answers `400 Bad Request` for a bad target, the caller should too.
 *
 * @throws DoormanError `REQUEST_INVALID` with Go's wording, e.g.
 *   `parse "/a%zz": invalid URL escape "%zz"`; also for control characters, an empty target,
 *   anything that is not one of the three forms, and (doorman only) a decoded path that is not
 *   valid UTF-8.
 * @example
 * const u = parseRequestTarget('/api/v1/namespaces/a%2Fb/pods?watch=1');
 * u.path;                 // '/api/v1/namespaces/a/b/pods'
 * u.query.get('watch');   // '1'
 */
export function parseRequestTarget(raw: string): CanonicalURL {
  // One pass for what Go checks first (control bytes) and what picks the slow paths later.
  let simple = true; // no `%` and ASCII only: the path is the raw text, no decoding needed
  let ascii = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) throw invalid(raw, 'net/url: invalid control character in URL');
    if (c === PERCENT) simple = false;
    else if (c >= 0x80) simple = ascii = false;
  }
  if (raw === '') throw invalid(raw, 'empty url');
  if (!ascii && !isWellFormedUTF16(raw)) throw invalid(raw, 'unpaired UTF-16 surrogate in URL');
  if (raw === '*') return canonical('*', '*', '');

  const q = raw.indexOf('?');
  const beforeQuery = q < 0 ? raw : raw.slice(0, q);
  const rawQuery = q < 0 ? '' : raw.slice(q + 1);

  if (raw.charCodeAt(0) === SLASH) {
    // Origin-form. A leading `//` is path, not authority, in a request (Go: viaRequest).
    return canonical(raw, decodePath(raw, beforeQuery, simple), rawQuery);
  }

  // Absolute-form: `scheme://authority[/path]`. Go's scheme grammar is ALPHA *(ALPHA/DIGIT/+-.).
  const colon = beforeQuery.indexOf(':');
  if (colon === 0) throw invalid(raw, 'missing protocol scheme');
  const scheme = colon < 0 ? '' : beforeQuery.slice(0, colon).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw invalid(raw, 'invalid URI for request');
  const rest = beforeQuery.slice(colon + 1);
  if (!rest.startsWith('//')) throw invalid(raw, 'invalid URI for request');
  const slash = rest.indexOf('/', 2);
  const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
  const rawPath = slash < 0 ? '' : rest.slice(slash);
  const authErr = authorityError(authority);
  if (authErr !== undefined) throw invalid(raw, authErr);
  const path = decodePath(raw, rawPath, simple);
  const requestURI = (rawPath === '' ? '/' : rawPath) + (q < 0 ? '' : '?' + rawQuery);
  return canonical(requestURI, path, rawQuery);
}
