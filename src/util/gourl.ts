/**
 * A port of the parts of Go's net/url (as of Go 1.25, which builds kube 1.35) that kube-apiserver's
 * behaviour shows: url.Parse and url.ParseRequestURI with their accepted forms, escaping rules and
 * error text, url.URL.String, Hostname/Port and Query. Go strings are bytes, so the port works on
 * "byte strings" (one char per UTF-8 byte); callers decode only what they hand on.
 */
import { parseAddr } from '../cel/lib/ip.js';
import { goQuoteBytes } from './goquote.js';

// ---------------------------------------------------------------------------------------------
// Byte strings.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toBytes(s: string): string {
  const b = encoder.encode(s);
  let out = '';
  for (let i = 0; i < b.length; i += 0x2000) out += String.fromCharCode(...b.subarray(i, i + 0x2000));
  return out;
}

function bytesOf(bs: string): Uint8Array {
  const b = new Uint8Array(bs.length);
  for (let i = 0; i < bs.length; i++) b[i] = bs.charCodeAt(i);
  return b;
}

/** Back to a JavaScript string; bytes that are not UTF-8 become U+FFFD. */
export function fromBytes(bs: string): string {
  return decoder.decode(bytesOf(bs));
}

/** Go's %q of a byte string. */
function q(bs: string): string {
  return goQuoteBytes(bytesOf(bs));
}

function cut(s: string, sep: string): [before: string, after: string, found: boolean] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, '', false] : [s.slice(0, i), s.slice(i + sep.length), true];
}

// ---------------------------------------------------------------------------------------------
// Go's net/url.

/** A failure inside the parser; `parse` callers wrap it in url.Error's `parse "<url>": ...`. */
class URLParseError extends Error {}

/** Which part of a URL is being escaped or unescaped (Go's encoding modes). */
const Mode = {
  Path: 1,
  PathSegment: 2,
  Host: 3,
  Zone: 4,
  UserPassword: 5,
  QueryComponent: 6,
  Fragment: 7,
} as const;
type Mode = (typeof Mode)[keyof typeof Mode];

const UPPER_HEX = '0123456789ABCDEF';

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return c - 0x41 + 10;
}

/** Go's shouldEscape: which bytes a URL part must percent-encode (loosely RFC 3986). */
function shouldEscape(c: number, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if ((mode === Mode.Host || mode === Mode.Zone) && `!$&'()*+,;=:[]<>"`.includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case Mode.Path:
        return c === 0x3f;
      case Mode.PathSegment:
        return ch === '/' || ch === ';' || ch === ',' || ch === '?';
      case Mode.UserPassword:
        return ch === '@' || ch === '/' || ch === '?' || ch === ':';
      case Mode.QueryComponent:
        return true;
      case Mode.Fragment:
        return false;
      default:
        break;
    }
  }
  if (mode === Mode.Fragment && '!()*'.includes(ch)) return false;
  return true;
}

function unescape(s: string, mode: Mode): string {
  let n = 0;
  let hasPlus = false;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      n++;
      if (i + 2 >= s.length || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) {
        throw new URLParseError(`invalid URL escape ${q(s.slice(i, i + 3))}`);
      }
      // A host may only %-encode non-ASCII bytes, except %25 before an IPv6 zone (RFC 6874).
      if (mode === Mode.Host && unhex(s.charCodeAt(i + 1)) < 8 && s.slice(i, i + 3) !== '%25') {
        throw new URLParseError(`invalid URL escape ${q(s.slice(i, i + 3))}`);
      }
      if (mode === Mode.Zone) {
        const v = (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
        if (s.slice(i, i + 3) !== '%25' && v !== 0x20 && shouldEscape(v, Mode.Host)) {
          throw new URLParseError(`invalid URL escape ${q(s.slice(i, i + 3))}`);
        }
      }
      i += 3;
    } else if (c === 0x2b) {
      hasPlus = mode === Mode.QueryComponent;
      i++;
    } else {
      if ((mode === Mode.Host || mode === Mode.Zone) && c < 0x80 && shouldEscape(c, mode)) {
        throw new URLParseError(`invalid character ${q(s[i] ?? '')} in host name`);
      }
      i++;
    }
  }
  if (n === 0 && !hasPlus) return s;
  let t = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      t += String.fromCharCode((unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c === 0x2b) {
      t += mode === Mode.QueryComponent ? ' ' : '+';
    } else {
      t += s[i];
    }
  }
  return t;
}

function escape(s: string, mode: Mode): string {
  let t = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 && mode === Mode.QueryComponent) t += '+';
    else if (shouldEscape(c, mode)) t += `%${UPPER_HEX[c >> 4]}${UPPER_HEX[c & 15]}`;
    else t += s[i];
  }
  return t;
}

