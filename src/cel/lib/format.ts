/**
 * Kubernetes' format library (k8s.io/apiserver/pkg/cel/library/format.go, in kube-apiserver's CEL
 * environment since 1.31): named string formats of type `kubernetes.NamedFormat`, reached through
 * `format.named(<string>)` (an optional, none for an unknown name) or one zero-argument function
 * per format (`format.dns1123Label()`), and `<format>.validate(<string>)`, which is none for a valid
 * string and otherwise the validator's messages. The validators and their wording are
 * apimachinery's (util/validation and api/validate/content, as vendored by 1.35), Go's
 * net/url.ParseRequestURI for `uri` (Go 1.25, bracketed hosts checked with netip.ParseAddr), and
 * kube-openapi's strfmt checks for `uuid`, `byte`, `date` and `datetime`.
 */
import { decl, fail, fn, method, type FunctionDecl } from '../decl.js';
import { STRING, listOf, named, optionalOf } from '../types.js';
import { CelEvalError, CelOpaque, CelOptional, type CelValue } from '../value.js';
import { goEscapeRune } from '../../util/goquote.js';

/** A named format: a Kubernetes validator with its Go name (what equality compares). */
export class CelNamedFormat extends CelOpaque {
  override readonly typeName = 'kubernetes.NamedFormat';

  constructor(
    readonly name: string,
    readonly validate: (s: string) => readonly string[],
  ) {
    super();
  }

  override equals(other: CelOpaque): boolean {
    return other instanceof CelNamedFormat && other.name === this.name;
  }
}

export const FORMAT_TYPE = named('kubernetes.NamedFormat');

// ---------------------------------------------------------------------------------------------
// apimachinery's validators
// ---------------------------------------------------------------------------------------------

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** util/validation's MaxLenError. */
function maxLenChars(n: number): string {
  return `must be no more than ${n} characters`;
}

/** api/validate/content's MaxLenError, which counts what Go's len() counts. */
function maxLenBytes(n: number): string {
  return `must be no more than ${n} bytes`;
}

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) out += ' or ';
    out += `'${e}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

const anchored = (fmt: string): RegExp => new RegExp(`^${fmt}$`);
const DNS1123_LABEL_RE = anchored(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN_RE = anchored(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL_RE = anchored(DNS1035_LABEL_FMT);
const LABEL_KEY_RE = anchored(LABEL_KEY_FMT);
const LABEL_VALUE_RE = anchored(LABEL_VALUE_FMT);

/** validation.IsDNS1123Label. */
export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 63) errs.push(maxLenChars(63));
  if (!DNS1123_LABEL_RE.test(v)) {
    // A valid subdomain that is not a valid label: having checked the length, it must be dots.
    if (DNS1123_SUBDOMAIN_RE.test(v)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

function dns1123Subdomain(v: string, maxLen: (n: number) => string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 253) errs.push(maxLen(253));
  if (!DNS1123_SUBDOMAIN_RE.test(v)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** validation.IsDNS1123Subdomain. */
export function isDNS1123Subdomain(v: string): string[] {
  return dns1123Subdomain(v, maxLenChars);
}

/** validation.IsDNS1035Label. */
export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 63) errs.push(maxLenChars(63));
  if (!DNS1035_LABEL_RE.test(v)) errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

/** content.IsLabelKey, which validation.IsQualifiedName now is. */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123Subdomain(prefix, maxLenBytes).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenBytes(63)}`);
  if (!LABEL_KEY_RE.test(name)) errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** content.IsLabelValue, which validation.IsValidLabelValue now is. */
