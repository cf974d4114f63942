/**
 * The static type checker, standing in for cel-go's: undeclared identifiers and functions,
 * unknown fields of declared object types, overload resolution (with type parameters) against
 * the environment's declarations, optional types, comprehension macros, homogeneous literals and
 * the expression's output type — so that a bad expression is refused at load with cel-go's
 * words. It also records, per call, the overloads that may apply, which the interpreter
 * dispatches among at run time, and the namespaced function a `ns.fn(...)` call names.
 */
import type { CallExpr, ComprehensionExpr, Expr, ListExpr, MapExpr, SelectExpr } from './ast.js';
import type { FunctionDecl, Overload } from './decl.js';
import {
  BOOL,
  BYTES,
  DOUBLE,
  DYN,
  ERROR,
  FREE,
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
  optionalOf,
  typeString,
  type CheckType,
} from './types.js';
import { CelUint, type CelValue } from './value.js';

export interface CheckEnv {
  readonly variables: ReadonlyMap<string, CheckType>;
  readonly functions: ReadonlyMap<string, FunctionDecl>;
}

export interface CheckIssue {
  /** Offset into the expression text. */
  readonly offset: number;
  readonly message: string;
}

export interface CheckResult {
  readonly type: CheckType;
  readonly issues: readonly CheckIssue[];
  /** Per call node id: the overloads left after static resolution. */
  readonly overloads: ReadonlyMap<number, readonly Overload[]>;
  /** Per call node id: the namespaced function (`sets.contains`) a method-style call names. */
  readonly qualified: ReadonlyMap<number, string>;
  /** Per select node id: the qualified type name (`net.IP`) it denotes, as a type value. */
  readonly typeRefs: ReadonlyMap<number, string>;
  /** Per node id: its checked type (the AST validators read literals' element types). */
  readonly types: ReadonlyMap<number, CheckType>;
}

/** The type names the declarations mention (`net.IP`), usable as type values in expressions. */
function declaredTypeNames(functions: ReadonlyMap<string, FunctionDecl>): ReadonlySet<string> {
  const names = new Set<string>();
  const visit = (t: CheckType): void => {
    if (t.kind === 'object') names.add(t.name);
    else if (t.kind === 'list' || t.kind === 'optional') visit(t.elem);
    else if (t.kind === 'map') {
      visit(t.key);
      visit(t.value);
    }
  };
  for (const d of functions.values()) {
    for (const o of d.overloads) {
      if (o.target) visit(o.target);
      o.params.forEach(visit);
      visit(o.result);
    }
  }
  return names;
}

const typeNameCache = new WeakMap<ReadonlyMap<string, FunctionDecl>, ReadonlySet<string>>();

/** Identifiers that name types (`type(x) == string`). */
export const TYPE_IDENTS: ReadonlySet<string> = new Set(['bool', 'int', 'uint', 'double', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'optional_type']);

/** Operators typed here rather than by declarations: their typing is parametric in cel-go. */
const SPECIAL: ReadonlySet<string> = new Set(['_&&_', '_||_', '@not_strictly_false', '_==_', '_!=_', '_?_:_', '_[_]', '_[?_]', '_?._', '@in']);

type Bindings = Map<string, CheckType>;

/** Unifies a declared parameter with an argument type, binding type parameters. */
function unify(p: CheckType, a: CheckType, b: Bindings): boolean {
  if (p.kind === 'param') {
    const bound = b.get(p.name);
    if (bound === undefined) b.set(p.name, a);
    else if (!isDynamic(a) && !isAssignable(bound, a)) return false;
    return true;
  }
  if (isDynamic(a) || isDynamic(p)) return true;
  if (p.kind === 'list') return a.kind === 'list' && unify(p.elem, a.elem, b);
  if (p.kind === 'map') return a.kind === 'map' && unify(p.key, a.key, b) && unify(p.value, a.value, b);
  if (p.kind === 'optional') return a.kind === 'optional' && unify(p.elem, a.elem, b);
  return isAssignable(p, a);
}

function substitute(t: CheckType, b: Bindings): CheckType {
  switch (t.kind) {
    case 'param':
      return b.get(t.name) ?? (t.name === '_' ? t : DYN);
    case 'list':
      return listOf(substitute(t.elem, b));
    case 'map':
      return mapOf(substitute(t.key, b), substitute(t.value, b));
    case 'optional':
      return optionalOf(substitute(t.elem, b));
    default:
      return t;
  }
}

