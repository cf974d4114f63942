/**
 * Kubernetes' CEL IP library (`ip`, `isIP`, `ip.isCanonical`, the `net.IP` accessors and
 * `string(ip)`), as k8s.io/apiserver/pkg/cel/library/ip.go declares it. Addresses are parsed the
 * way Go's net/netip parses them, error text included, because kube passes netip's errors
 * straight through to the expression's author; kube then rejects zones and IPv4-mapped IPv6
 * addresses on top. The netip port lives here and is exported: the CIDR and URL libraries need
 * the same parser.
 */
import { CelEvalError, CelOpaque } from '../value.js';
import { decl, fail, fn, instanceArg, method, stringArg, traversalCost, withCost, type FunctionDecl } from '../decl.js';
import { BOOL, INT, STRING, named } from '../types.js';
import { goQuote } from '../../util/goquote.js';

// ---------------------------------------------------------------------------------------------
// Go's net/netip Addr, enough of it for Kubernetes' IP, CIDR and URL libraries.

/** A netip.Addr. IPv4 is held as its ::ffff:a.b.c.d form, as netip holds it, so masks align. */
export interface NetAddr {
  /** netip's Is4: true only for IPv4 proper, never for an IPv4-mapped IPv6 address. */
  readonly is4: boolean;
  /** The 128-bit address. */
  readonly bits: bigint;
  /** The IPv6 zone; always empty for IPv4. */
  readonly zone: string;
}

export type AddrParse = { readonly ok: true; readonly addr: NetAddr } | { readonly ok: false; readonly error: string };

const V4_MAPPED = 0xffff00000000n;

class AddrError extends Error {}

export function addrFrom4(bytes: readonly number[]): NetAddr {
  let v = V4_MAPPED;
  for (let i = 0; i < 4; i++) v |= BigInt(bytes[i] ?? 0) << BigInt((3 - i) * 8);
  return { is4: true, bits: v, zone: '' };
}

function addrFrom16(bytes: Uint8Array, zone: string): NetAddr {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return { is4: false, bits: v, zone };
}

/**
 * netip.ParseAddr. `quote` renders the input in the message; the URL library passes a byte
 * string (one char per byte) and quotes it as bytes, so lengths and offsets are Go's there too.
 */
export function parseAddr(s: string, quote: (s: string) => string = goQuote): AddrParse {
  const err = (msg: string, at = ''): AddrError => new AddrError(`ParseAddr(${quote(s)}): ${msg}${at === '' ? '' : ` (at ${quote(at)})`}`);
  try {
    for (let i = 0; i < s.length; i++) {
      switch (s[i]) {
        case '.':
          return { ok: true, addr: addrFrom4(ipv4Fields(s, 0, s.length, err)) };
        case ':':
          return { ok: true, addr: parseIPv6(s, err) };
        case '%':
          // Most likely an IPv6 address with a zone whose address part is missing.
          throw err('missing IPv6 address');
      }
    }
    throw err('unable to parse IP');
  } catch (e) {
    if (e instanceof AddrError) return { ok: false, error: e.message };
    throw e;
  }
}

type ErrorFactory = (msg: string, at?: string) => AddrError;

