/**
 * CEL's standard library as cel-go has it: arithmetic with 64-bit overflow checks, comparisons
 * (including kube's CrossTypeNumericComparisons), `size`, the string predicates, the type
 * conversions with Go's formatting and parse errors, and timestamps and durations with their
 * getters (UTC by default, as kube's DefaultUTCTimeZone; an IANA name or `±hh:mm` otherwise).
 */
import { decl, fail, fn, method, runeCount, traversalCost, type FunctionDecl, type Overload } from './decl.js';
import { compileRE2 } from './lib/re2.js';
import { durationString, goFormatG, timestampString } from './lib/strings.js';
import { BOOL, BYTES, DOUBLE, DURATION, DYN, INT, STRING, TIMESTAMP, TYPE, UINT, listOf, mapOf, param, type CheckType } from './types.js';
import { CelDuration, CelMap, CelTimestamp, CelTypeValue, CelUint, compareNumeric, numeric, typeNameOf, type CelValue } from './value.js';

const A = param('A');
const B = param('B');
const LIST_A = listOf(A);
const MAP_AB = mapOf(A, B);

const INT_MIN = -(2n ** 63n);
const INT_MAX = 2n ** 63n - 1n;
const UINT_MAX = 2n ** 64n - 1n;
/** Timestamps span years 0001 to 9999, as cel-go allows. */
const TS_MIN = -62135596800n * 1_000_000_000n;
const TS_MAX = 253402300799n * 1_000_000_000n + 999_999_999n;
const NS = 1_000_000_000n;

export function checkedInt(v: bigint): bigint {
  if (v < INT_MIN || v > INT_MAX) fail('integer overflow');
  return v;
}

function checkedUint(v: bigint): CelUint {
  if (v < 0n || v > UINT_MAX) fail('unsigned integer overflow');
  return new CelUint(v);
}

function checkedTimestamp(ns: bigint): CelTimestamp {
  if (ns < TS_MIN || ns > TS_MAX) fail('timestamp overflow');
  return new CelTimestamp(ns);
}

function checkedDuration(ns: bigint): CelDuration {
  // cel-go keeps durations within Go's time.Duration (int64 nanoseconds).
  if (ns < INT_MIN || ns > INT_MAX) fail('integer overflow');
  return new CelDuration(ns);
}

const i = (v: CelValue): bigint => v as bigint;
const u = (v: CelValue): bigint => (v as CelUint).value;
const d = (v: CelValue): number => v as number;
const s = (v: CelValue): string => v as string;
const bytes = (v: CelValue): Uint8Array => v as Uint8Array;
const ts = (v: CelValue): bigint => (v as CelTimestamp).nanos;
const dur = (v: CelValue): bigint => (v as CelDuration).nanos;

/** Integer division truncating toward zero, as Go's. */
function divInt(a: bigint, b: bigint): bigint {
  if (b === 0n) fail('division by zero');
  if (a === INT_MIN && b === -1n) fail('integer overflow');
  return a / b;
}

function modInt(a: bigint, b: bigint): bigint {
  if (b === 0n) fail('modulus by zero');
  if (a === INT_MIN && b === -1n) fail('integer overflow');
  return a % b;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) if (a[k] !== b[k]) return (a[k] ?? 0) - (b[k] ?? 0);
  return a.length - b.length;
}

