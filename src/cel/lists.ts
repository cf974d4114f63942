/**
 * List functions of kube-apiserver's environment: Kubernetes' own (`isSorted`, `sum`, `min`,
 * `max`, `indexOf`, `lastIndexOf`), cel-go's `sets.*`, and the `lists` extension (`slice`,
 * `flatten`, `distinct`, `reverse`, `sort`, `sortBy`, `lists.range`) at version 3, as kube 1.34+
 * has it.
 */
import { decl, fail, fn, method, type FunctionDecl } from './decl.js';
import { compareBytes, compareStrings } from './stdlib.js';
import { BOOL, BYTES, DOUBLE, DURATION, DYN, INT, STRING, TIMESTAMP, UINT, listOf, param, type CheckType } from './types.js';
import { CelDuration, CelTimestamp, CelUint, celEquals, compareNumeric, numeric, typeNameOf, type CelValue } from './value.js';

const A = param('A');
const LIST_A = listOf(A);
const list = (v: CelValue | undefined): readonly CelValue[] => v as readonly CelValue[];

/** Orders two comparable values of one kind (strings by code point, as Go); a runtime error for anything else, as cel-go. */
export function compareValues(a: CelValue, b: CelValue): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na && nb) return compareNumeric(na, nb);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if ((a instanceof CelDuration && b instanceof CelDuration) || (a instanceof CelTimestamp && b instanceof CelTimestamp)) return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
  return fail('no such overload');
}

function indexOf(l: readonly CelValue[], v: CelValue, fromEnd: boolean): bigint {
  if (fromEnd) {
    for (let k = l.length - 1; k >= 0; k--) if (celEquals(l[k] as CelValue, v)) return BigInt(k);
  } else {
    for (let k = 0; k < l.length; k++) if (celEquals(l[k] as CelValue, v)) return BigInt(k);
  }
  return -1n;
}

function extreme(l: readonly CelValue[], sign: 1 | -1): CelValue {
  if (l.length === 0) fail(`${sign < 0 ? 'min' : 'max'} called on empty list`);
  return l.reduce((best, v) => (compareValues(v, best) * sign > 0 ? v : best));
}

function flatten(l: readonly CelValue[], depth: bigint): CelValue[] {
  if (depth < 0n) fail('level must be non-negative');
  const out: CelValue[] = [];
  for (const v of l) {
    if (Array.isArray(v) && depth > 0n) out.push(...flatten(v, depth - 1n));
    else out.push(v);
  }
  return out;
}

const SUMMABLE: readonly (readonly [string, CheckType, CelValue])[] = [
  ['int', INT, 0n],
  ['uint', UINT, new CelUint(0n)],
  ['double', DOUBLE, 0],
  ['duration', DURATION, new CelDuration(0n)],
];

function sum(l: readonly CelValue[], zero: CelValue): CelValue {
  let acc = zero;
  for (const v of l) {
    if (typeof acc === 'bigint' && typeof v === 'bigint') acc = acc + v;
    else if (typeof acc === 'number' && typeof v === 'number') acc = acc + v;
    else if (acc instanceof CelUint && v instanceof CelUint) acc = new CelUint(acc.value + v.value);
    else if (acc instanceof CelDuration && v instanceof CelDuration) acc = new CelDuration(acc.nanos + v.nanos);
    else fail('no such overload');
  }
  return acc;
}

/** The element types `sort` and `sortBy` order (cel-go's comparableTypes). */
const COMPARABLE: readonly (readonly [string, CheckType])[] = [
  ['int', INT],
  ['uint', UINT],
  ['double', DOUBLE],
  ['bool', BOOL],
  ['duration', DURATION],
  ['timestamp', TIMESTAMP],
  ['string', STRING],
  ['bytes', BYTES],
];

const MAX_RANGE = 10_000_000n;

/**
 * `sort` and `sortBy`: orders `l` by `keys` (the list itself for `sort`), which must all be of one
 * comparable type. Equal keys keep their order (Go's sort.Slice does not promise that).
 */
export function sortByKeys(l: readonly CelValue[], keys: readonly CelValue[]): CelValue[] {
  if (l.length !== keys.length) {
    fail(`@sortByAssociatedKeys() expected a list of the same size as the associated keys list, but got ${l.length} and ${keys.length} elements respectively`);
  }
  if (l.length === 0) return [];
  const first = keys[0] as CelValue;
  const kind = typeNameOf(first);
  if (!COMPARABLE.some(([n]) => n === kind || (n === 'duration' && first instanceof CelDuration) || (n === 'timestamp' && first instanceof CelTimestamp))) fail('list elements must be comparable');
  if (keys.some((k) => typeNameOf(k) !== kind)) fail('list elements must have the same type');
  const order = keys.map((_, i) => i).sort((a, b) => compareValues(keys[a] as CelValue, keys[b] as CelValue));
  return order.map((i) => l[i] as CelValue);
}