function constType(v: CelValue): CheckType {
  if (v === null) return NULL;
  switch (typeof v) {
    case 'boolean':
      return BOOL;
    case 'bigint':
      return INT;
    case 'number':
      return DOUBLE;
    case 'string':
      return STRING;
    default:
      break;
  }
  if (v instanceof Uint8Array) return BYTES;
  if (v instanceof CelUint) return UINT;
  return DYN;
}

class Checker {
  readonly issues: CheckIssue[] = [];
  readonly overloads = new Map<number, readonly Overload[]>();
  readonly qualified = new Map<number, string>();
  readonly typeRefs = new Map<number, string>();
  readonly types = new Map<number, CheckType>();
  private readonly scopes: Map<string, CheckType>[] = [];
  private readonly typeNames: ReadonlySet<string>;

  constructor(private readonly env: CheckEnv) {
    let names = typeNameCache.get(env.functions);
    if (!names) {
      names = declaredTypeNames(env.functions);
      typeNameCache.set(env.functions, names);
    }
    this.typeNames = names;
  }

  private error(offset: number, message: string): CheckType {
    this.issues.push({ offset, message });
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
    const t = this.checkNode(e);
    this.types.set(e.id, t);
    return t;
  }

  private checkNode(e: Expr): CheckType {
    switch (e.kind) {
      case 'const':
        return constType(e.value);
      case 'ident': {
        const t = this.lookup(e.name);
        if (t !== undefined) return t;
        if (TYPE_IDENTS.has(e.name)) return TYPE;
        return this.error(e.offset, `undeclared reference to '${e.name}' (in container '')`);
      }
      case 'select':
        return this.select(e);
      case 'call':
        return this.call(e);
      case 'list':
        return this.list(e);
      case 'map':
        return this.map(e);
      case 'struct':
        return this.error(e.offset, `undeclared reference to '${e.name}' (in container '')`);
      case 'comprehension':
        return this.comprehension(e);
    }
  }

  /**
   * A literal's element type: the common type, or `dyn` when they differ. (Mixed literals are
   * refused afterwards by the homogeneous-literal validator, which exempts `format` arguments.)
   */
  private homogeneous(items: readonly { offset: number; t: CheckType }[]): CheckType {
    if (items.length === 0) return FREE;
    return joinTypes(items.map((i) => i.t).filter((t) => t.kind !== 'error'));
  }

  /** An optional element or entry contributes its inner type; anything else must be optional. */
  private unwrapOptional(offset: number, t: CheckType): CheckType {
    if (t.kind === 'optional') return t.elem;
    if (isDynamic(t)) return DYN;
    return this.error(offset, `expected type 'optional_type(${typeString(t)})' but found '${typeString(t)}'`);
  }

  private list(e: ListExpr): CheckType {
    const items = e.elements.map((x, i) => {
      const t = this.check(x);
      return { offset: x.offset, t: e.optional.has(i) ? this.unwrapOptional(x.offset, t) : t };
    });
    return listOf(this.homogeneous(items));
  }

  private map(e: MapExpr): CheckType {
    const keys: { offset: number; t: CheckType }[] = [];
    const values: { offset: number; t: CheckType }[] = [];
    for (const entry of e.entries) {
      const k = this.check(entry.key);
      keys.push({ offset: entry.key.offset, t: k });
      const v = this.check(entry.value);
      values.push({ offset: entry.value.offset, t: entry.optional ? this.unwrapOptional(entry.value.offset, v) : v });
    }
    return mapOf(this.homogeneous(keys), this.homogeneous(values));
  }

  /** The type of `operand.field` on a non-optional operand type. */
  private fieldOf(offset: number, operand: CheckType, field: string): CheckType {
    switch (operand.kind) {
      case 'object': {
        const f = operand.fields?.get(field);
        if (f !== undefined) return f;
        return operand.fields ? this.error(offset, `undefined field '${field}'`) : this.error(offset, `type '${typeString(operand)}' does not support field selection`);
      }
      case 'map':
        return operand.value;
      case 'dyn':
      case 'any':
      case 'param':
      case 'error':
        return DYN;
      default:
        return this.error(offset, `type '${typeString(operand)}' does not support field selection`);
    }
  }

  private select(e: SelectExpr): CheckType {
    const qualified = e.test ? undefined : this.qualifiedName(e);
    if (qualified !== undefined && this.typeNames.has(qualified)) {
      this.typeRefs.set(e.id, qualified);
      return TYPE;
    }
    const operand = this.check(e.operand);
    if (operand.kind === 'optional') {
      // Selection on an optional propagates absence: `a.?b.c` is optional.
      const inner = this.fieldOf(e.offset, operand.elem, e.field);
      return e.test ? BOOL : inner.kind === 'error' ? inner : optionalOf(inner);
    }
    const t = this.fieldOf(e.offset, operand, e.field);
    return e.test ? BOOL : t;
  }