/** Go's validEncoded: no byte that encoding would escape, sub-delims, brackets and % aside. */
function validEncoded(s: string, mode: Mode): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? '';
    if (`!$&'()*+,;=:@[]%`.includes(ch)) continue;
    if (shouldEscape(s.charCodeAt(i), mode)) return false;
  }
  return true;
}

/** "" or ":" followed by digits only. */
function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  return /^:[0-9]*$/.test(port);
}

/** RFC 3986 userinfo characters, plus '@' (Go accepts user:p@ss@host). */
function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function containsCTLByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

interface Userinfo {
  readonly username: string;
  readonly password: string;
  readonly passwordSet: boolean;
}

/** A Go url.URL; every field is a byte string. */
export class GoURL {
  scheme = '';
  opaque = '';
  user: Userinfo | null = null;
  host = '';
  path = '';
  rawPath = '';
  omitHost = false;
  forceQuery = false;
  rawQuery = '';
  fragment = '';
  rawFragment = '';

  /** Sets Path, and RawPath only when the given escaping differs from the default one. */
  setPath(p: string): void {
    this.path = unescape(p, Mode.Path);
    this.rawPath = escape(this.path, Mode.Path) === p ? '' : p;
  }

  setFragment(f: string): void {
    this.fragment = unescape(f, Mode.Fragment);
    this.rawFragment = escape(this.fragment, Mode.Fragment) === f ? '' : f;
  }

  escapedPath(): string {
    if (this.rawPath !== '' && validEncoded(this.rawPath, Mode.Path) && unescapeOrUndefined(this.rawPath, Mode.Path) === this.path) {
      return this.rawPath;
    }
    if (this.path === '*') return '*'; // Go leaves the OPTIONS target alone (golang.org/issue/11202).
    return escape(this.path, Mode.Path);
  }

  escapedFragment(): string {
    if (
      this.rawFragment !== '' &&
      validEncoded(this.rawFragment, Mode.Fragment) &&
      unescapeOrUndefined(this.rawFragment, Mode.Fragment) === this.fragment
    ) {
      return this.rawFragment;
    }
    return escape(this.fragment, Mode.Fragment);
  }

  /** url.URL.String, which kube compares for `==`. */
  toString(): string {
    let buf = '';
    if (this.scheme !== '') buf += `${this.scheme}:`;
    if (this.opaque !== '') {
      buf += this.opaque;
    } else {
      if (this.scheme !== '' || this.host !== '' || this.user !== null) {
        if (!(this.omitHost && this.host === '' && this.user === null)) {
          if (this.host !== '' || this.path !== '' || this.user !== null) buf += '//';
          if (this.user !== null) {
            const u = this.user;
            buf += escape(u.username, Mode.UserPassword);
            if (u.passwordSet) buf += `:${escape(u.password, Mode.UserPassword)}`;
            buf += '@';
          }
          if (this.host !== '') buf += escape(this.host, Mode.Host);
        }
      }
      const path = this.escapedPath();
      if (path !== '' && path[0] !== '/' && this.host !== '') buf += '/';
      // A relative path whose first segment has a colon would read as a scheme (RFC 3986 §4.2).
      if (buf === '' && cut(path, '/')[0].includes(':')) buf += './';
      buf += path;
    }
    if (this.forceQuery || this.rawQuery !== '') buf += `?${this.rawQuery}`;
    if (this.fragment !== '') buf += `#${this.escapedFragment()}`;
    return buf;
  }

  hostname(): string {
    return splitHostPort(this.host)[0];
  }

  port(): string {
    return splitHostPort(this.host)[1];
  }
}

function unescapeOrUndefined(s: string, mode: Mode): string | undefined {
  try {
    return unescape(s, mode);
  } catch (e) {
    if (e instanceof URLParseError) return undefined;
    throw e;
  }
}

/** A leading `scheme:` ([a-zA-Z][a-zA-Z0-9+.-]*), or none. */
function getScheme(raw: string): [scheme: string, rest: string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) throw new URLParseError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

/** Go's parse: viaRequest (ParseRequestURI) allows only absolute URIs and absolute paths. */
function parse(rawURL: string, viaRequest: boolean): GoURL {
  if (containsCTLByte(rawURL)) throw new URLParseError('net/url: invalid control character in URL');
  if (rawURL === '' && viaRequest) throw new URLParseError('empty url');
  const url = new GoURL();
  if (rawURL === '*') {
    url.path = '*';
    return url;
  }
  const [scheme, afterScheme] = getScheme(rawURL);
  let rest = afterScheme;
  url.scheme = scheme.toLowerCase();
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
    url.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    [rest, url.rawQuery] = cut(rest, '?');
  }
  if (!rest.startsWith('/')) {
    if (url.scheme !== '') {
      // A rootless path after a scheme is opaque (RFC 3986), e.g. mailto:x or https::/x.
      url.opaque = rest;
      return url;
    }
    if (viaRequest) throw new URLParseError('invalid URI for request');
    if (cut(rest, '/')[0].includes(':')) throw new URLParseError('first path segment in URL cannot contain colon');
  }
  if ((url.scheme !== '' || (!viaRequest && !rest.startsWith('///'))) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    [url.user, url.host] = parseAuthority(authority);
  } else if (url.scheme !== '' && rest.startsWith('/')) {
    url.omitHost = true;
  }
  url.setPath(rest);
  return url;
}

