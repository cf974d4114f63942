/**
 * cel-go's strings extension exactly as kube-apiserver 1.35 puts it in its base CEL environment:
 * `ext.Strings(ext.StringsVersion(2))` (k8s.io/apiserver/pkg/cel/environment/base.go, since 1.29),
 * built on cel-go v0.26. That is charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace,
 * split, substring, trim, join (version 2 semantics), `strings.quote` and `format` (version 1,
 * i.e. cel-go's first formatter, with the en_US number printer of golang.org/x/text). Indices count
 * Unicode code points, as cel-go's rune slices do; errors carry cel-go's wording. `reverse` is a
 * version-3 function that kube's environment does not have, so doorman has none.
 * The Go float-printing helpers are exported for the sibling libraries.
 */
import { asInt as int, asString as str, decl, fail, fn, method, type FunctionDecl } from '../decl.js';
import { DYN, INT, STRING, listOf } from '../types.js';
import { goQuote } from '../../util/goquote.js';
import {
  CelDuration,
  CelEvalError,
  CelMap,
  CelTimestamp,
  CelTypeValue,
  CelUint,
  typeNameOf,
  type CelKey,
  type CelValue,
} from '../value.js';

// ---------------------------------------------------------------------------------------------
// Code points and Go string helpers
// ---------------------------------------------------------------------------------------------

/** The string as code points (Go's `[]rune(s)`). */
function runes(s: string): string[] {
  return Array.from(s);
}


/** Non-overlapping occurrences of a non-empty `sub`, as Go's strings.Count. */
function count(s: string, sub: string): number {
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

/** Go's unicode.IsSpace, which strings.TrimSpace trims. */
function isGoSpace(cp: number): boolean {
  switch (cp) {
    case 0x09:
    case 0x0a:
    case 0x0b:
    case 0x0c:
    case 0x0d:
    case 0x20:
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;
  }
}

// ---------------------------------------------------------------------------------------------
// The string functions
// ---------------------------------------------------------------------------------------------

function charAt(s: string, i: bigint): string {
  const r = runes(s);
  if (i < 0n || i > BigInt(r.length)) fail(`index out of range: ${i}`);
  return r[Number(i)] ?? '';
}

function matchAt(r: readonly string[], sub: readonly string[], i: number): boolean {
  for (let j = 0; j < sub.length; j++) if (r[i + j] !== sub[j]) return false;
  return true;
}

/** cel-go v0.26: an offset past the end finds nothing rather than failing; an empty needle returns the offset unchecked. */
function indexOf(s: string, sub: string, offset: bigint): bigint {
  if (sub === '') return offset;
  if (offset < 0n) fail(`index out of range: ${offset}`);
  const r = runes(s);
  const sr = runes(sub);
  if (offset >= BigInt(r.length)) return -1n;
  for (let i = Number(offset); i < r.length - (sr.length - 1); i++) if (matchAt(r, sr, i)) return BigInt(i);
  return -1n;
}

function lastIndexOf(s: string, sub: string, offset: bigint): bigint {
  if (sub === '') return offset;
  if (offset < 0n) fail(`index out of range: ${offset}`);
  const r = runes(s);
  const sr = runes(sub);
  if (offset >= BigInt(r.length)) return -1n;
  let off = Number(offset);
  if (off > r.length - sr.length) off = r.length - sr.length;
  for (let i = off; i >= 0; i--) if (matchAt(r, sr, i)) return BigInt(i);
  return -1n;
}

function mapAscii(s: string, from: number, to: number, delta: number): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= from && c <= to ? String.fromCharCode(c + delta) : s[i];
  }
  return out;
}