/** The four dotted-decimal fields of input[off:end]; errors quote the whole input, as netip's do. */
function ipv4Fields(input: string, off: number, end: number, err: ErrorFactory): number[] {
  const s = input.slice(off, end);
  const fields: number[] = [];
  let val = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && val === 0) throw err('IPv4 field has octet with leading zero');
      val = val * 10 + (c - 0x30);
      digits++;
      if (val > 255) throw err('IPv4 field has value >255');
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') throw err('IPv4 field must have at least one digit', s.slice(i));
      if (fields.length === 3) throw err('IPv4 address too long');
      fields.push(val);
      val = 0;
      digits = 0;
    } else {
      throw err('unexpected character', s.slice(i));
    }
  }
  if (fields.length < 3) throw err('IPv4 address too short');
  fields.push(val);
  return fields;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function parseIPv6(input: string, err: ErrorFactory): NetAddr {
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') throw err('zone must be a non-empty string');
  }
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return addrFrom16(ip, zone);
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const d = hexValue(s.charCodeAt(off));
      if (d < 0) break;
      acc = acc * 16 + d;
      if (off > 3) throw err('each group must have 4 or less digits', s);
      if (acc > 0xffff) throw err('IPv6 field has value >=2^16', s);
    }
    if (off === 0) throw err('each colon-separated field must have at least one digit', s);
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) throw err('embedded IPv4 address must replace the final 2 fields of the address', s);
      if (i + 4 > 16) throw err('too many hex fields to fit an embedded IPv4 at the end of the address', s);
      const end = input.length - (zone.length > 0 ? zone.length + 1 : 0);
      ip.set(ipv4Fields(input, end - s.length, end, err), i);
      s = '';
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':') throw err('unexpected character, want colon', s);
    if (s.length === 1) throw err('colon must be followed by more characters', s);
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) throw err('multiple :: in address', s);
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) throw err('trailing garbage after address', s);
  if (i < 16) {
    if (ellipsis < 0) throw err('address string too short');
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j] ?? 0;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    throw err('the :: must expand to at least one field of zeros');
  }
  return addrFrom16(ip, zone);
}

export function bitLen(a: NetAddr): 32 | 128 {
  return a.is4 ? 32 : 128;
}

export function sameAddr(a: NetAddr, b: NetAddr): boolean {
  return a.is4 === b.is4 && a.bits === b.bits && a.zone === b.zone;
}

export function is4In6(a: NetAddr): boolean {
  return !a.is4 && a.bits >> 32n === 0xffffn;
}

function unmap(a: NetAddr): NetAddr {
  return is4In6(a) ? { is4: true, bits: a.bits, zone: '' } : a;
}

function v4(a: NetAddr, i: number): number {
  return Number((a.bits >> BigInt((3 - i) * 8)) & 0xffn);
}

function v6u16(a: NetAddr, i: number): number {
  return Number((a.bits >> BigInt((7 - i) * 16)) & 0xffffn);
}

function string4(a: NetAddr): string {
  return `${v4(a, 0)}.${v4(a, 1)}.${v4(a, 2)}.${v4(a, 3)}`;
}

/** netip.Addr.String: RFC 5952 text (the longest run of two or more zero groups becomes ::). */
export function addrString(a: NetAddr): string {
  if (a.is4) return string4(a);
  const zone = a.zone === '' ? '' : `%${a.zone}`;
  if (is4In6(a)) return `::ffff:${string4(a)}${zone}`;
  let zeroStart = -1;
  let zeroEnd = -1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && v6u16(a, j) === 0) j++;
    if (j - i >= 2 && j - i > zeroEnd - zeroStart) {
      zeroStart = i;
      zeroEnd = j;
    }
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === zeroStart) {
      out += '::';
      i = zeroEnd;
      if (i >= 8) break;
    } else if (i > 0) {
      out += ':';
    }
    out += v6u16(a, i).toString(16);
  }
  return out + zone;
}

function isUnspecified(a: NetAddr): boolean {
  return a.is4 ? a.bits === V4_MAPPED : a.bits === 0n && a.zone === '';
}

function isLoopback(addr: NetAddr): boolean {
  const a = unmap(addr);
  return a.is4 ? v4(a, 0) === 127 : a.bits === 1n;
}

function isMulticast(addr: NetAddr): boolean {
  const a = unmap(addr);
  return a.is4 ? (v4(a, 0) & 0xf0) === 0xe0 : a.bits >> 120n === 0xffn;
}

function isLinkLocalMulticast(addr: NetAddr): boolean {
  const a = unmap(addr);
  return a.is4 ? v4(a, 0) === 224 && v4(a, 1) === 0 && v4(a, 2) === 0 : (v6u16(a, 0) & 0xff0f) === 0xff02;
}

function isLinkLocalUnicast(addr: NetAddr): boolean {
  const a = unmap(addr);
  return a.is4 ? v4(a, 0) === 169 && v4(a, 1) === 254 : (v6u16(a, 0) & 0xffc0) === 0xfe80;
}

