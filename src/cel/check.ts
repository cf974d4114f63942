/**
 * A static type checker for parsed CEL, standing in for cel-go's checker (which @bufbuild/cel
 * does not ship): undeclared identifiers and functions, unknown fields of declared object types,
 * overload resolution against the environment's functions, homogeneous literals, and the
 * expression's output type, so that a bad expression is refused at load with cel-go's words.
 */
import type { parse } from '@bufbuild/cel';
import {
  BOOL,
  BYTES,
  DOUBLE,
  DYN,
  ERROR,
  INT,
  NULL,
  STRING,
  TYPE,
  UINT,
  isAssignable,
  isDynamic,
  joinTypes,
  listOf,
  mapOf,
  sameType,
  typeString,
  type CheckType,
} from './types.js';

export type Expr = ReturnType<typeof parse>['expr'];
type Kind = Expr['exprKind'];
export type CallExpr = Extract<Kind, { case: 'callExpr' }>['value'];
type SelectExpr = Extract<Kind, { case: 'selectExpr' }>['value'];
type ComprehensionExpr = Extract<Kind, { case: 'comprehensionExpr' }>['value'];
type StructExpr = Extract<Kind, { case: 'structExpr' }>['value'];
type ConstExpr = Extract<Kind, { case: 'constExpr' }>['value'];

/** One declared overload: a global function or a method on `target`. */
export interface Overload {
  readonly target?: CheckType;
  readonly params: readonly CheckType[];
  readonly result: CheckType;
}

export interface CheckEnv {
  readonly variables: ReadonlyMap<string, CheckType>;
  readonly functions: ReadonlyMap<string, readonly Overload[]>;
}

export interface CheckIssue {
  /** Offset into the expression text. */
  readonly offset: number;
  readonly message: string;
}

