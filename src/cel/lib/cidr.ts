/**
 * Kubernetes' CEL CIDR library (`cidr`, `isCIDR`, `containsIP`, `containsCIDR`, `ip`, `masked`,
 * `prefixLength`, `string(cidr)`), as k8s.io/apiserver/pkg/cel/library/cidr.go declares it, with
 * the `net.CIDR` value. Prefixes are parsed as Go's netip.ParsePrefix parses them, and kube's
 * doubled "network address parse error" prefix on failures is kept, since it is what users see.
 */
import { CelEvalError, CelOpaque, type CelValue } from '../value.js';
import { decl, fail, fn, instanceArg, method, runeCount, stringArg, traversalCost, withCost, type FunctionDecl } from '../decl.js';
import { BOOL, INT, STRING, named } from '../types.js';
import { goQuote } from '../../util/goquote.js';
import {
  CelIP,
  IP_TYPE,
  addrString,
  bitLen,
  is4In6,
  parseAddr,
  parseKubeIP,
  sameAddr,
  type NetAddr,
} from './ip.js';

/** A netip.Prefix: the address exactly as written (host bits kept) and the prefix length. */
export interface NetPrefix {
  readonly addr: NetAddr;
  readonly bits: number;
}

export type PrefixParse = { readonly ok: true; readonly prefix: NetPrefix } | { readonly ok: false; readonly error: string };

const ALL_ONES = (1n << 128n) - 1n;

/** The top `n` of 128 bits. */
function mask128(n: number): bigint {
  return ALL_ONES ^ ((1n << BigInt(128 - n)) - 1n);
}

/** netip.Prefix.Masked: host bits cleared. IPv4 sits in the low 32 bits, below a kept ::ffff. */
export function maskedPrefix(p: NetPrefix): NetPrefix {
  const effective = p.addr.is4 ? p.bits + 96 : p.bits;
  return { addr: { is4: p.addr.is4, bits: p.addr.bits & mask128(effective), zone: '' }, bits: p.bits };
}

export function prefixString(p: NetPrefix): string {
  return `${addrString(p.addr)}/${p.bits}`;
}

function samePrefix(a: NetPrefix, b: NetPrefix): boolean {
  return sameAddr(a.addr, b.addr) && a.bits === b.bits;
}

/** netip.Prefix.Contains: same family, no zone, and the top `bits` bits agree. */
function prefixContains(p: NetPrefix, ip: NetAddr): boolean {
  if (ip.zone !== '' || bitLen(ip) !== bitLen(p.addr)) return false;
  const effective = p.addr.is4 ? p.bits + 96 : p.bits;
  return ((ip.bits ^ p.addr.bits) & mask128(effective)) === 0n;
}

/** strconv.Atoi's acceptance: an optional sign and at least one digit, within int64. */
function goAtoi(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v >= -(1n << 63n) && v < 1n << 63n ? v : undefined;
}

/** netip.ParsePrefix, error text included. */
export function parsePrefix(s: string): PrefixParse {
  const err = (msg: string): PrefixParse => ({ ok: false, error: `netip.ParsePrefix(${goQuote(s)}): ${msg}` });
  const slash = s.lastIndexOf('/');
  if (slash < 0) return err("no '/'");
  const a = parseAddr(s.slice(0, slash));
  if (!a.ok) return err(a.error);
  if (!a.addr.is4 && a.addr.zone !== '') return err('IPv6 zones cannot be present in a prefix');
  const bitsStr = s.slice(slash + 1);
  // Atoi would take a sign or leading zeros; ParsePrefix does not.
  const first = bitsStr[0] ?? '';
  if (bitsStr.length > 1 && (first < '1' || first > '9')) return err(`bad bits after slash: ${goQuote(bitsStr)}`);
  const bits = goAtoi(bitsStr);
  if (bits === undefined) return err(`bad bits after slash: ${goQuote(bitsStr)}`);
  if (bits < 0n || bits > BigInt(bitLen(a.addr))) return err('prefix length out of range');
  return { ok: true, prefix: { addr: a.addr, bits: Number(bits) } };
}

/** A `net.CIDR` value. Equality is netip's: the unmasked address and the length both count. */
export class CelCIDR extends CelOpaque {
  override readonly typeName = 'net.CIDR';
  constructor(readonly prefix: NetPrefix) {
    super();
  }
  override equals(other: CelOpaque): boolean {
    return other instanceof CelCIDR && samePrefix(this.prefix, other.prefix);
  }
  override toString(): string {
    return prefixString(this.prefix);
  }
}

export const CIDR_TYPE = named('net.CIDR');

const PARSE_PREFIX = 'network address parse error during conversion from string: ';

/**
 * kube's stringToCIDR over parseCIDR. Both prefix the parse error with the same sentence, so a
 * netip failure reads "network address parse error ...: network address parse error ...: ...".
 */