export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 63) errs.push(maxLenBytes(63));
  if (!LABEL_VALUE_RE.test(v)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/**
 * apimachinery's maskTrailingDash for the *Prefix formats: replaces the last TWO bytes of a name
 * ending in '-' by 'a' (sic). On a lone "-" Go's slice expression panics, which cel-go reports as
 * an internal error.
 */
function maskTrailingDash(name: string): string {
  if (!name.endsWith('-')) return name;
  const bytes = new TextEncoder().encode(name);
  if (bytes.length < 2) throw new CelEvalError(`internal error: runtime error: slice bounds out of range [:${bytes.length - 2}]`);
  return new TextDecoder().decode(bytes.subarray(0, bytes.length - 2)) + 'a';
}

// ---------------------------------------------------------------------------------------------
// Go's net/url.ParseRequestURI, for its error text
// ---------------------------------------------------------------------------------------------

const encoder = new TextEncoder();

/** strconv.Quote over raw bytes: runes as %q shows them, bytes of broken UTF-8 as \xNN. */
function quoteBytes(b: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < b.length) {
    const c = b[i] ?? 0;
    let size = 1;
    let cp = -1;
    if (c < 0x80) cp = c;
    else {
      const need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
      if (need > 0 && i + need <= b.length) {
        let v = need === 2 ? c & 0x1f : need === 3 ? c & 0x0f : c & 0x07;
        let ok = true;
        for (let k = 1; k < need; k++) {
          const cc = b[i + k] ?? 0;
          if ((cc & 0xc0) !== 0x80) ok = false;
          v = (v << 6) | (cc & 0x3f);
        }
        const min = need === 2 ? 0x80 : need === 3 ? 0x800 : 0x10000;
        if (ok && v >= min && v <= 0x10ffff && !(v >= 0xd800 && v <= 0xdfff)) {
          cp = v;
          size = need;
        }
      }
    }
    out += cp < 0 ? `\\x${c.toString(16).padStart(2, '0')}` : goEscapeRune(cp);
    i += size;
  }
  return `${out}"`;
}

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

function indexOfByte(b: Uint8Array, c: number, from = 0): number {
  return b.indexOf(c, from);
}

function lastIndexOfByte(b: Uint8Array, c: number): number {
  return b.lastIndexOf(c);
}

