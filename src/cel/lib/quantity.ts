/**
 * Kubernetes' CEL quantity library (`quantity`, `isQuantity`, `sign`, `isInteger`, `asInteger`,
 * `asApproximateFloat`, `add`, `sub`, `isGreaterThan`, `isLessThan`, `compareTo`, `==`), as
 * k8s.io/apiserver/pkg/cel/library/quantity.go declares it over apimachinery's resource.Quantity.
 * Arithmetic is exact (bigint scaled decimals), but the value keeps resource.Quantity's two
 * representations, an int64 mantissa with a base-10 exponent or an inf.Dec, because
 * `isInteger`, `asInteger` and `asApproximateFloat` answer from the representation, not the
 * number: `quantity("1.000").isInteger()` is false in kube. The places where kube 1.35 mutates
 * or aliases a Quantity, or wraps an int32, are reproduced and marked.
 */
import { CelEvalError, CelOpaque } from '../value.js';
import { decl, fail, fn, instanceArg, intArg, method, stringArg, traversalCost, withCost, type FunctionDecl } from '../decl.js';
import { BOOL, DOUBLE, INT, STRING, named } from '../types.js';

const MIN_INT64 = -(1n << 63n);
const MAX_INT64 = (1n << 63n) - 1n;

function fitsInt64(v: bigint): boolean {
  return v >= MIN_INT64 && v <= MAX_INT64;
}

/** Go's int32 arithmetic, for scales. */
function int32(n: number): number {
  return n | 0;
}

/** resource's int64Amount: value × 10^scale. */
interface Int64Amount {
  value: bigint;
  scale: number;
}

/** inf.Dec: unscaled × 10^-scale. One object where Go shares one *inf.Dec between Quantities. */
class InfDec {
  constructor(
    public unscaled: bigint,
    public scale: number,
  ) {}
}

/**
 * Beyond this many digits of alignment the exact arithmetic is refused. kube would build the
 * number (10^2147483647 for `1e2147483647` against `1`) and never finish; doorman answers with
 * an error instead.
 */
const MAX_ALIGNMENT_DIGITS = 100_000;

function pow10(n: number): bigint {
  if (n > MAX_ALIGNMENT_DIGITS) fail(`quantity arithmetic needs more than ${MAX_ALIGNMENT_DIGITS} digits`);
  return 10n ** BigInt(n);
}

function digitCount(v: bigint): number {
  return v === 0n ? 0 : (v < 0n ? -v : v).toString().length;
}

function signOf(v: bigint): -1 | 0 | 1 {
  return v < 0n ? -1 : v > 0n ? 1 : 0;
}

