/**
 * CEL runtime values as doorman's interpreter holds them. Scalars are plain JavaScript values
 * (`int` is a bigint, `double` a number, `bytes` a Uint8Array); everything with CEL semantics of
 * its own is a small class. Library functions signal a runtime error by throwing `CelEvalError`;
 * the interpreter turns it into an error value, so an expression never throws past `evaluate`.
 */

/** A runtime error with cel-go's wording (`no such key: hd`, `division by zero`). */
export class CelEvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CelEvalError';
  }
}

import { unescapeIdentifier } from './escape.js';

/** CEL `uint`: unsigned 64-bit, kept apart from `int` (which is a bare bigint). */
export class CelUint {
  constructor(readonly value: bigint) {}
}

/** A CEL type value, as `type(x)` returns it; printed and compared by name. */
export class CelTypeValue {
  constructor(readonly name: string) {}
}

/** `google.protobuf.Timestamp`: nanoseconds since the Unix epoch, UTC. */
export class CelTimestamp {
  constructor(readonly nanos: bigint) {}
}

/** `google.protobuf.Duration`: signed nanoseconds. */
export class CelDuration {
  constructor(readonly nanos: bigint) {}
}

/** `optional_type(T)`: a value or none. */
export class CelOptional {
  static readonly NONE = new CelOptional(false, null);
  private constructor(
    readonly present: boolean,
    readonly inner: CelValue,
  ) {}
  static of(v: CelValue): CelOptional {
    return new CelOptional(true, v);
  }
}

/**
 * A value of a library type that CEL sees only through its functions (`net.IP`, `net.CIDR`,
 * `kubernetes.URL`, `kubernetes.Quantity`, `kubernetes.Semver`, ...). `equals` backs `==`;
 * `compare` (when given) backs ordering.
 */
export abstract class CelOpaque {
  abstract readonly typeName: string;
  abstract equals(other: CelOpaque): boolean;
}

/** A declared object (`kubernetes.UserInfo`): named fields, selected with `.`. */
export class CelObject {
  constructor(
    readonly typeName: string,
    readonly fields: ReadonlyMap<string, CelValue>,
  ) {}
}

/** Map keys CEL allows: `int`, `uint`, `bool`, `string`. */
export type CelKey = bigint | CelUint | boolean | string;

/**
 * A CEL map. Numeric keys are one key space (`m[1]`, `m[1u]` and `m[1.0]` find the same entry),
 * as in cel-go; insertion order is kept for iteration.
 *
 * Maps that hold a token's claims or a user's extra are `escaped`: as in kube-apiserver 1.34+, a
 * string key that carries Kubernetes identifier escapes is looked up by the name it stands for
 * (`claims.kubernetes__dot__io` and `claims['kubernetes__dot__io']` read `kubernetes.io`).
 */
export class CelMap {
  private readonly entries = new Map<string, readonly [CelKey, CelValue]>();
  private escaped = false;

  constructor(pairs?: Iterable<readonly [CelKey, CelValue]>) {
    if (pairs) for (const [k, v] of pairs) this.entries.set(keyString(k), [k, v]);
  }

  /** Wraps a JSON object (claims, extra): nested objects become escaped maps, numbers stay doubles. */
  static fromJSON(o: Readonly<Record<string, unknown>>): CelMap {
    const m = new CelMap();
    m.escaped = true;
    for (const k of Object.keys(o)) m.entries.set(`s${k}`, [k, fromJSON(o[k])]);
    return m;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value at `key`; `undefined` when absent. A double key finds an integral numeric key. */
  get(key: CelValue): CelValue | undefined {
    if (this.escaped && typeof key === 'string' && key.includes('__')) {
      const name = unescapeIdentifier(key);
      if (name !== undefined) return this.entries.get(`s${name}`)?.[1];
    }
    const s = lookupString(key);
    return s === undefined ? undefined : this.entries.get(s)?.[1];
  }

  has(key: CelValue): boolean {
    const s = lookupString(key);
    return s !== undefined && this.entries.has(s);
  }

  /** Only for building a map that nobody else has seen yet; false when the key was there. */
  set(key: CelKey, value: CelValue): boolean {
    const s = keyString(key);
    const fresh = !this.entries.has(s);
    this.entries.set(s, [key, value]);
    return fresh;
  }

  keys(): CelKey[] {
    return [...this.entries.values()].map((e) => e[0]);
  }

  pairs(): IterableIterator<readonly [CelKey, CelValue]> {
    return this.entries.values();
  }
}

/** Every runtime value. `null` is CEL `null`; a readonly array is a CEL list. */
export type CelValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | CelUint
  | readonly CelValue[]
  | CelMap
  | CelTypeValue
  | CelTimestamp
  | CelDuration
  | CelOptional
  | CelObject
  | CelOpaque;

function keyString(k: CelKey): string {
  if (typeof k === 'string') return `s${k}`;
  if (typeof k === 'boolean') return k ? 'btrue' : 'bfalse';
  if (typeof k === 'bigint') return `n${k}`;
  return `n${k.value}`;
}

function lookupString(k: CelValue): string | undefined {
  if (typeof k === 'string' || typeof k === 'boolean' || typeof k === 'bigint' || k instanceof CelUint) return keyString(k);
  if (typeof k === 'number' && Number.isInteger(k)) return `n${BigInt(k)}`;
  return undefined;
}

/** Converts decoded JSON to CEL values: numbers are doubles (as kube's claims are since 1.34). */
export function fromJSON(v: unknown): CelValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean':
    case 'number':
    case 'string':
      return v;
    case 'object':
      if (Array.isArray(v)) return v.map(fromJSON);
      return CelMap.fromJSON(v as Record<string, unknown>);
    default:
      return null;
  }
}