function isHexByte(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

function unhexByte(c: number): number {
  if (c <= 0x39) return c - 0x30;
  if (c <= 0x46) return c - 0x41 + 10;
  return c - 0x61 + 10;
}

type Mode = 'path' | 'host' | 'zone' | 'userPassword';

/** net/url's shouldEscape, for the host and zone modes (the only ones whose unescape rejects bytes). */
function shouldEscapeHost(c: number): boolean {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) return false;
  return !"!$&'()*+,;=:[]<>\"-_.~".includes(String.fromCharCode(c));
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** net/url's unescape: validates %-escapes (and host bytes) and decodes them. */
function unescape(s: Uint8Array, mode: Mode): Parsed<Uint8Array> {
  for (let i = 0; i < s.length; ) {
    const c = s[i] ?? 0;
    if (c === 0x25) {
      if (i + 2 >= s.length || !isHexByte(s[i + 1]) || !isHexByte(s[i + 2])) {
        return { ok: false, error: `invalid URL escape ${quoteBytes(s.subarray(i, i + 3))}` };
      }
      const seq = latin1(s.subarray(i, i + 3));
      const v = (unhexByte(s[i + 1] ?? 0) << 4) | unhexByte(s[i + 2] ?? 0);
      if (mode === 'host' && unhexByte(s[i + 1] ?? 0) < 8 && seq !== '%25') return { ok: false, error: `invalid URL escape ${quoteBytes(s.subarray(i, i + 3))}` };
      if (mode === 'zone' && seq !== '%25' && v !== 0x20 && shouldEscapeHost(v)) return { ok: false, error: `invalid URL escape ${quoteBytes(s.subarray(i, i + 3))}` };
      i += 3;
    } else {
      if ((mode === 'host' || mode === 'zone') && c < 0x80 && shouldEscapeHost(c)) {
        return { ok: false, error: `invalid character ${quoteBytes(s.subarray(i, i + 1))} in host name` };
      }
      i++;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? 0;
    if (c === 0x25) {
      out.push((unhexByte(s[i + 1] ?? 0) << 4) | unhexByte(s[i + 2] ?? 0));
      i += 2;
    } else {
      out.push(c);
    }
  }
  return { ok: true, value: Uint8Array.from(out) };
}

function validOptionalPort(port: Uint8Array): boolean {
  if (port.length === 0) return true;
  if (port[0] !== 0x3a) return false;
  return port.subarray(1).every((b) => b >= 0x30 && b <= 0x39);
}

/** netip.ParseAddr's verdict on the text inside brackets: 'v4', 'v6' or Go's error. */
function parseAddr(inBytes: Uint8Array): 'v4' | 'v6' | { error: string } {
  const input = latin1(inBytes);
  const failAt = (msg: string, at?: string): { error: string } => {
    const q = (x: string): string => quoteBytes(Uint8Array.from(x, (ch) => ch.charCodeAt(0)));
    return { error: `ParseAddr(${q(input)}): ${msg}${at ? ` (at ${q(at)})` : ''}` };
  };
  const ipv4Fields = (part: string): { error: string } | undefined => {
    let val = 0;
    let pos = 0;
    let digLen = 0;
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      if (c >= 0x30 && c <= 0x39) {
        if (digLen === 1 && val === 0) return failAt('IPv4 field has octet with leading zero');
        val = val * 10 + (c - 0x30);
        digLen++;
        if (val > 255) return failAt('IPv4 field has value >255');
      } else if (c === 0x2e) {
        if (i === 0 || i === part.length - 1 || part[i - 1] === '.') return failAt('IPv4 field must have at least one digit', part.slice(i));
        if (pos === 3) return failAt('IPv4 address too long');
        pos++;
        val = 0;
        digLen = 0;
      } else {
        return failAt('unexpected character', part.slice(i));
      }
    }
    if (pos < 3) return failAt('IPv4 address too short');
    return undefined;
  };
  for (const ch of input) {
    if (ch === '.') return ipv4Fields(input) ?? 'v4';
    if (ch === ':') break;
    if (ch === '%') return failAt('missing IPv6 address');
  }
  if (!input.includes(':')) return failAt('unable to parse IP');
  // parseIPv6
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct >= 0) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') return failAt('zone must be a non-empty string');
  }
  let ellipsis = -1;
  if (s.startsWith('::')) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === '') return 'v6';
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const d = parseInt(s[off] ?? '', 16);
      if (!/^[0-9A-Fa-f]$/.test(s[off] ?? '')) break;
      acc = acc * 16 + d;
      if (off > 3) return failAt('each group must have 4 or less digits', s);
      if (acc > 0xffff) return failAt('IPv6 field has value >=2^16', s);
    }
    if (off === 0) return failAt('each colon-separated field must have at least one digit', s);
    if (s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return failAt('embedded IPv4 address must replace the final 2 fields of the address', s);
      if (i + 4 > 16) return failAt('too many hex fields to fit an embedded IPv4 at the end of the address', s);
      const err = ipv4Fields(s);
      if (err) return err;
      s = '';
      i += 4;
      break;
    }
    i += 2;
    s = s.slice(off);
    if (s === '') break;
    if (s[0] !== ':') return failAt('unexpected character, want colon', s);
    if (s.length === 1) return failAt('colon must be followed by more characters', s);
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return failAt('multiple :: in address', s);
      ellipsis = i;
      s = s.slice(1);
      if (s === '') break;
    }
  }
  if (s !== '') return failAt('trailing garbage after address', s);
  if (i < 16) {
    if (ellipsis < 0) return failAt('address string too short');
  } else if (ellipsis >= 0) {
    return failAt('the :: must expand to at least one field of zeros');
  }
  return 'v6';
}