/** Orders a × 10^ae and b × 10^be exactly, settling by magnitude first so no huge power is built. */
function compareScaled(a: bigint, ae: number, b: bigint, be: number): -1 | 0 | 1 {
  const sa = signOf(a);
  const sb = signOf(b);
  if (sa !== sb) return sa > sb ? 1 : -1;
  if (sa === 0) return 0;
  const ma = digitCount(a) + ae;
  const mb = digitCount(b) + be;
  if (ma !== mb) return ma > mb ? sa : sa === 1 ? -1 : 1;
  // Same order of magnitude: the exponents then differ by no more than the digit counts do.
  const e = Math.min(ae, be);
  const x = a * 10n ** BigInt(ae - e);
  const y = b * 10n ** BigInt(be - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// The value.

export class CelQuantity extends CelOpaque {
  override readonly typeName = 'kubernetes.Quantity';
  /**
   * @param i the int64 form, meaningful while `d` is null.
   * @param d the inf.Dec form.
   * @param fromArithmetic true for what add/sub return: kube returns those as a pointer
   *   (`*apiservercel.Quantity`) and its Equal only recognizes the value type, so such a
   *   quantity is never equal to anything as the right operand of `==`.
   */
  constructor(
    public i: Int64Amount,
    public d: InfDec | null,
    readonly fromArithmetic = false,
  ) {
    super();
  }

  /** kube's `==`: numeric equality, on copies (nothing is converted in place). */
  override equals(other: CelOpaque): boolean {
    return other instanceof CelQuantity && !other.fromArithmetic && compareQuantities(this, other, false) === 0;
  }

  /** The number, for diagnostics (not kube's canonical String form). */
  override toString(): string {
    return this.d !== null ? `${this.d.unscaled}e${-this.d.scale}` : `${this.i.value}e${this.i.scale}`;
  }
}

export const QUANTITY_TYPE = named('kubernetes.Quantity');

function decOf(i: Int64Amount): InfDec {
  return new InfDec(i.value, int32(-i.scale));
}

/** Quantity.ToDec: switches the quantity itself to the inf.Dec form. */
function toDec(q: CelQuantity): InfDec {
  if (q.d === null) {
    q.d = decOf(q.i);
    q.i = { value: 0n, scale: 0 };
  }
  return q.d;
}

/**
 * int64Amount.Cmp. Exact, except that kube 1.35 takes the scale difference in int32: when it
 * wraps negative Go divides by zero, which cel-go reports as an internal error.
 */
function compareInt64Amounts(a: Int64Amount, b: Int64Amount): number {
  if (a.scale !== b.scale && int32(a.scale > b.scale ? a.scale - b.scale : b.scale - a.scale) < 0) {
    fail('internal error: runtime error: integer divide by zero');
  }
  return compareScaled(a.value, a.scale, b.value, b.scale);
}

/**
 * Quantity.Cmp. With an inf.Dec on either side Go converts both sides in place; the receiver is
 * kube's stored Quantity (so it stays converted) while the operand is a copy.
 */
function compareQuantities(q: CelQuantity, y: CelQuantity, convertReceiver: boolean): number {
  if (q.d === null && y.d === null) return compareInt64Amounts(q.i, y.i);
  const x = convertReceiver ? toDec(q) : (q.d ?? decOf(q.i));
  const z = y.d ?? decOf(y.i);
  return compareScaled(x.unscaled, -x.scale, z.unscaled, -z.scale);
}

/** positiveScaleInt64 as in kube 1.35: a negative (wrapped) scale runs no loop and returns base. */
function positiveScale(base: bigint, scale: number): bigint | undefined {
  if (scale <= 0 || base === 0n) return base;
  if (scale > 19) return undefined;
  const r = base * 10n ** BigInt(scale);
  return fitsInt64(r) ? r : undefined;
}

/** int64Amount.Add: in place, or false (and untouched) when the result leaves int64. */
function addInt64Amounts(a: Int64Amount, b: Int64Amount): boolean {
  if (b.value === 0n) return true;
  if (a.value === 0n) {
    a.value = b.value;
    a.scale = b.scale;
    return true;
  }
  if (a.scale === b.scale) {
    const c = a.value + b.value;
    if (!fitsInt64(c)) return false;
    a.value = c;
    return true;
  }
  if (a.scale > b.scale) {
    const scaled = positiveScale(a.value, int32(a.scale - b.scale));
    if (scaled === undefined || !fitsInt64(scaled + b.value)) return false;
    a.value = scaled + b.value;
    a.scale = b.scale;
    return true;
  }
  const scaled = positiveScale(b.value, int32(b.scale - a.scale));
  if (scaled === undefined || !fitsInt64(a.value + scaled)) return false;
  a.value += scaled;
  return true;
}

/**
 * Quantity.Add / Sub on kube's `copy := *q`: the int64 form is copied but the *inf.Dec is
 * shared, so when the receiver already holds an inf.Dec the sum is written into the receiver as
 * well. Sub negates the operand's int64 mantissa first, and in kube 1.35 -MinInt64 wraps.
 */
function addQuantities(recv: CelQuantity, y: CelQuantity, subtract: boolean): CelQuantity {
  const c = new CelQuantity({ ...recv.i }, recv.d, true);
  if (c.d === null && y.d === null) {
    const operand = subtract ? { value: BigInt.asIntN(64, -y.i.value), scale: y.i.scale } : { ...y.i };
    if (addInt64Amounts(c.i, operand)) return c;
  }
  const x = toDec(c);
  const z = y.d ?? decOf(y.i);
  // inf.Dec.Add/Sub: the result takes the larger scale.
  const scale = Math.max(x.scale, z.scale);
  const xu = x.unscaled === 0n ? 0n : x.unscaled * pow10(scale - x.scale);
  const zu = z.unscaled === 0n ? 0n : z.unscaled * pow10(scale - z.scale);
  x.unscaled = subtract ? xu - zu : xu + zu;
  x.scale = scale;
  return c;
}

/** Quantity.AsInt64: only the int64 form at a non-negative scale converts. */
function asInt64(q: CelQuantity): bigint | undefined {
  if (q.d !== null) return undefined;
  if (q.i.scale === 0) return q.i.value;
  if (q.i.scale < 0) return undefined;
  return positiveScale(q.i.value, q.i.scale);
}

// Go's math.Pow10 tables; the products and quotients below round exactly as Go's do.
const POW10_TAB = Array.from({ length: 32 }, (_, i) => Number(`1e${i}`));
const POW10_POS_TAB32 = Array.from({ length: 10 }, (_, i) => Number(`1e${i * 32}`));
const POW10_NEG_TAB32 = Array.from({ length: 11 }, (_, i) => Number(`1e-${i * 32}`));

function goPow10(n: number): number {
  if (n >= 0 && n <= 308) return (POW10_POS_TAB32[n >> 5] ?? 0) * (POW10_TAB[n & 31] ?? 0);
  if (n >= -323 && n <= 0) return (POW10_NEG_TAB32[-n >> 5] ?? 0) / (POW10_TAB[-n & 31] ?? 1);
  return n > 0 ? Infinity : 0;
}

/** Quantity.AsApproximateFloat64: the mantissa as a double times Go's Pow10 of the exponent. */
function asApproximateFloat(q: CelQuantity): number {
  const base = q.d !== null ? Number(q.d.unscaled) : Number(q.i.value);
  const exponent = q.d !== null ? int32(-q.d.scale) : q.i.scale;
  return exponent === 0 ? base : base * goPow10(exponent);
}

// ---------------------------------------------------------------------------------------------
// resource.ParseQuantity.

const ERR_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const ERR_NUMERIC = 'unable to parse numeric part of quantity';
const ERR_SUFFIX = "unable to parse quantity's suffix";

interface Scanned {
  readonly positive: boolean;
  /** The signed number as written, for the inf.Dec path. */
  readonly value: string;
  /** Integer digits without leading zeros ("0" when there are none). */
  readonly num: string;
  readonly denom: string;
  readonly suffix: string;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** parseQuantityString: a permissive scan; the suffix is judged afterwards. */
function scanQuantity(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  // Leading zeros go; nothing but zeros (or nothing at all, as in "+") is zero.
  while (str[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
  let i = pos;
  while (isDigit(str[i])) i++;
  if (i >= end) return { positive, value: str, num: str.slice(pos), denom: '', suffix: '' };
  const num = i === pos ? '0' : str.slice(pos, i);
  pos = i;
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (isDigit(str[i])) i++;
    if (i >= end) return { positive, value: str, num, denom: str.slice(pos), suffix: '' };
    denom = str.slice(pos, i);
    pos = i;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos] ?? '')) pos++;
  if (pos >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (isDigit(str[pos])) pos++;
  if (pos >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  return fail(ERR_FORMAT);
}

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);

const BINARY_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);

/** quantitySuffixer.interpret. An e/E exponent is any int64, truncated to int32 as Go does. */
function interpretSuffix(s: string): { base: 2 | 10; exponent: number; format: Format } | undefined {
  const dec = DECIMAL_SUFFIXES.get(s);
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES.get(s);
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    const rest = s.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const v = BigInt(rest);
    if (!fitsInt64(v)) return undefined;
    return { base: 10, exponent: Number(BigInt.asIntN(32, v)), format: 'DecimalExponent' };
  }
  return undefined;
}

/** inf.Dec.SetString: a sign, digits and at most one point, with at least one digit. */
function decFromString(s: string): InfDec | undefined {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(s);
  if (!m) return undefined;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  if (intPart === '' && fracPart === '') return undefined;
  const magnitude = BigInt(intPart + fracPart);
  return new InfDec(m[1] === '-' ? -magnitude : magnitude, fracPart.length);
}

/** Rounds a positive inf.Dec up (away from zero) to nano precision, inf.Dec.Round(…, 9, RoundUp). */
function roundUpToNano(d: InfDec): void {
  if (d.scale <= 9) {
    d.unscaled *= pow10(9 - d.scale);
  } else {
    const k = d.scale - 9;
    if (digitCount(d.unscaled) <= k) {
      d.unscaled = 1n; // below one nano: rounds up to it
    } else {
      const p = 10n ** BigInt(k);
      d.unscaled = d.unscaled / p + (d.unscaled % p === 0n ? 0n : 1n);
    }
  }
  d.scale = 9;
}

type Parsed = { readonly i: Int64Amount; readonly d: null } | { readonly i: Int64Amount; readonly d: InfDec };

/** resource.ParseQuantity, with its errors. */
export function parseQuantity(str: string): Parsed {
  const zero: Int64Amount = { value: 0n, scale: 0 };
  if (str.length === 0) fail(ERR_FORMAT);
  if (str === '0') return { i: zero, d: null };
  const { positive, value, num, denom, suffix } = scanQuantity(str);
  const interpreted = interpretSuffix(suffix);
  if (!interpreted) return fail(ERR_SUFFIX);
  const { base, exponent, format } = interpreted;

  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (format !== 'BinarySI') {
    scale = exponent;
    precision = 19 - (num.length + denom.length);
  } else if (exponent >= 0 && denom.length === 0) {
    // Only whole binary quantities take the int64 path; 1Mi has ~6 digits of decimal precision.
    mantissa = 1n << BigInt(exponent);
    precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
  } else {
    precision = -1;
  }

  if (precision >= 0) {
    scale = int32(scale - denom.length);
    if (scale >= -9) {
      // A 19-digit mantissa above MaxInt64 is an error here, not a trip to the inf.Dec path.
      const v = BigInt(num + denom);
      if (!fitsInt64(v)) return fail(ERR_NUMERIC);
      const product = v * mantissa;
      if (fitsInt64(product)) return { i: { value: positive ? product : -product, scale }, d: null };
    }
  }

  const amount = decFromString(value);
  if (!amount) return fail(ERR_NUMERIC);
  if (base === 10) amount.scale = int32(amount.scale + int32(-exponent));
  else amount.unscaled *= 1n << BigInt(exponent);
  const negative = amount.unscaled < 0n;
  if (negative) amount.unscaled = -amount.unscaled;
  // Non-zero amounts round up to at least one nano: asking for some should give some.
  if (amount.unscaled !== 0n) roundUpToNano(amount);
  // Binary quantities are capped at MaxInt64; decimal ones are not.
  const capped = format === 'BinarySI' && compareScaled(amount.unscaled, -amount.scale, MAX_INT64, 0) > 0 ? new InfDec(MAX_INT64, 0) : amount;
  if (negative) capped.unscaled = -capped.unscaled;
  return { i: zero, d: capped };
}

function newQuantity(str: string): CelQuantity {
  const p = parseQuantity(str);
  return new CelQuantity(p.i, p.d);
}

// ---------------------------------------------------------------------------------------------
// The CEL library.



/** resource.NewQuantity(n, DecimalExponent): n × 10^0 in int64 form. */
function fromInt(n: bigint): CelQuantity {
  return new CelQuantity({ value: n, scale: 0 }, null);
}

function isQuantity(s: string): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch (e) {
    if (e instanceof CelEvalError) return false;
    throw e;
  }
}