function parseAuthority(authority: string): [Userinfo | null, string] {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return [null, host];
  const userinfo = authority.slice(0, at);
  if (!validUserinfo(userinfo)) throw new URLParseError('net/url: invalid userinfo');
  if (!userinfo.includes(':')) return [{ username: unescape(userinfo, Mode.UserPassword), password: '', passwordSet: false }, host];
  const [username, password] = cut(userinfo, ':');
  return [{ username: unescape(username, Mode.UserPassword), password: unescape(password, Mode.UserPassword), passwordSet: true }, host];
}

/**
 * host[:port]. A bracketed host must be an IPv6 address (Go 1.25.2+, CVE-2025-47912): the '['
 * must open the host, netip must accept what it encloses, and that may not be IPv4.
 */
function parseHost(host: string): string {
  const open = host.lastIndexOf('[');
  if (open > 0) throw new URLParseError('invalid IP-literal');
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new URLParseError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new URLParseError(`invalid port ${q(colonPort)} after host`);
    const unescapedColonPort = unescape(colonPort, Mode.Host);
    const hostname = host.slice(open + 1, close);
    // From %25 on is an RFC 6874 zone, which may escape more than a host may.
    const zone = hostname.indexOf('%25');
    const unescapedHostname =
      zone >= 0 ? unescape(hostname.slice(0, zone), Mode.Host) + unescape(hostname.slice(zone), Mode.Zone) : unescape(hostname, Mode.Host);
    const addr = parseAddr(unescapedHostname, q);
    if (!addr.ok) throw new URLParseError(`invalid host: ${addr.error}`);
    if (addr.addr.is4) throw new URLParseError('invalid IP-literal');
    return `[${unescapedHostname}]${unescapedColonPort}`;
  }
  const colon = host.lastIndexOf(':');
  if (colon !== -1) {
    const colonPort = host.slice(colon);
    if (!validOptionalPort(colonPort)) throw new URLParseError(`invalid port ${q(colonPort)} after host`);
  }
  return unescape(host, Mode.Host);
}

/** url's splitHostPort: a valid numeric port comes off, then one pair of brackets. */
function splitHostPort(hostPort: string): [host: string, port: string] {
  let host = hostPort;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && validOptionalPort(host.slice(colon))) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, port];
}

/** Go's limit on query parameters (Go 1.25.6+, GODEBUG urlmaxqueryparams). */
const MAX_QUERY_PARAMS = 10000;

/** url.URL.Query: ParseQuery with its errors dropped, as kube calls it. */
export function parseQuery(query: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  // Over the limit ParseQuery fails before reading anything, and Query returns the empty map.
  if (query.split('&').length > MAX_QUERY_PARAMS) return m;
  let remaining = query;
  while (remaining !== '') {
    let pair: string;
    [pair, remaining] = cut(remaining, '&');
    if (pair.includes(';') || pair === '') continue;
    const [rawKey, rawValue] = cut(pair, '=');
    const key = unescapeOrUndefined(rawKey, Mode.QueryComponent);
    if (key === undefined) continue;
    const value = unescapeOrUndefined(rawValue, Mode.QueryComponent);
    if (value === undefined) continue;
    const list = m.get(key);
    if (list) list.push(value);
    else m.set(key, [value]);
  }
  return m;
}

/**
 * Go's url.Parse(s): the URL, or the text of its url.Error (`parse "<url>": <why>`, the URL quoted
 * without its fragment unless the fragment is what failed).
 */
export function parseGoURL(s: string): GoURL | { readonly error: string } {
  const raw = toBytes(s);
  const [beforeFragment, frag] = cut(raw, '#');
  let url: GoURL;
  try {
    url = parse(beforeFragment, false);
  } catch (e) {
    if (e instanceof URLParseError) return { error: `parse ${q(beforeFragment)}: ${e.message}` };
    throw e;
  }
  if (frag !== '') {
    try {
      url.setFragment(frag);
    } catch (e) {
      if (e instanceof URLParseError) return { error: `parse ${q(raw)}: ${e.message}` };
      throw e;
    }
  }
  return url;
}

/** The error of Go's url.ParseRequestURI(s), as `err.Error()` prints it; undefined when it parses. */
export function parseRequestURIError(s: string): string | undefined {
  const raw = toBytes(s);
  try {
    parse(raw, true);
    return undefined;
  } catch (e) {
    if (e instanceof URLParseError) return `parse ${q(raw)}: ${e.message}`;
    throw e;
  }
}