/** Identifiers that name types (`type(x) == string`). */
const TYPE_IDENTS: ReadonlySet<string> = new Set(['bool', 'int', 'uint', 'double', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn']);

const LOGICAL: ReadonlySet<string> = new Set(['_&&_', '_||_']);

class Checker {
  readonly issues: CheckIssue[] = [];
  private readonly scopes: Map<string, CheckType>[] = [];

  constructor(
    private readonly env: CheckEnv,
    private readonly positions: Readonly<Record<string, number>>,
    private readonly source: string,
  ) {}

  private offsetOf(e: Expr): number {
    let off = this.positions[e.id.toString()] ?? 0;
    // The parser places some operators on the blank before them; cel-go points at the operator.
    while (off < this.source.length && /\s/.test(this.source[off] ?? '')) off++;
    return off;
  }

  private error(e: Expr, message: string): CheckType {
    this.issues.push({ offset: this.offsetOf(e), message });
    return ERROR;
  }

  private lookup(name: string): CheckType | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const t = this.scopes[i]?.get(name);
      if (t !== undefined) return t;
    }
    return this.env.variables.get(name);
  }

  check(e: Expr): CheckType {
    const k = e.exprKind;
    switch (k.case) {
      case 'constExpr':
        return constType(k.value);
      case 'identExpr': {
        const t = this.lookup(k.value.name);
        if (t !== undefined) return t;
        if (TYPE_IDENTS.has(k.value.name)) return TYPE;
        return this.error(e, `undeclared reference to '${k.value.name}' (in container '')`);
      }
      case 'selectExpr':
        return this.select(e, k.value);
      case 'callExpr':
        return this.call(e, k.value);
      case 'listExpr': {
        const types = k.value.elements.map((x) => ({ x, t: this.check(x) }));
        return listOf(this.homogeneous(types));
      }
      case 'structExpr':
        return this.struct(e, k.value);
      case 'comprehensionExpr':
        return this.comprehension(k.value);
      default:
        return this.error(e, 'unsupported expression');
    }
  }

  /** HomogeneousAggregateLiterals: every element of a literal has the first element's type. */
  private homogeneous(items: readonly { x: Expr; t: CheckType }[]): CheckType {
    let first: CheckType | undefined;
    for (const { x, t } of items) {
      if (isDynamic(t)) continue;
      if (first === undefined) first = t;
      else if (!sameType(first, t)) this.error(x, `expected type '${typeString(first)}' but found '${typeString(t)}'`);
    }
    return first ?? DYN;
  }

  private select(e: Expr, s: SelectExpr): CheckType {
    if (!s.operand) return this.error(e, 'invalid select');
    const operand = this.check(s.operand);
    let result: CheckType;
    switch (operand.kind) {
      case 'object': {
        const f = operand.fields?.get(s.field);
        result = f ?? (operand.fields ? this.error(e, `undefined field '${s.field}'`) : DYN);
        break;
      }
      case 'map':
        result = operand.value;
        break;
      case 'dyn':
      case 'any':
      case 'error':
        result = DYN;
        break;
      default:
        result = this.error(e, `type '${typeString(operand)}' does not support field selection`);
    }
    return s.testOnly ? BOOL : result;
  }

  private struct(e: Expr, s: StructExpr): CheckType {
    if (s.messageName !== '') return this.error(e, `undeclared reference to '${s.messageName}' (in container '')`);
    const keys: { x: Expr; t: CheckType }[] = [];
    const values: { x: Expr; t: CheckType }[] = [];
    for (const entry of s.entries) {
      if (entry.keyKind.case === 'mapKey') keys.push({ x: entry.keyKind.value, t: this.check(entry.keyKind.value) });
      if (entry.value) values.push({ x: entry.value, t: this.check(entry.value) });
    }
    return mapOf(this.homogeneous(keys), this.homogeneous(values));
  }

  private comprehension(c: ComprehensionExpr): CheckType {
    if (!c.iterRange || !c.accuInit || !c.loopCondition || !c.loopStep || !c.result) return ERROR;
    const range = this.check(c.iterRange);
    let iter: CheckType;
    if (range.kind === 'list') iter = range.elem;
    else if (range.kind === 'map') iter = range.key;
    else if (isDynamic(range)) iter = DYN;
    else iter = this.error(c.iterRange, `expression of type '${typeString(range)}' cannot be the range of a comprehension (must be list, map, or dynamic)`);
    let accu = this.check(c.accuInit);
    this.scopes.push(new Map([[c.accuVar, accu]]));
    this.scopes.push(new Map([[c.iterVar, iter]]));
    this.check(c.loopCondition);
    const step = this.check(c.loopStep);
    this.scopes.pop();
    // An empty-list accumulator (map, filter) takes the step's element type.
    if (accu.kind === 'list' && isDynamic(accu.elem) && step.kind === 'list') accu = step;
    this.scopes[this.scopes.length - 1] = new Map([[c.accuVar, accu]]);
    const result = this.check(c.result);
    this.scopes.pop();
    return result;
  }

  private noOverload(e: Expr, fn: string, target: CheckType | undefined, args: readonly CheckType[]): CheckType {
    const list = `(${args.map(typeString).join(', ')})`;
    return this.error(e, `found no matching overload for '${fn}' applied to '${target ? `${typeString(target)}.` : ''}${list}'`);
  }

  /** `sets.contains(...)` parses as a method call on `sets`; it names a namespaced function. */
  private qualifiedName(e: Expr): string | undefined {
    const k = e.exprKind;
    if (k.case === 'identExpr') return this.lookup(k.value.name) === undefined ? k.value.name : undefined;
    if (k.case === 'selectExpr' && k.value.operand && !k.value.testOnly) {
      const base = this.qualifiedName(k.value.operand);
      return base === undefined ? undefined : `${base}.${k.value.field}`;
    }
    return undefined;
  }

  private call(e: Expr, c: CallExpr): CheckType {
    const namespace = c.target ? this.qualifiedName(c.target) : undefined;
    const qualified = namespace !== undefined && this.env.functions.has(`${namespace}.${c.function}`);
    const target = c.target && !qualified ? this.check(c.target) : undefined;
    const args = c.args.map((a) => this.check(a));
    const fn = qualified ? `${namespace}.${c.function}` : c.function;
    if (target === undefined) {
      const special = this.builtin(e, fn, args);
      if (special !== undefined) return special;
    }
    const overloads = this.env.functions.get(fn);
    if (!overloads) return this.error(e, `undeclared reference to '${fn}' (in container '')`);
    if (args.some((a) => a.kind === 'error') || target?.kind === 'error') return ERROR;
    const matches = overloads.filter(
      (o) =>
        (o.target !== undefined) === (target !== undefined) &&
        o.params.length === args.length &&
        (o.target === undefined || target === undefined || isAssignable(o.target, target)) &&
        o.params.every((p, i) => isAssignable(p, args[i] ?? DYN)),
    );
    if (matches.length === 0) return this.noOverload(e, fn, target, args);
    return joinTypes(matches.map((m) => m.result));
  }

  /** Operators whose typing is parametric in cel-go; undefined for everything else. */
  private builtin(e: Expr, fn: string, args: readonly CheckType[]): CheckType | undefined {
    const [a = DYN, b = DYN, c = DYN] = args;
    if (args.some((x) => x.kind === 'error') && (LOGICAL.has(fn) || fn.startsWith('_') || fn.startsWith('@'))) {
      return fn === '_?_:_' || fn === '_[_]' ? ERROR : BOOL;
    }
    if (LOGICAL.has(fn) || fn === '@not_strictly_false') {
      if (!args.every((x) => isAssignable(BOOL, x))) return this.noOverload(e, fn, undefined, args);
      return BOOL;
    }
    if (fn === '_==_' || fn === '_!=_') {
      if (!isAssignable(a, b) && !isAssignable(b, a)) return this.noOverload(e, fn, undefined, args);
      return BOOL;
    }
    if (fn === '_?_:_') {
      if (!isAssignable(BOOL, a) || (!isAssignable(b, c) && !isAssignable(c, b))) return this.noOverload(e, fn, undefined, args);
      return joinTypes([b, c]);
    }
    if (fn === '_[_]') {
      if (a.kind === 'list' && isAssignable(INT, b)) return a.elem;
      if (a.kind === 'list' && isAssignable(UINT, b)) return a.elem;
      if (a.kind === 'map' && isAssignable(a.key, b)) return a.value;
      if (isDynamic(a)) return DYN;
      return this.noOverload(e, fn, undefined, args);
    }
    if (fn === '@in') {
      if (b.kind === 'list' && !isAssignable(b.elem, a)) return this.noOverload(e, fn, undefined, args);
      if (b.kind === 'map' && !isAssignable(b.key, a)) return this.noOverload(e, fn, undefined, args);
      if (b.kind !== 'list' && b.kind !== 'map' && !isDynamic(b)) return this.noOverload(e, fn, undefined, args);
      return BOOL;
    }
    return undefined;
  }
}

function constType(c: ConstExpr): CheckType {
  switch (c.constantKind.case) {
    case 'boolValue':
      return BOOL;
    case 'int64Value':
      return INT;
    case 'uint64Value':
      return UINT;
    case 'doubleValue':
      return DOUBLE;
    case 'stringValue':
      return STRING;
    case 'bytesValue':
      return BYTES;
    case 'nullValue':
      return NULL;
    case 'durationValue':
      return { kind: 'object', name: 'google.protobuf.Duration' };
    case 'timestampValue':
      return { kind: 'object', name: 'google.protobuf.Timestamp' };
    default:
      return DYN;
  }
}

/**
 * Type-checks `expr`; returns its output type and the issues found (empty when it checks).
 *
 * @example
 * const { type, issues } = checkExpression(parsed.expr, parsed.sourceInfo?.positions ?? {}, text, env);
 */
export function checkExpression(
  expr: Expr,
  positions: Readonly<Record<string, number>>,
  source: string,
  env: CheckEnv,
): { type: CheckType; issues: readonly CheckIssue[] } {
  const c = new Checker(env, positions, source);
  const type = c.check(expr);
  return { type, issues: c.issues };
}
