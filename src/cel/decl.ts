/**
 * How a CEL library declares its functions: each overload carries its static signature (for the
 * checker, which resolves calls at load) and its implementation (for the interpreter, which
 * dispatches on runtime types when the static type was `dyn`). Libraries are plain arrays of
 * declarations; the environment merges them by function name.
 */
import { CelEvalError, type CelValue } from './value.js';
import type { CheckType } from './types.js';

/** One overload. A member overload (`x.f(y)`) has a `target`; `impl` then gets it first. */
export interface Overload {
  /** cel-go's overload id (`string_to_ip`, `list_sum_int`); unique within the environment. */
  readonly id: string;
  readonly target?: CheckType;
  readonly params: readonly CheckType[];
  readonly result: CheckType;
  /** Receives the target (if any) then the arguments; throws `CelEvalError` for a runtime error. */
  readonly impl: (args: readonly CelValue[]) => CelValue;
  /** Extra cost of one call beyond the flat 1 (e.g. proportional to a string's length). */
  readonly cost?: (args: readonly CelValue[]) => number;
}

export interface FunctionDecl {
  readonly name: string;
  readonly overloads: readonly Overload[];
}

/** A global function overload. */
export function fn(id: string, params: readonly CheckType[], result: CheckType, impl: (args: readonly CelValue[]) => CelValue): Overload {
  return { id, params, result, impl };
}

/** A member overload: `target.name(params...)`. */
export function method(id: string, target: CheckType, params: readonly CheckType[], result: CheckType, impl: (args: readonly CelValue[]) => CelValue): Overload {
  return { id, target, params, result, impl };
}

export function decl(name: string, ...overloads: Overload[]): FunctionDecl {
  return { name, overloads };
}

/** Throws the runtime error; typed to return so it fits in expressions. */
export function fail(message: string): never {
  throw new CelEvalError(message);
}

// Argument guards. Dispatch already matched the runtime types, so these only narrow them; a
// value of another type (a library misdeclaring itself) is cel-go's `no such overload`.

export function asString(v: CelValue | undefined): string {
  return typeof v === 'string' ? v : fail('no such overload');
}

export function asInt(v: CelValue | undefined): bigint {
  return typeof v === 'bigint' ? v : fail('no such overload');
}

export function stringArg(args: readonly CelValue[], i: number): string {
  return asString(args[i]);
}

export function intArg(args: readonly CelValue[], i: number): bigint {
  return asInt(args[i]);
}

export function boolArg(args: readonly CelValue[], i: number): boolean {
  const v = args[i];
  return typeof v === 'boolean' ? v : fail('no such overload');
}

/** Argument `i` as an instance of a library type (`CelIP`, `CelQuantity`, ...). */
export function instanceArg<T>(args: readonly CelValue[], i: number, type: abstract new (...a: never[]) => T): T {
  const v = args[i];
  return v instanceof type ? v : fail('no such overload');
}

/** cel-go sizes a string by its code points. */
export function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Attaches kube's runtime cost (library/cost.go CallCost), which replaces CEL's flat 1 per call;
 * doorman charges the part beyond 1 (never below 0: kube's 0 for an empty string cannot be
 * expressed as an extra).
 */
export function withCost(o: Overload, kubeCost: (args: readonly CelValue[]) => number): Overload {
  return { ...o, cost: (args) => Math.max(0, kubeCost(args) - 1) };
}

/** kube's string-traversal cost: ceil(size × 0.1), in float64 as Go computes it. */
export function traversalCost(args: readonly CelValue[], factor = 1): number {
  const s = args[0];
  return typeof s === 'string' ? Math.ceil(runeCount(s) * factor * 0.1) : 1;
}