export function isList(v: CelValue): v is readonly CelValue[] {
  return Array.isArray(v);
}

/** The runtime type name of a value, as `type(x)` prints it. */
export function typeNameOf(v: CelValue): string {
  if (v === null) return 'null_type';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
    default:
      break;
  }
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'list';
  if (v instanceof CelMap) return 'map';
  if (v instanceof CelUint) return 'uint';
  if (v instanceof CelTypeValue) return 'type';
  if (v instanceof CelTimestamp) return 'google.protobuf.Timestamp';
  if (v instanceof CelDuration) return 'google.protobuf.Duration';
  if (v instanceof CelOptional) return 'optional_type';
  if (v instanceof CelObject) return v.typeName;
  if (v instanceof CelOpaque) return v.typeName;
  return 'unknown';
}

/** CEL equality (heterogeneous numbers compare by value; lists and maps deeply). */
export function celEquals(a: CelValue, b: CelValue): boolean {
  if (a === b) return true;
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) {
    if (na === undefined || nb === undefined) return false;
    return compareNumeric(na, nb) === 0;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x: CelValue, i: number) => celEquals(x, b[i] as CelValue));
  }
  if (a instanceof CelMap) {
    if (!(b instanceof CelMap) || a.size !== b.size) return false;
    for (const [k, v] of a.pairs()) {
      const w = b.get(k);
      if (w === undefined || !celEquals(v, w)) return false;
    }
    return true;
  }
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (a instanceof CelTypeValue) return b instanceof CelTypeValue && a.name === b.name;
  if (a instanceof CelTimestamp) return b instanceof CelTimestamp && a.nanos === b.nanos;
  if (a instanceof CelDuration) return b instanceof CelDuration && a.nanos === b.nanos;
  if (a instanceof CelOptional) {
    if (!(b instanceof CelOptional) || a.present !== b.present) return false;
    return !a.present || celEquals(a.inner, b.inner);
  }
  if (a instanceof CelObject) {
    if (!(b instanceof CelObject) || a.typeName !== b.typeName) return false;
    for (const [k, v] of a.fields) {
      const w = b.fields.get(k);
      if (w === undefined || !celEquals(v, w)) return false;
    }
    return true;
  }
  if (a instanceof CelOpaque) return b instanceof CelOpaque && a.typeName === b.typeName && a.equals(b);
  return false;
}

/** A number of any of CEL's three numeric types, for cross-type comparison. */
export type Numeric = { readonly kind: 'int' | 'uint'; readonly v: bigint } | { readonly kind: 'double'; readonly v: number };

export function numeric(v: CelValue): Numeric | undefined {
  if (typeof v === 'bigint') return { kind: 'int', v };
  if (typeof v === 'number') return { kind: 'double', v };
  if (v instanceof CelUint) return { kind: 'uint', v: v.value };
  return undefined;
}

/**
 * Orders two numbers of any CEL numeric types as cel-go does: integers among themselves exactly;
 * an integer against a double outside the integer's range by the range, otherwise by converting
 * the integer to double (so 2^63-1 equals 2^63 as a double). NaN compares as NaN.
 */
export function compareNumeric(a: Numeric, b: Numeric): number {
  if (a.kind !== 'double' && b.kind !== 'double') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if (a.kind === 'double' && b.kind === 'double') return compareDoubles(a.v, b.v);
  const flip = a.kind === 'double';
  const int = (flip ? b : a) as Exclude<Numeric, { kind: 'double' }>;
  const d = (flip ? a.v : b.v) as number;
  let c: number;
  if (Number.isNaN(d)) return NaN;
  if (int.kind === 'int' && d < -9223372036854775808) c = 1;
  else if (int.kind === 'int' && d > 9223372036854775807) c = -1;
  else if (int.kind === 'uint' && d < 0) c = 1;
  else if (int.kind === 'uint' && d > 18446744073709551615) c = -1;
  else c = compareDoubles(Number(int.v), d);
  return flip ? -c : c;
}

function compareDoubles(x: number, y: number): number {
  return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
}