export const QUANTITY_LIBRARY: readonly FunctionDecl[] = [
  decl('quantity', withCost(fn('string_to_quantity', [STRING], QUANTITY_TYPE, (args) => newQuantity(stringArg(args, 0))), (a) => traversalCost(a))),
  decl('isQuantity', withCost(fn('is_quantity_string', [STRING], BOOL, (args) => isQuantity(stringArg(args, 0))), (a) => traversalCost(a))),
  // kube declares sign as a global overload (cel.Overload), so it is `sign(q)`, not `q.sign()`.
  decl(
    'sign',
    fn('quantity_sign', [QUANTITY_TYPE], INT, (args) => {
      const q = instanceArg(args, 0, CelQuantity);
      return BigInt(signOf(q.d !== null ? q.d.unscaled : q.i.value));
    }),
  ),
  decl(
    'isGreaterThan',
    method('quantity_is_greater_than', QUANTITY_TYPE, [QUANTITY_TYPE], BOOL, (args) => compareQuantities(instanceArg(args, 0, CelQuantity), instanceArg(args, 1, CelQuantity), true) === 1),
  ),
  decl(
    'isLessThan',
    method('quantity_is_less_than', QUANTITY_TYPE, [QUANTITY_TYPE], BOOL, (args) => compareQuantities(instanceArg(args, 0, CelQuantity), instanceArg(args, 1, CelQuantity), true) === -1),
  ),
  decl(
    'compareTo',
    method('quantity_compare_to', QUANTITY_TYPE, [QUANTITY_TYPE], INT, (args) => BigInt(compareQuantities(instanceArg(args, 0, CelQuantity), instanceArg(args, 1, CelQuantity), true))),
  ),
  decl('asApproximateFloat', method('quantity_get_float', QUANTITY_TYPE, [], DOUBLE, (args) => asApproximateFloat(instanceArg(args, 0, CelQuantity)))),
  decl(
    'asInteger',
    method('quantity_get_int', QUANTITY_TYPE, [], INT, (args) => asInt64(instanceArg(args, 0, CelQuantity)) ?? fail('cannot convert value to integer')),
  ),
  decl('isInteger', method('quantity_is_integer', QUANTITY_TYPE, [], BOOL, (args) => asInt64(instanceArg(args, 0, CelQuantity)) !== undefined)),
  decl(
    'add',
    method('quantity_add', QUANTITY_TYPE, [QUANTITY_TYPE], QUANTITY_TYPE, (args) => addQuantities(instanceArg(args, 0, CelQuantity), instanceArg(args, 1, CelQuantity), false)),
    method('quantity_add_int', QUANTITY_TYPE, [INT], QUANTITY_TYPE, (args) => addQuantities(instanceArg(args, 0, CelQuantity), fromInt(intArg(args, 1)), false)),
  ),
  decl(
    'sub',
    method('quantity_sub', QUANTITY_TYPE, [QUANTITY_TYPE], QUANTITY_TYPE, (args) => addQuantities(instanceArg(args, 0, CelQuantity), instanceArg(args, 1, CelQuantity), true)),
    method('quantity_sub_int', QUANTITY_TYPE, [INT], QUANTITY_TYPE, (args) => addQuantities(instanceArg(args, 0, CelQuantity), fromInt(intArg(args, 1)), true)),
  ),
];