/** Kubernetes' own list library (every release with CEL). */
export const KUBE_LISTS: readonly FunctionDecl[] = [
  decl('isSorted', method('list_is_sorted', LIST_A, [], BOOL, ([l]) => list(l).every((v, k, xs) => k === 0 || compareValues(xs[k - 1] as CelValue, v) <= 0))),
  decl('sum', ...SUMMABLE.map(([n, t, zero]) => method(`list_${n}_sum`, listOf(t), [], t, ([l]) => sum(list(l), zero)))),
  decl('min', method('list_min', LIST_A, [], A, ([l]) => extreme(list(l), -1))),
  decl('max', method('list_max', LIST_A, [], A, ([l]) => extreme(list(l), 1))),
  decl('indexOf', method('list_a_index_of_int', LIST_A, [A], INT, ([l, v]) => indexOf(list(l), v as CelValue, false))),
  decl('lastIndexOf', method('list_a_last_index_of_int', LIST_A, [A], INT, ([l, v]) => indexOf(list(l), v as CelValue, true))),
];

/** cel-go's ext.Sets (kube 1.29+). */
export const SETS: readonly FunctionDecl[] = [
  decl('sets.contains', fn('list_sets_contains_list', [LIST_A, LIST_A], BOOL, ([a, b]) => list(b).every((x) => list(a).some((y) => celEquals(x, y))))),
  decl(
    'sets.equivalent',
    fn('list_sets_equivalent_list', [LIST_A, LIST_A], BOOL, ([a, b]) => list(a).every((x) => list(b).some((y) => celEquals(x, y))) && list(b).every((y) => list(a).some((x) => celEquals(x, y)))),
  ),
  decl('sets.intersects', fn('list_sets_intersects_list', [LIST_A, LIST_A], BOOL, ([a, b]) => list(a).some((x) => list(b).some((y) => celEquals(x, y))))),
];

/** cel-go's ext.Lists at version 3 (kube 1.34+); `sortBy` is its macro, in the parser. */
export const EXT_LISTS: readonly FunctionDecl[] = [
  decl(
    'slice',
    method('list_slice', LIST_A, [INT, INT], LIST_A, ([l, s, e]) => {
      const xs = list(l);
      const start = s as bigint;
      const end = e as bigint;
      if (start < 0n || end < 0n) fail(`cannot slice(${start}, ${end}), negative indexes not supported`);
      if (start > end) fail(`cannot slice(${start}, ${end}), start index must be less than or equal to end index`);
      if (end > BigInt(xs.length)) fail(`cannot slice(${start}, ${end}), list is length ${xs.length}`);
      return xs.slice(Number(start), Number(end));
    }),
  ),
  decl(
    'flatten',
    method('list_flatten', listOf(DYN), [], listOf(DYN), ([l]) => flatten(list(l), 1n)),
    method('list_flatten_int', listOf(DYN), [INT], listOf(DYN), ([l, n]) => flatten(list(l), n as bigint)),
  ),
  decl('distinct', method('list_distinct', LIST_A, [], LIST_A, ([l]) => list(l).filter((v, k, xs) => xs.findIndex((o) => celEquals(o, v)) === k))),
  decl('reverse', method('list_reverse', LIST_A, [], LIST_A, ([l]) => [...list(l)].reverse())),
  decl('sort', ...COMPARABLE.map(([n, t]) => method(`list_${n}_sort`, listOf(t), [], listOf(t), ([l]) => sortByKeys(list(l), list(l))))),
  decl(
    '@sortByAssociatedKeys',
    ...COMPARABLE.map(([n, t]) => method(`list_${n}_sortByAssociatedKeys`, LIST_A, [listOf(t)], LIST_A, ([l, k]) => sortByKeys(list(l), list(k)))),
  ),
  decl(
    'lists.range',
    fn('lists_range', [INT], listOf(INT), ([n]) => {
      const count = n as bigint;
      if (count < 0n) fail(`lists.range: size must be non-negative, got ${count}`);
      if (count > MAX_RANGE) fail(`lists.range: size ${count} exceeds maximum allowed (${MAX_RANGE})`);
      return Array.from({ length: Number(count) }, (_, k) => BigInt(k));
    }),
  ),
];