/** Go's strings.Replace: at most `n` replacements (all when negative); an empty `old` matches at every rune boundary. */
export function goReplace(s: string, old: string, replacement: string, n: bigint): string {
  if (old === replacement || n === 0n) return s;
  if (old === '') {
    const r = runes(s);
    const m = r.length + 1;
    const k = n < 0n || BigInt(m) < n ? m : Number(n);
    let out = replacement;
    for (let i = 1; i < k; i++) out += (r[i - 1] ?? '') + replacement;
    return out + r.slice(k - 1).join('');
  }
  const m = count(s, old);
  if (m === 0) return s;
  const k = n < 0n || BigInt(m) < n ? m : Number(n);
  let out = '';
  let start = 0;
  for (let i = 0; i < k; i++) {
    const j = s.indexOf(old, start);
    out += s.slice(start, j) + replacement;
    start = j + old.length;
  }
  return out + s.slice(start);
}

/** Go's strings.SplitN (n < 0: all pieces; n == 0: none; an empty separator explodes into runes). */
export function goSplit(s: string, sep: string, n: bigint): string[] {
  if (n === 0n) return [];
  if (sep === '') {
    const r = runes(s);
    const k = n < 0n || n > BigInt(r.length) ? r.length : Number(n);
    if (k === 0) return [];
    return [...r.slice(0, k - 1), r.slice(k - 1).join('')];
  }
  const most = count(s, sep) + 1;
  const k = n < 0n || n > BigInt(most) ? most : Number(n);
  const out: string[] = [];
  let rest = s;
  for (let i = 0; i < k - 1; i++) {
    const m = rest.indexOf(sep);
    if (m < 0) break;
    out.push(rest.slice(0, m));
    rest = rest.slice(m + sep.length);
  }
  out.push(rest);
  return out;
}

function substring(s: string, start: bigint, end?: bigint): string {
  const r = runes(s);
  const l = BigInt(r.length);
  if (end === undefined) {
    if (start < 0n || start > l) fail(`index out of range: ${start}`);
    return r.slice(Number(start)).join('');
  }
  if (start > end) fail(`invalid substring range. start: ${start}, end: ${end}`);
  if (start < 0n || start > l) fail(`index out of range: ${start}`);
  if (end < 0n || end > l) fail(`index out of range: ${end}`);
  return r.slice(Number(start), Number(end)).join('');
}

function trim(s: string): string {
  const r = runes(s);
  let a = 0;
  let b = r.length;
  while (a < b && isGoSpace(r[a]?.codePointAt(0) ?? 0)) a++;
  while (b > a && isGoSpace(r[b - 1]?.codePointAt(0) ?? 0)) b--;
  return r.slice(a, b).join('');
}

/** Go's `%v` of a CEL value, as cel-go's join error prints a non-string element. */
function goValue(v: CelValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return goFormatG(v);
  if (v === null) return 'NULL_VALUE';
  if (v instanceof CelUint) return String(v.value);
  return typeNameOf(v);
}

function join(list: CelValue, sep: string): string {
  if (!Array.isArray(list)) fail('no such overload');
  let out = '';
  list.forEach((e: CelValue, i: number) => {
    if (typeof e !== 'string') fail(`join: invalid input: ${goValue(e)}`);
    out += (i === 0 ? '' : sep) + e;
  });
  return out;
}

/** cel-go's strings.quote: CEL escapes, invalid UTF-8 (here: lone surrogates) replaced by U+FFFD. */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      default: {
        const cp = ch.codePointAt(0) ?? 0xfffd;
        out += cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : ch;
      }
    }
  }
  return `${out}"`;
}

// ---------------------------------------------------------------------------------------------
// Exact decimal digits of doubles (for Go's %f / %e / %g, which round half-to-even on the exact value)
// ---------------------------------------------------------------------------------------------

/** value = 0.digits × 10^exp; digits carry no leading or trailing zeros ('' is zero). */
interface Decimal {
  readonly digits: string;
  readonly exp: number;
}

/** The exact decimal expansion of a finite double's magnitude. */
function exactDecimal(x: number): Decimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e = -1074;
  if (biased !== 0) {
    mant |= 1n << 52n;
    e = biased - 1075;
  }
  if (mant === 0n) return { digits: '', exp: 0 };
  const d = e >= 0 ? (mant << BigInt(e)).toString() : (mant * 5n ** BigInt(-e)).toString();
  const exp = e >= 0 ? d.length : d.length + e;
  return { digits: d.replace(/0+$/, ''), exp };
}