  private comprehension(c: ComprehensionExpr): CheckType {
    let range = this.check(c.range);
    const isOpt = c.macro === 'optMap' || c.macro === 'optFlatMap';
    let v1: CheckType = DYN;
    let v2: CheckType | undefined;
    if (isOpt) {
      if (range.kind === 'optional') v1 = range.elem;
      else if (!isDynamic(range)) v1 = this.error(c.range.offset, `found no matching overload for '${c.macro}' applied to '${typeString(range)}'`);
    } else if (range.kind === 'list') {
      if (c.var2 !== undefined) {
        v1 = INT;
        v2 = range.elem;
      } else v1 = range.elem;
    } else if (range.kind === 'map') {
      v1 = range.key;
      if (c.var2 !== undefined) v2 = range.value;
    } else if (isDynamic(range)) {
      range = DYN;
      if (c.var2 !== undefined) v2 = DYN;
    } else {
      v1 = this.error(c.range.offset, `expression of type '${typeString(range)}' cannot be the range of a comprehension (must be list, map, or dynamic)`);
    }
    const scope = new Map<string, CheckType>([[c.var, v1]]);
    if (c.var2 !== undefined) scope.set(c.var2, v2 ?? DYN);
    this.scopes.push(scope);
    try {
      if (c.filter) this.requireBool(c.filter, this.check(c.filter), c.macro === 'map' ? '_?_:_' : '_?_:_');
      const body = this.check(c.body);
      switch (c.macro) {
        case 'all':
          this.requireBool(c.body, body, '_&&_');
          return BOOL;
        case 'exists':
          this.requireBool(c.body, body, '_||_');
          return BOOL;
        case 'exists_one':
          this.requireBool(c.body, body, '_?_:_');
          return BOOL;
        case 'filter':
          this.requireBool(c.body, body, '_?_:_');
          return range.kind === 'list' ? listOf(range.elem) : range.kind === 'map' ? listOf(range.key) : listOf(DYN);
        case 'map':
        case 'transformList':
          return listOf(body);
        case 'transformMap':
          return mapOf(range.kind === 'map' ? range.key : range.kind === 'list' ? INT : DYN, body);
        case 'transformMapEntry':
          if (body.kind === 'map') return body;
          if (isDynamic(body)) return mapOf(DYN, DYN);
          return this.error(c.body.offset, `found no matching overload for '_+_' applied to '(map(dyn, dyn), ${typeString(body)})'`);
        case 'optMap':
          return optionalOf(body);
        case 'sortBy': {
          const comparable = ['int', 'uint', 'double', 'bool', 'string', 'bytes', 'google.protobuf.Duration', 'google.protobuf.Timestamp'];
          if (!isDynamic(body) && !comparable.includes(typeString(body))) {
            return this.error(c.offset, `found no matching overload for '@sortByAssociatedKeys' applied to '${typeString(range)}.(list(${typeString(body)}))'`);
          }
          return range.kind === 'list' ? range : listOf(DYN);
        }
        case 'optFlatMap':
          if (body.kind === 'optional') return body;
          if (isDynamic(body)) return optionalOf(DYN);
          return this.error(c.body.offset, `found no matching overload for '_?_:_' applied to '(bool, ${typeString(body)}, optional_type(dyn))'`);
      }
    } finally {
      this.scopes.pop();
    }
  }

  private requireBool(e: Expr, t: CheckType, op: string): void {
    if (!isAssignable(BOOL, t)) this.error(e.offset, `found no matching overload for '${op}' applied to '(bool, ${typeString(t)})'`);
  }

  private noOverload(e: CallExpr, fn: string, target: CheckType | undefined, args: readonly CheckType[]): CheckType {
    const list = `(${args.map(typeString).join(', ')})`;
    return this.error(e.offset, `found no matching overload for '${fn}' applied to '${target ? `${typeString(target)}.` : ''}${list}'`);
  }

  /** `sets.contains(...)` parses as a method call on `sets`; it names a namespaced function. */
  private qualifiedName(e: Expr): string | undefined {
    if (e.kind === 'ident') return this.lookup(e.name) === undefined ? e.name : undefined;
    if (e.kind === 'select' && !e.test) {
      const base = this.qualifiedName(e.operand);
      return base === undefined ? undefined : `${base}.${e.field}`;
    }
    return undefined;
  }

