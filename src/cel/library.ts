/**
 * The part of kube-apiserver's CEL base environment that @bufbuild/cel does not bring itself:
 * Kubernetes' list functions (`isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`),
 * cel-go's `sets.*` and the `lists` extension (`slice`, `flatten`, `distinct`, `reverse`, `sort`,
 * `lists.range`). Strings come from @bufbuild/cel's own strings extension.
 */
import { CelScalar, celFunc, celList, celMethod, isCelList, listType, type CelFunc, type CelList, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

const { BOOL, DYN, INT } = CelScalar;
const LIST = listType(DYN);

function items(l: CelList): CelValue[] {
  return Array.from(l as Iterable<CelValue>);
}

/** Orders two comparable scalars of the same kind; throws for anything else, like cel-go. */
function compare(a: CelValue, b: CelValue): number {
  const ta = typeof a;
  if ((ta === 'number' || ta === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    const x = a as number | bigint;
    const y = b as number | bigint;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if ((ta === 'string' && typeof b === 'string') || (ta === 'boolean' && typeof b === 'boolean')) {
    const x = a as string | boolean;
    const y = b as string | boolean;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  throw new Error('no such overload');
}

function equal(a: CelValue, b: CelValue): boolean {
  if (isCelList(a) && isCelList(b)) {
    const x = items(a);
    const y = items(b);
    return x.length === y.length && x.every((v, i) => equal(v, y[i] as CelValue));
  }
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return Number(a) === Number(b);
  return a === b;
}

function indexOf(l: CelList, v: CelValue, fromEnd: boolean): bigint {
  const xs = items(l);
  if (fromEnd) {
    for (let i = xs.length - 1; i >= 0; i--) if (equal(xs[i] as CelValue, v)) return BigInt(i);
  } else {
    for (let i = 0; i < xs.length; i++) if (equal(xs[i] as CelValue, v)) return BigInt(i);
  }
  return -1n;
}

function extreme(l: CelList, sign: 1 | -1): CelValue {
  const xs = items(l);
  if (xs.length === 0) throw new Error(`${sign < 0 ? 'min' : 'max'}(list) called on empty list`);
  return xs.reduce((best, v) => (compare(v, best) * sign > 0 ? v : best));
}

function flatten(l: CelList, depth: bigint): CelValue[] {
  if (depth < 0n) throw new Error('level must be non-negative');
  const out: CelValue[] = [];
  for (const v of items(l)) {
    if (isCelList(v) && depth > 0n) out.push(...flatten(v, depth - 1n));
    else out.push(v);
  }
  return out;
}

const kubernetesLists: CelFunc[] = [
  celMethod('isSorted', LIST, [], BOOL, function () {
    const xs = items(this);
    return xs.every((v, i) => i === 0 || compare(xs[i - 1] as CelValue, v) <= 0);
  }),
  celMethod('sum', LIST, [], DYN, function () {
    const xs = items(this);
    if (xs.length === 0) return 0n;
    if (xs.every((v) => typeof v === 'bigint')) return (xs as bigint[]).reduce((a, b) => a + b, 0n);
    if (xs.every((v) => typeof v === 'number')) return (xs as number[]).reduce((a, b) => a + b, 0);
    throw new Error('no such overload');
  }),
  celMethod('min', LIST, [], DYN, function () {
    return extreme(this, -1);
  }),
  celMethod('max', LIST, [], DYN, function () {
    return extreme(this, 1);
  }),
  celMethod('indexOf', LIST, [DYN], INT, function (v) {
    return indexOf(this, v, false);
  }),
  celMethod('lastIndexOf', LIST, [DYN], INT, function (v) {
    return indexOf(this, v, true);
  }),
];

const sets: CelFunc[] = [
  celFunc('sets.contains', [LIST, LIST], BOOL, (a, b) => items(b).every((x) => items(a).some((y) => equal(x, y)))),
  celFunc('sets.equivalent', [LIST, LIST], BOOL, (a, b) => {
    const xs = items(a);
    const ys = items(b);
    return xs.every((x) => ys.some((y) => equal(x, y))) && ys.every((y) => xs.some((x) => equal(x, y)));
  }),
  celFunc('sets.intersects', [LIST, LIST], BOOL, (a, b) => items(a).some((x) => items(b).some((y) => equal(x, y)))),
];

const lists: CelFunc[] = [
  celMethod('slice', LIST, [INT, INT], LIST, function (start, end) {
    const xs = items(this);
    if (start < 0n || end < 0n) throw new Error(`cannot slice(${start}, ${end}), negative indexes not supported`);
    if (start > end) throw new Error(`cannot slice(${start}, ${end}), start index must be less than or equal to end index`);
    if (end > BigInt(xs.length)) throw new Error(`cannot slice(${start}, ${end}), list is length ${xs.length}`);
    return celList(xs.slice(Number(start), Number(end)));
  }),
  celMethod('flatten', LIST, [], LIST, function () {
    return celList(flatten(this, 1n));
  }),
  celMethod('flatten', LIST, [INT], LIST, function (depth) {
    return celList(flatten(this, depth));
  }),
  celMethod('distinct', LIST, [], LIST, function () {
    const out: CelValue[] = [];
    for (const v of items(this)) if (!out.some((o) => equal(o, v))) out.push(v);
    return celList(out);
  }),
  celMethod('reverse', LIST, [], LIST, function () {
    return celList(items(this).reverse());
  }),
  celMethod('sort', LIST, [], LIST, function () {
    return celList(items(this).sort(compare));
  }),
  celFunc('lists.range', [INT], LIST, (n) => {
    if (n > 1_000_000n) throw new Error('lists.range: too many elements');
    return celList(Array.from({ length: Number(n < 0n ? 0n : n) }, (_, i) => BigInt(i)));
  }),
];

/** Every function doorman adds to @bufbuild/cel's standard library. */
export const LIBRARY: readonly CelFunc[] = [...strings, ...kubernetesLists, ...sets, ...lists];