/** Go's string comparison is bytewise over UTF-8, which orders like code points. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let k = 0; k < n; k++) {
    const p = x[k]?.codePointAt(0) ?? 0;
    const q = y[k]?.codePointAt(0) ?? 0;
    if (p !== q) return p - q;
  }
  return x.length - y.length;
}

const ORDERED: readonly (readonly [string, CheckType, (a: CelValue, b: CelValue) => number])[] = [
  ['bool', BOOL, (a, b) => Number(a) - Number(b)],
  ['string', STRING, (a, b) => compareStrings(s(a), s(b))],
  ['bytes', BYTES, (a, b) => compareBytes(bytes(a), bytes(b))],
  ['timestamp', TIMESTAMP, (a, b) => (ts(a) < ts(b) ? -1 : ts(a) > ts(b) ? 1 : 0)],
  ['duration', DURATION, (a, b) => (dur(a) < dur(b) ? -1 : dur(a) > dur(b) ? 1 : 0)],
];

const NUMERIC: readonly (readonly [string, CheckType])[] = [
  ['int64', INT],
  ['uint64', UINT],
  ['double', DOUBLE],
];

function comparison(name: string, id: string, test: (c: number) => boolean): FunctionDecl {
  const overloads: Overload[] = [];
  for (const [n, t, cmp] of ORDERED) overloads.push(fn(`${id}_${n}`, [t, t], BOOL, ([a, b]) => test(cmp(a as CelValue, b as CelValue))));
  for (const [na, ta] of NUMERIC) {
    for (const [nb, tb] of NUMERIC) {
      overloads.push(
        fn(na === nb ? `${id}_${na}` : `${id}_${na}_${nb}`, [ta, tb], BOOL, ([a, b]) => {
          const c = compareNumeric(numeric(a as CelValue) ?? fail('no such overload'), numeric(b as CelValue) ?? fail('no such overload'));
          return !Number.isNaN(c) && test(c);
        }),
      );
    }
  }
  return decl(name, ...overloads);
}


// ---------------------------------------------------------------------------------------------
// Go's number parsing, as cel-go's conversions use it (formatting is the strings library's).

function parseIntStrict(v: string, unsigned: boolean): bigint {
  const fnName = unsigned ? 'ParseUint' : 'ParseInt';
  if (!(unsigned ? /^[+]?[0-9]+$/ : /^[+-]?[0-9]+$/).test(v)) fail(`strconv.${fnName}: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = BigInt(v);
  if (unsigned ? n > UINT_MAX : n < INT_MIN || n > INT_MAX) fail(`strconv.${fnName}: parsing ${JSON.stringify(v)}: value out of range`);
  return n;
}

function parseFloatStrict(v: string): number {
  const t = v.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (t === 'nan') return NaN;
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/.test(t)) fail(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

function doubleToInt(f: number): bigint {
  // cel-go refuses doubles outside int64's range (and NaN/Inf), truncating toward zero.
  if (!Number.isFinite(f) || f <= -9223372036854775808.0 - 1 || f >= 9223372036854775807.0) fail('integer overflow');
  return BigInt(Math.trunc(f));
}

function doubleToUint(f: number): CelUint {
  if (!Number.isFinite(f) || f < 0 || f >= 18446744073709551615.0) fail('unsigned integer overflow');
  return new CelUint(BigInt(Math.trunc(f)));
}

// ---------------------------------------------------------------------------------------------
// Timestamps and durations.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseTimestamp(v: string): CelTimestamp {
  const m = RFC3339.exec(v);
  if (!m) fail(`parsing time ${JSON.stringify(v)} as ${JSON.stringify('2006-01-02T15:04:05Z07:00')}: cannot parse ${JSON.stringify(v)} as ${JSON.stringify('2006')}`);
  const [, y, mo, da, h, mi, se, frac = '', zone = 'Z'] = m;
  const outOfRange = (what: string): never => fail(`parsing time ${JSON.stringify(v)}: ${what} out of range`);
  if (Number(mo) < 1 || Number(mo) > 12) outOfRange('month');
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(se));
  const date = new Date(ms);
  if (Number(da) < 1 || date.getUTCDate() !== Number(da)) outOfRange('day');
  if (Number(h) > 23) outOfRange('hour');
  if (Number(mi) > 59) outOfRange('minute');
  if (Number(se) > 59) outOfRange('second');
  let off = 0n;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    off = sign * (BigInt(zone.slice(1, 3)) * 3600n + BigInt(zone.slice(4, 6)) * 60n);
  }
  const fracNs = frac ? BigInt(frac.slice(1).padEnd(9, '0')) : 0n;
  // Date.UTC maps years 0-99 to 1900-1999; correct for those.
  let seconds = BigInt(Math.floor(ms / 1000));
  if (Number(y) < 100) {
    const fixed = new Date(0);
    fixed.setUTCFullYear(Number(y), Number(mo) - 1, Number(da));
    fixed.setUTCHours(Number(h), Number(mi), Number(se), 0);
    seconds = BigInt(Math.floor(fixed.getTime() / 1000));
  }
  return checkedTimestamp((seconds - off) * NS + fracNs);
}

const DURATION_UNITS: Readonly<Record<string, bigint>> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: NS, m: 60n * NS, h: 3600n * NS };

/** Go's time.ParseDuration, to nanoseconds, with its error texts. */
export function parseDuration(v: string): CelDuration {
  const bad = (): never => fail(`time: invalid duration ${JSON.stringify(v)}`);
  let rest = v;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return new CelDuration(0n);
  if (rest === '') bad();
  let total = 0n;
  const re = /^([0-9]*)(\.[0-9]*)?([^0-9.]*)/;
  while (rest !== '') {
    const m = re.exec(rest);
    const whole = m?.[1] ?? '';
    const frac = m?.[2] ?? '';
    if (!m || (whole === '' && frac.length <= 1)) bad();
    const unit = m?.[3] ?? '';
    if (unit === '') fail(`time: missing unit in duration ${JSON.stringify(v)}`);
    const scale = DURATION_UNITS[unit] ?? fail(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(v)}`);
    let part = BigInt(whole || '0') * scale;
    if (frac.length > 1) {
      const digits = frac.slice(1);
      part += (BigInt(digits) * scale) / 10n ** BigInt(digits.length);
    }
    total += part;
    if (total > INT_MAX + (neg ? 1n : 0n)) bad();
    rest = rest.slice(m?.[0].length ?? rest.length);
  }
  return new CelDuration(neg ? -total : total);
}

interface Civil {
  readonly year: number;
  readonly month: number; // 0-11
  readonly day: number; // 1-31
  readonly weekday: number; // 0 = Sunday
  readonly yearDay: number; // 0-based
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly millis: number;
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** The civil time of a timestamp in a zone: UTC, a fixed `±hh:mm` offset, or an IANA name. */
function civil(t: CelTimestamp, zone?: string): Civil {
  const secFloor = t.nanos >= 0n ? t.nanos / NS : -((-t.nanos + NS - 1n) / NS);
  const millis = Number((t.nanos - secFloor * NS) / 1_000_000n);
  let ms = Number(secFloor) * 1000;
  if (zone !== undefined && zone !== 'UTC' && zone !== '') {
    const off = /^([+-]?)(\d{2}):(\d{2})$/.exec(zone);
    if (off) {
      ms += (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 3600 + Number(off[3]) * 60) * 1000;
    } else {
      let f = zoneFormatters.get(zone);
      if (!f) {
        try {
          f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
        } catch {
          fail(`unknown time zone ${zone}`);
        }
        if (zoneFormatters.size < 64) zoneFormatters.set(zone, f);
      }
      const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
      ms = Date.UTC(Number(parts['year']), Number(parts['month']) - 1, Number(parts['day']), Number(parts['hour']), Number(parts['minute']), Number(parts['second']));
    }
  }
  const dt = new Date(ms);
  const start = Date.UTC(dt.getUTCFullYear(), 0, 1);
  return {
    year: dt.getUTCFullYear(),
    month: dt.getUTCMonth(),
    day: dt.getUTCDate(),
    weekday: dt.getUTCDay(),
    yearDay: Math.floor((ms - start) / 86_400_000),
    hours: dt.getUTCHours(),
    minutes: dt.getUTCMinutes(),
    seconds: dt.getUTCSeconds(),
    millis,
  };
}

function timestampGetter(name: string, id: string, pick: (c: Civil) => number): FunctionDecl {
  return decl(
    name,
    method(`timestamp_to_${id}`, TIMESTAMP, [], INT, ([t]) => BigInt(pick(civil(t as CelTimestamp)))),
    method(`timestamp_to_${id}_with_tz`, TIMESTAMP, [STRING], INT, ([t, z]) => BigInt(pick(civil(t as CelTimestamp, z as string)))),
  );
}

// ---------------------------------------------------------------------------------------------

function sizeOf(v: CelValue): bigint {
  if (typeof v === 'string') return BigInt(runeCount(v));
  if (v instanceof Uint8Array) return BigInt(v.length);
  if (Array.isArray(v)) return BigInt(v.length);
  if (v instanceof CelMap) return BigInt(v.size);
  return fail('no such overload');
}

function stringOf(v: CelValue): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      return goFormatG(v);
    default:
      break;
  }
  if (v instanceof CelUint) return v.value.toString();
  if (v instanceof Uint8Array) {
    const text = Buffer.from(v).toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(Buffer.from(v))) fail('invalid UTF-8 in bytes, cannot convert to string');
    return text;
  }
  if (v instanceof CelTimestamp) return timestampString(v);
  if (v instanceof CelDuration) return durationString(v);
  return fail(`type conversion error from '${typeNameOf(v)}' to 'string'`);
}

function typeOf(v: CelValue): CelTypeValue {
  return new CelTypeValue(typeNameOf(v));
}

const size = decl(
  'size',
  fn('size_string', [STRING], INT, ([v]) => sizeOf(v as CelValue)),
  fn('size_bytes', [BYTES], INT, ([v]) => sizeOf(v as CelValue)),
  fn('size_list', [LIST_A], INT, ([v]) => sizeOf(v as CelValue)),
  fn('size_map', [MAP_AB], INT, ([v]) => sizeOf(v as CelValue)),
  method('string_size', STRING, [], INT, ([v]) => sizeOf(v as CelValue)),
  method('bytes_size', BYTES, [], INT, ([v]) => sizeOf(v as CelValue)),
  method('list_size', LIST_A, [], INT, ([v]) => sizeOf(v as CelValue)),
  method('map_size', MAP_AB, [], INT, ([v]) => sizeOf(v as CelValue)),
);


/** The standard declarations. */
export const STANDARD: readonly FunctionDecl[] = [
  decl('!_', fn('logical_not', [BOOL], BOOL, ([a]) => !(a as boolean))),
  decl(
    '-_',
    fn('negate_int64', [INT], INT, ([a]) => checkedInt(-i(a as CelValue))),
    fn('negate_double', [DOUBLE], DOUBLE, ([a]) => -d(a as CelValue)),
  ),
  decl(
    '_+_',
    fn('add_int64', [INT, INT], INT, ([a, b]) => checkedInt(i(a as CelValue) + i(b as CelValue))),
    fn('add_uint64', [UINT, UINT], UINT, ([a, b]) => checkedUint(u(a as CelValue) + u(b as CelValue))),
    fn('add_double', [DOUBLE, DOUBLE], DOUBLE, ([a, b]) => d(a as CelValue) + d(b as CelValue)),
    { ...fn('add_string', [STRING, STRING], STRING, ([a, b]) => s(a as CelValue) + s(b as CelValue)), cost: traversalCost },
    fn('add_bytes', [BYTES, BYTES], BYTES, ([a, b]) => concatBytes(bytes(a as CelValue), bytes(b as CelValue))),
    fn('add_list', [LIST_A, LIST_A], LIST_A, ([a, b]) => [...(a as CelValue[]), ...(b as CelValue[])]),
    fn('add_timestamp_duration', [TIMESTAMP, DURATION], TIMESTAMP, ([a, b]) => checkedTimestamp(ts(a as CelValue) + dur(b as CelValue))),
    fn('add_duration_timestamp', [DURATION, TIMESTAMP], TIMESTAMP, ([a, b]) => checkedTimestamp(dur(a as CelValue) + ts(b as CelValue))),
    fn('add_duration_duration', [DURATION, DURATION], DURATION, ([a, b]) => checkedDuration(dur(a as CelValue) + dur(b as CelValue))),
  ),
  decl(
    '_-_',
    fn('subtract_int64', [INT, INT], INT, ([a, b]) => checkedInt(i(a as CelValue) - i(b as CelValue))),
    fn('subtract_uint64', [UINT, UINT], UINT, ([a, b]) => checkedUint(u(a as CelValue) - u(b as CelValue))),
    fn('subtract_double', [DOUBLE, DOUBLE], DOUBLE, ([a, b]) => d(a as CelValue) - d(b as CelValue)),
    fn('subtract_timestamp_timestamp', [TIMESTAMP, TIMESTAMP], DURATION, ([a, b]) => checkedDuration(ts(a as CelValue) - ts(b as CelValue))),
    fn('subtract_timestamp_duration', [TIMESTAMP, DURATION], TIMESTAMP, ([a, b]) => checkedTimestamp(ts(a as CelValue) - dur(b as CelValue))),
    fn('subtract_duration_duration', [DURATION, DURATION], DURATION, ([a, b]) => checkedDuration(dur(a as CelValue) - dur(b as CelValue))),
  ),
  decl(
    '_*_',
    fn('multiply_int64', [INT, INT], INT, ([a, b]) => checkedInt(i(a as CelValue) * i(b as CelValue))),
    fn('multiply_uint64', [UINT, UINT], UINT, ([a, b]) => checkedUint(u(a as CelValue) * u(b as CelValue))),
    fn('multiply_double', [DOUBLE, DOUBLE], DOUBLE, ([a, b]) => d(a as CelValue) * d(b as CelValue)),
  ),
  decl(
    '_/_',
    fn('divide_int64', [INT, INT], INT, ([a, b]) => divInt(i(a as CelValue), i(b as CelValue))),
    fn('divide_uint64', [UINT, UINT], UINT, ([a, b]) => (u(b as CelValue) === 0n ? fail('division by zero') : new CelUint(u(a as CelValue) / u(b as CelValue)))),
    fn('divide_double', [DOUBLE, DOUBLE], DOUBLE, ([a, b]) => d(a as CelValue) / d(b as CelValue)),
  ),
  decl(
    '_%_',
    fn('modulo_int64', [INT, INT], INT, ([a, b]) => modInt(i(a as CelValue), i(b as CelValue))),
    fn('modulo_uint64', [UINT, UINT], UINT, ([a, b]) => (u(b as CelValue) === 0n ? fail('modulus by zero') : new CelUint(u(a as CelValue) % u(b as CelValue)))),
  ),
  comparison('_<_', 'less', (c) => c < 0),
  comparison('_<=_', 'less_equals', (c) => c <= 0),
  comparison('_>_', 'greater', (c) => c > 0),
  comparison('_>=_', 'greater_equals', (c) => c >= 0),
  size,
  decl('contains', { ...method('contains_string', STRING, [STRING], BOOL, ([a, b]) => s(a as CelValue).includes(s(b as CelValue))), cost: traversalCost }),
  decl('startsWith', { ...method('starts_with_string', STRING, [STRING], BOOL, ([a, b]) => s(a as CelValue).startsWith(s(b as CelValue))), cost: traversalCost }),
  decl('endsWith', { ...method('ends_with_string', STRING, [STRING], BOOL, ([a, b]) => s(a as CelValue).endsWith(s(b as CelValue))), cost: traversalCost }),
  decl(
    'matches',
    { ...fn('matches', [STRING, STRING], BOOL, ([a, b]) => compileRE2(s(b as CelValue)).test(s(a as CelValue))), cost: traversalCost },
    { ...method('matches_string', STRING, [STRING], BOOL, ([a, b]) => compileRE2(s(b as CelValue)).test(s(a as CelValue))), cost: traversalCost },
  ),
  decl(
    'int',
    fn('int64_to_int64', [INT], INT, ([a]) => a as CelValue),
    fn('uint64_to_int64', [UINT], INT, ([a]) => checkedInt(u(a as CelValue))),
    fn('double_to_int64', [DOUBLE], INT, ([a]) => doubleToInt(d(a as CelValue))),
    fn('string_to_int64', [STRING], INT, ([a]) => parseIntStrict(s(a as CelValue), false)),
    fn('timestamp_to_int64', [TIMESTAMP], INT, ([a]) => {
      const n = ts(a as CelValue);
      return n >= 0n ? n / NS : -((-n + NS - 1n) / NS);
    }),
    fn('duration_to_int64', [DURATION], INT, ([a]) => dur(a as CelValue)),
  ),
  decl(
    'uint',
    fn('uint64_to_uint64', [UINT], UINT, ([a]) => a as CelValue),
    fn('int64_to_uint64', [INT], UINT, ([a]) => checkedUint(i(a as CelValue))),
    fn('double_to_uint64', [DOUBLE], UINT, ([a]) => doubleToUint(d(a as CelValue))),
    fn('string_to_uint64', [STRING], UINT, ([a]) => new CelUint(parseIntStrict(s(a as CelValue), true))),
  ),
  decl(
    'double',
    fn('double_to_double', [DOUBLE], DOUBLE, ([a]) => a as CelValue),
    fn('int64_to_double', [INT], DOUBLE, ([a]) => Number(i(a as CelValue))),
    fn('uint64_to_double', [UINT], DOUBLE, ([a]) => Number(u(a as CelValue))),
    fn('string_to_double', [STRING], DOUBLE, ([a]) => parseFloatStrict(s(a as CelValue))),
  ),
  decl(
    'string',
    fn('string_to_string', [STRING], STRING, ([a]) => a as CelValue),
    fn('bool_to_string', [BOOL], STRING, ([a]) => stringOf(a as CelValue)),
    fn('int64_to_string', [INT], STRING, ([a]) => stringOf(a as CelValue)),
    fn('uint64_to_string', [UINT], STRING, ([a]) => stringOf(a as CelValue)),
    fn('double_to_string', [DOUBLE], STRING, ([a]) => stringOf(a as CelValue)),
    fn('bytes_to_string', [BYTES], STRING, ([a]) => stringOf(a as CelValue)),
    fn('timestamp_to_string', [TIMESTAMP], STRING, ([a]) => stringOf(a as CelValue)),
    fn('duration_to_string', [DURATION], STRING, ([a]) => stringOf(a as CelValue)),
  ),
  decl(
    'bytes',
    fn('bytes_to_bytes', [BYTES], BYTES, ([a]) => a as CelValue),
    fn('string_to_bytes', [STRING], BYTES, ([a]) => new Uint8Array(Buffer.from(s(a as CelValue), 'utf8'))),
  ),
  decl(
    'bool',
    fn('bool_to_bool', [BOOL], BOOL, ([a]) => a as CelValue),
    fn('string_to_bool', [STRING], BOOL, ([a]) => {
      const v = s(a as CelValue);
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
      return fail(`type conversion error from 'string' to 'bool'`);
    }),
  ),
  decl('dyn', fn('to_dyn', [A], DYN, ([a]) => a as CelValue)),
  decl('type', fn('type', [A], TYPE, ([a]) => typeOf(a as CelValue))),
  decl(
    'timestamp',
    fn('timestamp_to_timestamp', [TIMESTAMP], TIMESTAMP, ([a]) => a as CelValue),
    fn('string_to_timestamp', [STRING], TIMESTAMP, ([a]) => parseTimestamp(s(a as CelValue))),
    fn('int64_to_timestamp', [INT], TIMESTAMP, ([a]) => checkedTimestamp(i(a as CelValue) * NS)),
  ),
  decl(
    'duration',
    fn('duration_to_duration', [DURATION], DURATION, ([a]) => a as CelValue),
    fn('string_to_duration', [STRING], DURATION, ([a]) => parseDuration(s(a as CelValue))),
    fn('int64_to_duration', [INT], DURATION, ([a]) => checkedDuration(i(a as CelValue))),
  ),
  timestampGetter('getFullYear', 'year', (c) => c.year),
  timestampGetter('getMonth', 'month', (c) => c.month),
  timestampGetter('getDayOfYear', 'day_of_year', (c) => c.yearDay),
  timestampGetter('getDayOfMonth', 'day_of_month', (c) => c.day - 1),
  timestampGetter('getDate', 'day_of_month_1_based', (c) => c.day),
  timestampGetter('getDayOfWeek', 'day_of_week', (c) => c.weekday),
  decl(
    'getHours',
    ...timestampGetter('getHours', 'hours', (c) => c.hours).overloads,
    method('duration_to_hours', DURATION, [], INT, ([a]) => dur(a as CelValue) / (3600n * NS)),
  ),
  decl(
    'getMinutes',
    ...timestampGetter('getMinutes', 'minutes', (c) => c.minutes).overloads,
    method('duration_to_minutes', DURATION, [], INT, ([a]) => dur(a as CelValue) / (60n * NS)),
  ),
  decl(
    'getSeconds',
    ...timestampGetter('getSeconds', 'seconds', (c) => c.seconds).overloads,
    method('duration_to_seconds', DURATION, [], INT, ([a]) => dur(a as CelValue) / NS),
  ),
  decl(
    'getMilliseconds',
    ...timestampGetter('getMilliseconds', 'milliseconds', (c) => c.millis).overloads,
    method('duration_to_milliseconds', DURATION, [], INT, ([a]) => (dur(a as CelValue) % NS) / 1_000_000n),
  ),
];