  private call(e: CallExpr): CheckType {
    const namespace = e.target ? this.qualifiedName(e.target) : undefined;
    const qualified = namespace !== undefined && this.env.functions.has(`${namespace}.${e.fn}`);
    const fn = qualified ? `${namespace}.${e.fn}` : e.fn;
    if (qualified) this.qualified.set(e.id, fn);
    const target = e.target && !qualified ? this.check(e.target) : undefined;
    const args = e.args.map((a) => this.check(a));
    if (target === undefined && SPECIAL.has(fn)) return this.special(e, fn, args);
    const decl = this.env.functions.get(fn);
    if (!decl) return this.error(e.offset, `undeclared reference to '${fn}' (in container '')`);
    if (args.some((a) => a.kind === 'error') || target?.kind === 'error') return ERROR;
    const results: CheckType[] = [];
    const matched: Overload[] = [];
    for (const o of decl.overloads) {
      if ((o.target !== undefined) !== (target !== undefined) || o.params.length !== args.length) continue;
      const b: Bindings = new Map();
      if (o.target !== undefined && target !== undefined && !unify(o.target, target, b)) continue;
      if (!o.params.every((p, i) => unify(p, args[i] ?? DYN, b))) continue;
      matched.push(o);
      results.push(substitute(o.result, b));
    }
    if (matched.length === 0) return this.noOverload(e, fn, target, args);
    this.overloads.set(e.id, matched);
    return joinTypes(results);
  }

  /** Indexing, optional selection and the logical and equality operators. */
  private special(e: CallExpr, fn: string, args: readonly CheckType[]): CheckType {
    const [a = DYN, b = DYN, c = DYN] = args;
    if (args.some((x) => x.kind === 'error')) return fn === '_?_:_' || fn.includes('[') || fn === '_?._' ? ERROR : BOOL;
    switch (fn) {
      case '_&&_':
      case '_||_':
      case '@not_strictly_false':
        if (!args.every((x) => isAssignable(BOOL, x))) return this.noOverload(e, fn, undefined, args);
        return BOOL;
      case '_==_':
      case '_!=_':
        if (!isAssignable(a, b) && !isAssignable(b, a)) return this.noOverload(e, fn, undefined, args);
        return BOOL;
      case '_?_:_':
        if (!isAssignable(BOOL, a) || (!isAssignable(b, c) && !isAssignable(c, b))) return this.noOverload(e, fn, undefined, args);
        return joinTypes([b, c]);
      case '@in':
        if (b.kind === 'list' && !isAssignable(b.elem, a)) return this.noOverload(e, fn, undefined, args);
        if (b.kind === 'map' && !isAssignable(b.key, a)) return this.noOverload(e, fn, undefined, args);
        if (b.kind !== 'list' && b.kind !== 'map' && !isDynamic(b)) return this.noOverload(e, fn, undefined, args);
        return BOOL;
      case '_?._': {
        const field = e.args[1]?.kind === 'const' ? String(e.args[1].value) : '';
        const operand = a.kind === 'optional' ? a.elem : a;
        const t = this.fieldOf(e.offset, operand, field);
        return t.kind === 'error' ? t : optionalOf(t);
      }
      default: {
        // _[_] and _[?_]; indexing an optional container propagates absence.
        const optional = fn === '_[?_]' || a.kind === 'optional';
        const container = a.kind === 'optional' ? a.elem : a;
        let t: CheckType;
        if (container.kind === 'list' && (isAssignable(INT, b) || isAssignable(UINT, b))) t = container.elem;
        else if (container.kind === 'map' && isAssignable(container.key, b)) t = container.value;
        else if (isDynamic(container)) t = DYN;
        else return this.noOverload(e, '_[_]', undefined, [container, b]);
        return optional ? optionalOf(t) : t;
      }
    }
  }
}

/**
 * Type-checks `expr` in `env`; returns its output type, the issues found (empty when it checks)
 * and the call resolutions the interpreter needs.
 *
 * @example
 * const { type, issues } = checkExpression(parse("claims.email.endsWith('@x')"), env);
 */
export function checkExpression(expr: Expr, env: CheckEnv): CheckResult {
  const c = new Checker(env);
  const type = c.check(expr);
  return { type, issues: c.issues, overloads: c.overloads, qualified: c.qualified, typeRefs: c.typeRefs, types: c.types };
}