function parseHost(host: Uint8Array): string | undefined {
  const open = lastIndexOfByte(host, 0x5b);
  if (open > 0) return 'invalid IP-literal';
  if (open === 0) {
    const close = lastIndexOfByte(host, 0x5d);
    if (close < 0) return "missing ']' in host";
    const colonPort = host.subarray(close + 1);
    if (!validOptionalPort(colonPort)) return `invalid port ${quoteBytes(colonPort)} after host`;
    const hostname = host.subarray(1, close);
    const zone = latin1(hostname).indexOf('%25');
    let unescaped: Uint8Array;
    if (zone >= 0) {
      const h = unescape(hostname.subarray(0, zone), 'host');
      if (!h.ok) return h.error;
      const z = unescape(hostname.subarray(zone), 'zone');
      if (!z.ok) return z.error;
      unescaped = Uint8Array.from([...h.value, ...z.value]);
    } else {
      const h = unescape(hostname, 'host');
      if (!h.ok) return h.error;
      unescaped = h.value;
    }
    const addr = parseAddr(unescaped);
    if (addr === 'v4') return 'invalid IP-literal';
    if (addr !== 'v6') return `invalid host: ${addr.error}`;
    return undefined;
  }
  const colon = lastIndexOfByte(host, 0x3a);
  if (colon >= 0) {
    const colonPort = host.subarray(colon);
    if (!validOptionalPort(colonPort)) return `invalid port ${quoteBytes(colonPort)} after host`;
  }
  const u = unescape(host, 'host');
  return u.ok ? undefined : u.error;
}

function validUserinfo(s: Uint8Array): boolean {
  return s.every((c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || "-._:~!$&'()*+,;=%@".includes(String.fromCharCode(c)));
}

function parseAuthority(authority: Uint8Array): string | undefined {
  const at = lastIndexOfByte(authority, 0x40);
  const hostErr = parseHost(at < 0 ? authority : authority.subarray(at + 1));
  if (hostErr !== undefined) return hostErr;
  if (at < 0) return undefined;
  const userinfo = authority.subarray(0, at);
  if (!validUserinfo(userinfo)) return 'net/url: invalid userinfo';
  const colon = indexOfByte(userinfo, 0x3a);
  for (const part of colon < 0 ? [userinfo] : [userinfo.subarray(0, colon), userinfo.subarray(colon + 1)]) {
    const u = unescape(part, 'userPassword');
    if (!u.ok) return u.error;
  }
  return undefined;
}

/** The error of Go's url.ParseRequestURI(raw), as `err.Error()` prints it; undefined when it parses. */
export function parseRequestURIError(raw: string): string | undefined {
  const b = encoder.encode(raw);
  const why = parseRequestURI(b);
  return why === undefined ? undefined : `parse ${quoteBytes(b)}: ${why}`;
}

function parseRequestURI(raw: Uint8Array): string | undefined {
  if (raw.some((c) => c < 0x20 || c === 0x7f)) return 'net/url: invalid control character in URL';
  if (raw.length === 0) return 'empty url';
  if (raw.length === 1 && raw[0] === 0x2a) return undefined;
  let scheme = '';
  let rest = raw;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? 0;
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) break;
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) return 'missing protocol scheme';
      scheme = latin1(raw.subarray(0, i));
      rest = raw.subarray(i + 1);
    }
    break;
  }
  const q = indexOfByte(rest, 0x3f);
  if (q >= 0) rest = rest.subarray(0, q);
  if (rest[0] !== 0x2f) {
    if (scheme !== '') return undefined; // opaque
    return 'invalid URI for request';
  }
  if (scheme !== '' && rest[1] === 0x2f) {
    const authority = rest.subarray(2);
    const slash = indexOfByte(authority, 0x2f);
    const err = parseAuthority(slash < 0 ? authority : authority.subarray(0, slash));
    if (err !== undefined) return err;
    rest = slash < 0 ? new Uint8Array(0) : authority.subarray(slash);
  }
  const p = unescape(rest, 'path');
  return p.ok ? undefined : p.error;
}