export function parseKubeCIDR(raw: string): NetPrefix {
  const r = parsePrefix(raw);
  if (!r.ok) fail(`${PARSE_PREFIX}${PARSE_PREFIX}${r.error}`);
  if (is4In6(r.prefix.addr)) fail(`${PARSE_PREFIX}IPv4-mapped IPv6 address ${goQuote(raw)} is not allowed`);
  return r.prefix;
}


function containsIP(cidr: CelCIDR, ip: CelIP): boolean {
  return prefixContains(cidr.prefix, ip.addr);
}

/**
 * kube (since 1.33, kubernetes#130450): the other CIDR's address masked to this CIDR's length
 * must equal this CIDR's network, and the other must be at least as long. A length longer than
 * the other's family allows makes an invalid prefix that equals nothing.
 */
function containsCIDR(cidr: CelCIDR, other: CelCIDR): boolean {
  const p = cidr.prefix;
  const o = other.prefix;
  if (p.bits > bitLen(o.addr)) return false;
  return samePrefix(maskedPrefix(p), maskedPrefix({ addr: o.addr, bits: p.bits })) && p.bits <= o.bits;
}

/** cel-go sizes a CIDR by its prefix length in bytes (CIDR.Size). */
function cidrSize(v: CelValue | undefined): number {
  return v instanceof CelCIDR ? Math.ceil(v.prefix.bits / 8) : 1;
}

function otherStringCost(v: CelValue | undefined): number {
  return typeof v === 'string' ? Math.ceil(runeCount(v) * 0.1) : 0;
}

function containsIPCost(args: readonly CelValue[]): number {
  const size = cidrSize(args[0]);
  return Math.ceil((size + size) * 0.1) + otherStringCost(args[1]);
}

function containsCIDRCost(args: readonly CelValue[]): number {
  const size = cidrSize(args[0]);
  return Math.ceil((size + size) * 0.1) + Math.ceil(size * 0.1) + 1 + otherStringCost(args[1]);
}

export const CIDR_LIBRARY: readonly FunctionDecl[] = [
  decl(
    'cidr',
    withCost(fn('string_to_cidr', [STRING], CIDR_TYPE, (args) => new CelCIDR(parseKubeCIDR(stringArg(args, 0)))), (a) => traversalCost(a)),
  ),
  decl(
    'containsIP',
    withCost(
      method('cidr_contains_ip_string', CIDR_TYPE, [STRING], BOOL, (args) => {
        const cidr = instanceArg(args, 0, CelCIDR);
        let addr: NetAddr;
        try {
          addr = parseKubeIP(stringArg(args, 1));
        } catch (e) {
          if (!(e instanceof CelEvalError)) throw e;
          // kube hands the parse error to the IP overload, which answers for its receiver (the
          // CIDR, not an error) with a fresh "no such overload": the parse message is lost.
          return fail('no such overload');
        }
        return containsIP(cidr, new CelIP(addr));
      }),
      containsIPCost,
    ),
    withCost(
      method('cidr_contains_ip_ip', CIDR_TYPE, [IP_TYPE], BOOL, (args) => {
        const ip = args[1];
        return ip instanceof CelIP ? containsIP(instanceArg(args, 0, CelCIDR), ip) : fail('no such overload');
      }),
      containsIPCost,
    ),
  ),
  decl(
    'containsCIDR',
    withCost(
      method('cidr_contains_cidr_string', CIDR_TYPE, [STRING], BOOL, (args) => {
        const cidr = instanceArg(args, 0, CelCIDR);
        // Here the parse error does come through: the CIDR overload returns its operand's error.
        return containsCIDR(cidr, new CelCIDR(parseKubeCIDR(stringArg(args, 1))));
      }),
      containsCIDRCost,
    ),
    withCost(
      method('cidr_contains_cidr', CIDR_TYPE, [CIDR_TYPE], BOOL, (args) => containsCIDR(instanceArg(args, 0, CelCIDR), instanceArg(args, 1, CelCIDR))),
      containsCIDRCost,
    ),
  ),
  // The address as written, host bits and all; masked() gives the network.
  decl('ip', method('cidr_ip', CIDR_TYPE, [], IP_TYPE, (args) => new CelIP(instanceArg(args, 0, CelCIDR).prefix.addr))),
  decl('prefixLength', method('cidr_prefix_length', CIDR_TYPE, [], INT, (args) => BigInt(instanceArg(args, 0, CelCIDR).prefix.bits))),
  decl('masked', method('cidr_masked', CIDR_TYPE, [], CIDR_TYPE, (args) => new CelCIDR(maskedPrefix(instanceArg(args, 0, CelCIDR).prefix)))),
  decl(
    'isCIDR',
    withCost(
      fn('is_cidr', [STRING], BOOL, (args) => {
        const s = stringArg(args, 0);
        const r = parsePrefix(s);
        return r.ok && !is4In6(r.prefix.addr);
      }),
      (a) => traversalCost(a),
    ),
  ),
  decl('string', fn('cidr_to_string', [CIDR_TYPE], STRING, (args) => instanceArg(args, 0, CelCIDR).toString())),
];