/** The shortest digits that round-trip (Go's precision -1), from ECMAScript's Number-to-string. */
function shortestDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', exp: 0 };
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(x).toExponential());
  if (!m) throw new Error(`unexpected float rendering of ${x}`);
  return { digits: `${m[1] ?? ''}${m[2] ?? ''}`.replace(/0+$/, ''), exp: Number(m[3]) + 1 };
}

/** Keeps `nd` leading digits, rounding half to even (strconv's decimal.Round on exact digits). */
function roundDecimal(d: Decimal, nd: number): Decimal {
  const n = d.digits.length;
  if (nd >= n) return d;
  if (nd < 0) return { digits: '', exp: 0 };
  const c = d.digits.charCodeAt(nd) - 48;
  const up = c > 5 || (c === 5 && (nd + 1 < n || (nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1)));
  if (!up) {
    const digits = d.digits.slice(0, nd).replace(/0+$/, '');
    return digits === '' ? { digits: '', exp: 0 } : { digits, exp: d.exp };
  }
  let i = nd - 1;
  while (i >= 0 && d.digits[i] === '9') i--;
  if (i < 0) return { digits: '1', exp: d.exp + 1 };
  return { digits: d.digits.slice(0, i) + String(d.digits.charCodeAt(i) - 47), exp: d.exp };
}