/** netip's IsGlobalUnicast: private IPv4 and ULA IPv6 ranges still count, as in package net. */
function isGlobalUnicast(addr: NetAddr): boolean {
  const a = unmap(addr);
  if (a.is4 && (a.bits === V4_MAPPED || a.bits === (V4_MAPPED | 0xffffffffn))) return false;
  return !(!a.is4 && a.bits === 0n && a.zone === '') && !isLoopback(a) && !isMulticast(a) && !isLinkLocalUnicast(a);
}

// ---------------------------------------------------------------------------------------------
// The CEL library.

/** A `net.IP` value. kube never lets a zoned or IPv4-mapped address into one. */
export class CelIP extends CelOpaque {
  override readonly typeName = 'net.IP';
  constructor(readonly addr: NetAddr) {
    super();
  }
  override equals(other: CelOpaque): boolean {
    return other instanceof CelIP && sameAddr(this.addr, other.addr);
  }
  override toString(): string {
    return addrString(this.addr);
  }
}

export const IP_TYPE = named('net.IP');

/** kube's parseIPAddr: netip's parse, then no zones and no IPv4-mapped IPv6. Throws kube's text. */
export function parseKubeIP(raw: string): NetAddr {
  const r = parseAddr(raw);
  if (!r.ok) fail(`IP Address ${goQuote(raw)} parse error during conversion from string: ${r.error}`);
  if (r.addr.zone !== '') fail(`IP address ${goQuote(raw)} with zone value is not allowed`);
  if (is4In6(r.addr)) fail(`IPv4-mapped IPv6 address ${goQuote(raw)} is not allowed`);
  return r.addr;
}

/** The argument at `i`, or cel-go's dispatch error when the interpreter sent something else. */
function isIPString(s: string): boolean {
  try {
    parseKubeIP(s);
    return true;
  } catch (e) {
    if (e instanceof CelEvalError) return false;
    throw e;
  }
}

export const IP_LIBRARY: readonly FunctionDecl[] = [
  decl('ip', withCost(fn('string_to_ip', [STRING], IP_TYPE, (args) => new CelIP(parseKubeIP(stringArg(args, 0)))), (a) => traversalCost(a))),
  decl(
    'family',
    method('ip_family', IP_TYPE, [], INT, (args) => (instanceArg(args, 0, CelIP).addr.is4 ? 4n : 6n)),
  ),
  decl(
    'ip.isCanonical',
    withCost(
      fn('ip_is_canonical', [STRING], BOOL, (args) => {
        const s = stringArg(args, 0);
        // netip's String is the one canonical form, so a canonical input prints as itself.
        return addrString(parseKubeIP(s)) === s;
      }),
      (a) => traversalCost(a, 2),
    ),
  ),
  decl('isUnspecified', method('ip_is_unspecified', IP_TYPE, [], BOOL, (args) => isUnspecified(instanceArg(args, 0, CelIP).addr))),
  decl('isLoopback', method('ip_is_loopback', IP_TYPE, [], BOOL, (args) => isLoopback(instanceArg(args, 0, CelIP).addr))),
  decl(
    'isLinkLocalMulticast',
    method('ip_is_link_local_multicast', IP_TYPE, [], BOOL, (args) => isLinkLocalMulticast(instanceArg(args, 0, CelIP).addr)),
  ),
  decl(
    'isLinkLocalUnicast',
    method('ip_is_link_local_unicast', IP_TYPE, [], BOOL, (args) => isLinkLocalUnicast(instanceArg(args, 0, CelIP).addr)),
  ),
  decl('isGlobalUnicast', method('ip_is_global_unicast', IP_TYPE, [], BOOL, (args) => isGlobalUnicast(instanceArg(args, 0, CelIP).addr))),
  decl('isIP', withCost(fn('is_ip', [STRING], BOOL, (args) => isIPString(stringArg(args, 0))), (a) => traversalCost(a))),
  decl('string', fn('ip_to_string', [IP_TYPE], STRING, (args) => instanceArg(args, 0, CelIP).toString())),
];
