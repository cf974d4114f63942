/**
 * The parsed form of a CEL expression. Every node records the offset cel-go reports errors at
 * (an operator, the `(` of a call, the `.` of a selection, the start of an identifier or literal).
 * Macros are already expanded: `has()` is a presence-test selection, comprehensions are their
 * own node kind naming the macro, so the checker and the interpreter treat each one directly.
 */
import type { CelValue } from './value.js';

interface Node {
  readonly id: number;
  readonly offset: number;
}

export interface ConstExpr extends Node {
  readonly kind: 'const';
  readonly value: CelValue;
}

export interface IdentExpr extends Node {
  readonly kind: 'ident';
  readonly name: string;
}

/** `operand.field`; `test` for `has(operand.field)`. */
export interface SelectExpr extends Node {
  readonly kind: 'select';
  readonly operand: Expr;
  readonly field: string;
  readonly test: boolean;
}

/** A function or operator call (`_+_`, `_[_]`, `_?._`, `size`), or a method call with `target`. */
export interface CallExpr extends Node {
  readonly kind: 'call';
  readonly fn: string;
  readonly target?: Expr;
  readonly args: readonly Expr[];
}

/** `[a, ?b]`: `optional` holds the indexes of `?` elements. */
export interface ListExpr extends Node {
  readonly kind: 'list';
  readonly elements: readonly Expr[];
  readonly optional: ReadonlySet<number>;
}

export interface MapEntry {
  readonly key: Expr;
  readonly value: Expr;
  readonly optional: boolean;
  readonly offset: number;
}

export interface MapExpr extends Node {
  readonly kind: 'map';
  readonly entries: readonly MapEntry[];
}

/** `Name{field: value}`: no message types are declared in kube's environments, so it never checks. */
export interface StructExpr extends Node {
  readonly kind: 'struct';
  readonly name: string;
}

export type MacroName =
  | 'all'
  | 'exists'
  | 'exists_one'
  | 'map'
  | 'filter'
  | 'transformList'
  | 'transformMap'
  | 'transformMapEntry'
  | 'optMap'
  | 'optFlatMap'
  | 'sortBy';

/**
 * A comprehension macro over `range`: `var` is the element (or key; the index for two-variable
 * forms over lists, whose element is then `var2`). `filter` is the optional predicate of
 * map/transform forms; `body` is the predicate or the transform.
 */
export interface ComprehensionExpr extends Node {
  readonly kind: 'comprehension';
  readonly macro: MacroName;
  readonly range: Expr;
  readonly var: string;
  readonly var2?: string;
  readonly filter?: Expr;
  readonly body: Expr;
}

export type Expr = ConstExpr | IdentExpr | SelectExpr | CallExpr | ListExpr | MapExpr | StructExpr | ComprehensionExpr;

/** Calls every node of the tree, parents before children. */
export function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  switch (e.kind) {
    case 'select':
      walk(e.operand, visit);
      break;
    case 'call':
      if (e.target) walk(e.target, visit);
      for (const a of e.args) walk(a, visit);
      break;
    case 'list':
      for (const x of e.elements) walk(x, visit);
      break;
    case 'map':
      for (const x of e.entries) {
        walk(x.key, visit);
        walk(x.value, visit);
      }
      break;
    case 'comprehension':
      walk(e.range, visit);
      if (e.filter) walk(e.filter, visit);
      walk(e.body, visit);
      break;
    default:
      break;
  }
}