// ---------------------------------------------------------------------------------------------
// kube-openapi strfmt checks
// ---------------------------------------------------------------------------------------------

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE = /^([0-9]{2}):([0-9]{2}):([0-9]{2})([^\n][0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/u;

/** strfmt.IsDate: Go's time.Parse("2006-01-02", s) succeeds. */
export function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/** strfmt.IsDateTime: a date, a 't', and an RFC 3339 time (seconds ≤ 59; '.' of the fraction is any character). */
export function isDateTime(s: string): boolean {
  if (byteLength(s) < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0] ?? '')) return false;
  const m = DATE_TIME_RE.exec(parts[1] ?? '');
  if (!m) return false;
  return (m[1] ?? '') <= '23' && (m[2] ?? '') <= '59' && (m[3] ?? '') <= '59';
}

const check = (ok: (s: string) => boolean, message: string) => (s: string): string[] => (ok(s) ? [] : [message]);

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

/** The formats, keyed by the name `format.named` takes, as Kubernetes' ConstantFormats. */
export const NAMED_FORMATS: ReadonlyMap<string, CelNamedFormat> = new Map(
  (
    [
      ['dns1123Label', 'DNS1123Label', (s) => isDNS1123Label(s)],
      ['dns1123Subdomain', 'DNS1123Subdomain', (s) => isDNS1123Subdomain(s)],
      ['dns1035Label', 'DNS1035Label', (s) => isDNS1035Label(s)],
      ['qualifiedName', 'QualifiedName', isQualifiedName],
      ['dns1123LabelPrefix', 'DNS1123LabelPrefix', (s) => isDNS1123Label(maskTrailingDash(s))],
      ['dns1123SubdomainPrefix', 'DNS1123SubdomainPrefix', (s) => isDNS1123Subdomain(maskTrailingDash(s))],
      ['dns1035LabelPrefix', 'DNS1035LabelPrefix', (s) => isDNS1035Label(maskTrailingDash(s))],
      ['labelValue', 'LabelValue', isValidLabelValue],
      [
        'uri',
        'URI',
        (s) => {
          const err = parseRequestURIError(s);
          return err === undefined ? [] : [err];
        },
      ],
      ['uuid', 'uuid', check((s) => UUID_RE.test(s), 'does not match the UUID format')],
      ['byte', 'byte', check((s) => BASE64_RE.test(s), 'invalid base64')],
      ['date', 'date', check(isDate, 'invalid date')],
      ['datetime', 'datetime', check(isDateTime, 'invalid datetime')],
    ] as const satisfies readonly (readonly [string, string, (s: string) => readonly string[]])[]
  ).map(([key, name, validate]) => [key, new CelNamedFormat(name, validate)] as const),
);

function str(v: CelValue | undefined): string {
  if (typeof v !== 'string') fail('no such overload');
  return v;
}

/** Kubernetes' format library: `format.<name>()`, `format.named(name)`, `<format>.validate(s)`. */
export const FORMAT: readonly FunctionDecl[] = [
  ...[...NAMED_FORMATS].map(([key, f]) => decl(`format.${key}`, fn(`format.${key}`, [], FORMAT_TYPE, () => f))),
  decl(
    'format.named',
    fn('format-named', [STRING], optionalOf(FORMAT_TYPE), (a) => {
      const f = NAMED_FORMATS.get(str(a[0]));
      return f ? CelOptional.of(f) : CelOptional.NONE;
    }),
  ),
  decl(
    'validate',
    method('format-validate', FORMAT_TYPE, [STRING], optionalOf(listOf(STRING)), (a) => {
      const f = a[0];
      if (!(f instanceof CelNamedFormat)) fail('no such overload');
      const errs = f.validate(str(a[1]));
      return errs.length === 0 ? CelOptional.NONE : CelOptional.of([...errs]);
    }),
  ),
];
