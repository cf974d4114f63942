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