/** Integer and fraction digit strings of `d` with `frac` fraction digits (d already rounded). */
function layoutFixed(d: Decimal, frac: number): { int: string; frac: string } {
  const int = d.exp > 0 ? d.digits.slice(0, d.exp).padEnd(d.exp, '0') : '0';
  let f = '';
  for (let i = 0; i < frac; i++) f += d.digits[d.exp + i] ?? '0';
  return { int, frac: f };
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/** Go's `fmt.Sprintf("%.<prec>f", x)`. */
export function goFormatFixed(x: number, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const d0 = exactDecimal(x);
  const d = d0.digits === '' ? d0 : roundDecimal(d0, d0.exp + prec);
  const { int, frac } = layoutFixed(d, prec);
  return `${isNegative(x) ? '-' : ''}${int}${prec > 0 ? `.${frac}` : ''}`;
}

/** Go's strconv.FormatFloat(x, 'g', -1, 64), which is also `%v` and cel-go's string(double). */
export function goFormatG(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const sign = isNegative(x) ? '-' : '';
  const d = shortestDecimal(x);
  if (d.digits === '') return `${sign}0`;
  const e = d.exp - 1;
  if (e < -4 || e >= 6) {
    const mant = d.digits.length > 1 ? `${d.digits[0] ?? ''}.${d.digits.slice(1)}` : d.digits;
    const ae = Math.abs(e);
    return `${sign}${mant}e${e < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  }
  const { int, frac } = layoutFixed(d, Math.max(d.digits.length - d.exp, 0));
  return `${sign}${int}${frac === '' ? '' : `.${frac}`}`;
}

/** Go's strconv.FormatFloat(x, 'f', -1, 64). */
export function goFormatShortestFixed(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const d = shortestDecimal(x);
  const { int, frac } = layoutFixed(d, Math.max(d.digits.length - d.exp, 0));
  return `${isNegative(x) ? '-' : ''}${int}${frac === '' ? '' : `.${frac}`}`;
}

// ---------------------------------------------------------------------------------------------
// golang.org/x/text/message's en_US printer, which cel-go's %f and %e go through
// ---------------------------------------------------------------------------------------------

/** x/text's number widths and precisions beyond this make fmt's parser give up ("%!(NOVERB)"). */
const FMT_TOO_LARGE = 10_000_009n;

function group3(int: string): string {
  return int.replace(/\B(?=(\d{3})+$)/g, ',');
}

const SUPERSCRIPT = ['\u2070', '\u00b9', '\u00b2', '\u00b3', '\u2074', '\u2075', '\u2076', '\u2077', '\u2078', '\u2079'];

function superscript(n: number): string {
  return String(n)
    .padStart(2, '0')
    .split('')
    .map((c) => SUPERSCRIPT[c.charCodeAt(0) - 48] ?? '')
    .join('');
}

function xtextScientific(x: number, fracDigits: number): string {
  const sign = x < 0 ? '-' : '';
  const d0 = exactDecimal(x);
  const d = d0.digits === '' ? { digits: '0', exp: 1 } : roundDecimal(d0, fracDigits + 1);
  const mant = d.digits.padEnd(fracDigits + 1, '0');
  const e = d.exp - 1;
  const body = fracDigits > 0 ? `${mant[0] ?? '0'}.${mant.slice(1)}` : mant;
  return `${sign}${body}\u202f\u00d7\u202f10${e < 0 ? '\u207b' : ''}${superscript(Math.abs(e))}`;
}

/** x/text's `%v` of a float64 (its localized `%g`), only reachable through a "%!(EXTRA" tail. */
function xtextVariable(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  const sign = x < 0 ? '-' : '';
  const d = shortestDecimal(x);
  const e = d.exp - 1;
  if (d.digits !== '' && (e < -4 || e >= 6)) {
    const mant = d.digits.length > 1 ? `${d.digits[0] ?? ''}.${d.digits.slice(1)}` : d.digits;
    return `${sign}${mant}\u202f\u00d7\u202f10${e < 0 ? '\u207b' : ''}${superscript(Math.abs(e))}`;
  }
  const { int, frac } = layoutFixed(d, Math.max(d.digits.length - d.exp, 0));
  return `${sign}${group3(int)}${frac === '' ? '' : `.${frac}`}`;
}

function noVerb(x: number): string {
  return `%!(NOVERB)%!(EXTRA float64=${xtextVariable(x)})`;
}

/** `message.NewPrinter(en_US).Sprintf("%.<prec>f", x)`: grouped thousands, ∞ for infinities. */
function xtextFixed(x: number, prec: bigint): string {
  if (prec > FMT_TOO_LARGE) return noVerb(x);
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  const minFrac = Number(prec & 0xffn); // x/text keeps MinFractionDigits in a uint8 ...
  const maxFrac = Number(BigInt.asIntN(16, prec)); // ... and MaxFractionDigits in an int16
  let d: Decimal;
  if (maxFrac >= 0) {
    const exact = exactDecimal(x);
    d = exact.digits === '' ? exact : roundDecimal(exact, exact.exp + maxFrac);
  } else {
    d = shortestDecimal(x);
  }
  const frac = d.digits === '' ? minFrac : Math.max(d.digits.length - d.exp, minFrac);
  const parts = layoutFixed(d, frac);
  return `${x < 0 ? '-' : ''}${group3(parts.int)}${frac > 0 ? `.${parts.frac}` : ''}`;
}

/**
 * cel-go builds `"%<prec>e"` (a width, not a precision) for the printer, so `%e` always shows six
 * fraction digits and a precision only pads the result on the left.
 */
function xtextScientificClause(x: number, prec: bigint): string {
  if (prec > FMT_TOO_LARGE) return noVerb(x);
  let out: string;
  if (Number.isNaN(x)) out = 'NaN';
  else if (!Number.isFinite(x)) out = x > 0 ? '∞' : '-∞';
  else out = xtextScientific(x, 6);
  const width = prec === 0n ? 0 : Number(prec & 0xffffn); // "%0e" is the zero flag; widths are uint16
  const length = Array.from(out).length;
  return length < width ? ' '.repeat(width - length) + out : out;
}

// ---------------------------------------------------------------------------------------------
// string.format (cel-go ext/formatting.go, the pre-v2 formatter that StringsVersion(2) selects)
// ---------------------------------------------------------------------------------------------

/** A clause's failure, reported as "error during formatting: <message>". */
class ClauseError extends Error {}

function clauseFail(message: string): never {
  throw new ClauseError(message);
}

function stringFormatError(t: string): never {
  clauseFail(`string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ${t}`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function bytesAsString(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    return clauseFail(`could not convert argument ${goQuote('invalid UTF-8 in bytes, cannot convert to string')} to string`);
  }
}

/** Timestamps print as Go's RFC3339Nano in UTC. */
export function timestampString(t: CelTimestamp): string {
  let secs = t.nanos / 1_000_000_000n;
  let nanos = t.nanos % 1_000_000_000n;
  if (nanos < 0n) {
    nanos += 1_000_000_000n;
    secs -= 1n;
  }
  const d = new Date(Number(secs) * 1000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const year = String(d.getUTCFullYear()).padStart(4, '0');
  const frac = nanos === 0n ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${year}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}${frac}Z`;
}

/** Durations print as cel-go's string(duration): seconds as a shortest float, then "s". */
export function durationString(d: CelDuration): string {
  const secs = Number(d.nanos / 1_000_000_000n) + Number(d.nanos % 1_000_000_000n) / 1e9;
  return `${goFormatShortestFixed(secs)}s`;
}

/** `%s`: cel-go's FormatString. */
function formatString(v: CelValue): string {
  if (Array.isArray(v)) return formatList(v);
  if (v instanceof CelMap) return formatMap(v);
  if (v === null) return 'null';
  switch (typeof v) {
    case 'bigint':
    case 'boolean':
    case 'string':
      return String(v);
    case 'number':
      return goFormatG(v);
    default:
      break;
  }
  if (v instanceof CelUint) return String(v.value);
  if (v instanceof Uint8Array) return bytesAsString(v);
  if (v instanceof CelTimestamp) return timestampString(v);
  if (v instanceof CelDuration) return durationString(v);
  if (v instanceof CelTypeValue) return v.name;
  return stringFormatError(typeNameOf(v));
}

/** A list or map member: cel-go's clauseForType, then quoteForCEL, so the text reads as a CEL literal. */
function formatMember(v: CelValue): string {
  if (typeof v === 'bigint') return String(v);
  if (v instanceof CelUint) return String(v.value);
  if (typeof v === 'string') return goQuote(v);
  if (v instanceof Uint8Array) return `b${goQuote(bytesAsString(v))}`;
  if (typeof v === 'boolean' || v === null || v instanceof CelTypeValue) return formatString(v);
  if (v instanceof CelTimestamp) return `timestamp(${goQuote(timestampString(v))})`;
  if (v instanceof CelDuration) return `duration(${goQuote(durationString(v))})`;
  if (Array.isArray(v)) return formatList(v);
  if (v instanceof CelMap) return formatMap(v);
  if (typeof v === 'number') {
    const s = goFormatFixed(v, 6);
    return Number.isFinite(v) ? s : goQuote(s);
  }
  return clauseFail(`no formatting function for ${typeNameOf(v)}`);
}

function formatList(l: readonly CelValue[]): string {
  return `[${l.map(formatMember).join(', ')}]`;
}

/** Go compares strings bytewise, which for well-formed text is code point order. */
function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const y = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function formatKey(k: CelKey): string {
  if (typeof k === 'string') return goQuote(k);
  if (typeof k === 'boolean' || typeof k === 'bigint') return String(k);
  return String(k.value);
}

function formatMap(m: CelMap): string {
  const pairs: { key: string; value: string }[] = [];
  for (const [k, v] of m.pairs()) pairs.push({ key: formatKey(k), value: formatMember(v) });
  pairs.sort((a, b) => compareCodePoints(a.key, b.key)); // Array.prototype.sort is stable, as SliceStable
  return `{${pairs.map((p) => `${p.key}:${p.value}`).join(', ')}}`;
}

function formatDecimal(v: CelValue): string {
  if (typeof v === 'bigint') return String(v);
  if (v instanceof CelUint) return String(v.value);
  return clauseFail(`decimal clause can only be used on integers, was given ${typeNameOf(v)}`);
}

/** `%f` and `%e` take doubles, and the strings "NaN", "Infinity" and "-Infinity". */
function asDouble(v: CelValue, clause: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return clauseFail(`${clause} clause can only be used on doubles, was given ${typeNameOf(v)}`);
}

function formatBinary(v: CelValue): string {
  if (typeof v === 'bigint') return v.toString(2);
  if (v instanceof CelUint) return v.value.toString(2);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return clauseFail(`only integers and bools can be formatted as binary, was given ${typeNameOf(v)}`);
}

const utf8Encoder = new TextEncoder();

function formatHex(v: CelValue, upper: boolean): string {
  let out: string;
  if (typeof v === 'bigint') out = v.toString(16);
  else if (v instanceof CelUint) out = v.value.toString(16);
  else if (typeof v === 'string' || v instanceof Uint8Array) {
    const bytes = typeof v === 'string' ? utf8Encoder.encode(v) : v;
    out = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  } else {
    return clauseFail(`only integers, byte buffers, and strings can be formatted as hex, was given ${typeNameOf(v)}`);
  }
  return upper ? out.toUpperCase() : out;
}

function formatOctal(v: CelValue): string {
  if (typeof v === 'bigint') return v.toString(8);
  if (v instanceof CelUint) return v.value.toString(8);
  return clauseFail(`octal clause can only be used on integers, was given ${typeNameOf(v)}`);
}

const INT64_MAX = 9223372036854775807n;

/** strconv.Atoi over the digits collected for a precision, with its error text. */
function atoi(digits: string): bigint {
  if (digits === '') throw new CelEvalError('could not parse formatting clause: error while parsing precision: error while converting precision to integer: strconv.Atoi: parsing "": invalid syntax');
  const n = BigInt(digits);
  if (n > INT64_MAX) {
    throw new CelEvalError(`could not parse formatting clause: error while parsing precision: error while converting precision to integer: strconv.Atoi: parsing ${goQuote(digits)}: value out of range`);
  }
  return n;
}

/** The verb as Go reads it: one byte, so a non-ASCII verb shows as the rune of its first UTF-8 byte. */
function verbByte(s: string, i: number): string {
  const cp = s.codePointAt(i) ?? 0;
  if (cp < 0x80) return String.fromCharCode(cp);
  return String.fromCharCode(utf8Encoder.encode(String.fromCodePoint(cp))[0] ?? 0);
}

/** Formats one clause starting just after its '%'; returns the index after the clause. */
function formatClause(s: string, start: number, arg: CelValue): { next: number; text: string } {
  let i = start;
  let precision: bigint | undefined;
  if (s[i] === '.') {
    i++;
    let digits = '';
    for (;;) {
      if (i >= s.length) throw new CelEvalError('could not parse formatting clause: error while parsing precision: could not find end of precision specifier');
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      digits += s[i];
      i++;
    }
    precision = atoi(digits);
  }
  const verb = verbByte(s, i);
  i++;
  let render: (v: CelValue) => string;
  switch (verb) {
    case 's':
      render = formatString;
      break;
    case 'd':
      render = formatDecimal;
      break;
    case 'f':
      render = (v) => xtextFixed(asDouble(v, 'fixed-point'), precision ?? 6n);
      break;
    case 'e':
      render = (v) => xtextScientificClause(asDouble(v, 'scientific'), precision ?? 6n);
      break;
    case 'b':
      render = formatBinary;
      break;
    case 'x':
    case 'X':
      render = (v) => formatHex(v, verb === 'X');
      break;
    case 'o':
      render = formatOctal;
      break;
    default:
      throw new CelEvalError(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
  }
  try {
    return { next: i, text: render(arg) };
  } catch (e) {
    if (e instanceof ClauseError) throw new CelEvalError(`error during formatting: ${e.message}`);
    throw e;
  }
}

/** `<string>.format(<list>)`, cel-go's parseFormatString. */
export function formatCEL(s: string, args: readonly CelValue[]): string {
  let out = '';
  let argIndex = 0;
  let i = 0;
  while (i < s.length) {
    if (s[i] !== '%') {
      out += s[i];
      i++;
      continue;
    }
    if (s[i + 1] === '%') {
      out += '%';
      i += 2;
      continue;
    }
    if (argIndex >= args.length) fail(`index ${argIndex} out of range`);
    if (i + 1 >= s.length) fail('unexpected end of string');
    const { next, text } = formatClause(s, i + 1, args[argIndex] as CelValue);
    out += text;
    i = next;
    argIndex++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

const LIST_STRING = listOf(STRING);

/** cel-go's strings extension at version 2, the one kube-apiserver 1.35 declares. */
export const STRINGS: readonly FunctionDecl[] = [
  decl('charAt', method('string_char_at_int', STRING, [INT], STRING, (a) => charAt(str(a[0] ?? null), int(a[1] ?? null)))),
  decl(
    'indexOf',
    method('string_index_of_string', STRING, [STRING], INT, (a) => indexOf(str(a[0] ?? null), str(a[1] ?? null), 0n)),
    method('string_index_of_string_int', STRING, [STRING, INT], INT, (a) => indexOf(str(a[0] ?? null), str(a[1] ?? null), int(a[2] ?? null))),
  ),
  decl(
    'lastIndexOf',
    method('string_last_index_of_string', STRING, [STRING], INT, (a) => {
      const s = str(a[0] ?? null);
      const sub = str(a[1] ?? null);
      const n = BigInt(runes(s).length);
      return sub === '' ? n : lastIndexOf(s, sub, n - 1n);
    }),
    method('string_last_index_of_string_int', STRING, [STRING, INT], INT, (a) => lastIndexOf(str(a[0] ?? null), str(a[1] ?? null), int(a[2] ?? null))),
  ),
  decl('lowerAscii', method('string_lower_ascii', STRING, [], STRING, (a) => mapAscii(str(a[0] ?? null), 65, 90, 32))),
  decl(
    'replace',
    method('string_replace_string_string', STRING, [STRING, STRING], STRING, (a) => goReplace(str(a[0] ?? null), str(a[1] ?? null), str(a[2] ?? null), -1n)),
    method('string_replace_string_string_int', STRING, [STRING, STRING, INT], STRING, (a) =>
      goReplace(str(a[0] ?? null), str(a[1] ?? null), str(a[2] ?? null), int(a[3] ?? null)),
    ),
  ),
  decl(
    'split',
    method('string_split_string', STRING, [STRING], LIST_STRING, (a) => goSplit(str(a[0] ?? null), str(a[1] ?? null), -1n)),
    method('string_split_string_int', STRING, [STRING, INT], LIST_STRING, (a) => goSplit(str(a[0] ?? null), str(a[1] ?? null), int(a[2] ?? null))),
  ),
  decl(
    'substring',
    method('string_substring_int', STRING, [INT], STRING, (a) => substring(str(a[0] ?? null), int(a[1] ?? null))),
    method('string_substring_int_int', STRING, [INT, INT], STRING, (a) => substring(str(a[0] ?? null), int(a[1] ?? null), int(a[2] ?? null))),
  ),
  decl('trim', method('string_trim', STRING, [], STRING, (a) => trim(str(a[0] ?? null)))),
  decl('upperAscii', method('string_upper_ascii', STRING, [], STRING, (a) => mapAscii(str(a[0] ?? null), 97, 122, -32))),
  decl('format', method('string_format', STRING, [listOf(DYN)], STRING, (a) => {
    const args = a[1] ?? null;
    if (!Array.isArray(args)) fail('no such overload');
    return formatCEL(str(a[0] ?? null), args);
  })),
  decl('strings.quote', fn('strings_quote', [STRING], STRING, (a) => quote(str(a[0] ?? null)))),
  decl(
    'join',
    method('list_join', LIST_STRING, [], STRING, (a) => join(a[0] ?? null, '')),
    method('list_join_string', LIST_STRING, [STRING], STRING, (a) => join(a[0] ?? null, str(a[1] ?? null))),
  ),
];
