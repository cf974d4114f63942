/**
 * The interpreter: a checked AST is turned once into a tree of closures, so evaluation only
 * looks things up. Errors are values (cel-go's semantics: `false && <error>` is false, a
 * function given an error returns it), never exceptions past `run`. Every evaluated call,
 * selection and comprehension step is charged against the per-call cost limit.
 */
import type { CallExpr, ComprehensionExpr, Expr } from './ast.js';
import type { CheckResult } from './check.js';
import { TYPE_IDENTS } from './check.js';
import type { FunctionDecl, Overload } from './decl.js';
import { sortByKeys } from './lists.js';
import { goFormatG } from './lib/strings.js';
import type { CheckType } from './types.js';
import {
  CelDuration,
  CelEvalError,
  CelMap,
  CelObject,
  CelOpaque,
  CelOptional,
  CelTimestamp,
  CelTypeValue,
  CelUint,
  celEquals,
  typeNameOf,
  type CelKey,
  type CelValue,
} from './value.js';

/** An error travelling as a value through the evaluation. */
export class ErrorValue {
  constructor(readonly message: string) {}
}

type Result = CelValue | ErrorValue;

/** The state of one evaluation: variable slots and the remaining cost budget. */
export interface Frame {
  readonly slots: CelValue[];
  budget: number;
}

type Node = (f: Frame) => Result;

export const COST_EXCEEDED = 'operation cancelled: actual cost limit exceeded';

class CostExceeded extends Error {}

function charge(f: Frame, n: number): void {
  f.budget -= n;
  if (f.budget < 0) throw new CostExceeded(COST_EXCEEDED);
}

const isErr = (v: Result): v is ErrorValue => v instanceof ErrorValue;
const NO_OVERLOAD = 'no such overload';

/** Whether a runtime value fits a declared parameter type (dispatch for `dyn` arguments). */
function fits(t: CheckType, v: CelValue): boolean {
  switch (t.kind) {
    case 'dyn':
    case 'any':
    case 'param':
    case 'error':
      return true;
    case 'scalar':
      switch (t.name) {
        case 'bool':
          return typeof v === 'boolean';
        case 'int':
          return typeof v === 'bigint';
        case 'uint':
          return v instanceof CelUint;
        case 'double':
          return typeof v === 'number';
        case 'string':
          return typeof v === 'string';
        case 'bytes':
          return v instanceof Uint8Array;
        case 'null_type':
          return v === null;
      }
      return false;
    case 'list':
      return Array.isArray(v);
    case 'map':
      return v instanceof CelMap;
    case 'optional':
      return v instanceof CelOptional;
    case 'type':
      return v instanceof CelTypeValue;
    case 'object':
      if (t.name === 'google.protobuf.Timestamp') return v instanceof CelTimestamp;
      if (t.name === 'google.protobuf.Duration') return v instanceof CelDuration;
      if (v instanceof CelOpaque) return v.typeName === t.name;
      return v instanceof CelObject && v.typeName === t.name;
  }
}

function asKey(v: CelValue): CelKey | undefined {
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint' || v instanceof CelUint) return v;
  return undefined;
}

/** `container[index]` with cel-go's messages; `optional` gives none instead of a missing-key error. */
function index(container: CelValue, idx: CelValue, optional: boolean): Result {
  if (Array.isArray(container)) {
    let k: bigint;
    if (typeof idx === 'bigint') k = idx;
    else if (idx instanceof CelUint) k = idx.value;
    else if (typeof idx === 'number' && Number.isInteger(idx)) k = BigInt(idx);
    else if (typeof idx === 'number') return new ErrorValue(`unsupported index value ${goFormatG(idx)} in list`);
    else return new ErrorValue(`unsupported index type '${typeNameOf(idx)}' in list`);
    if (k >= 0n && k < BigInt(container.length)) {
      const v = container[Number(k)] as CelValue;
      return optional ? CelOptional.of(v) : v;
    }
    return optional ? CelOptional.NONE : new ErrorValue(`index out of bounds: ${k}`);
  }
  if (container instanceof CelMap) {
    const v = container.get(idx);
    if (v !== undefined) return optional ? CelOptional.of(v) : v;
    if (optional) return CelOptional.NONE;
    return new ErrorValue(`no such key: ${keyText(idx)}`);
  }
  if (container instanceof CelObject && typeof idx === 'string') {
    const v = container.fields.get(idx);
    if (v !== undefined) return optional ? CelOptional.of(v) : v;
    return optional ? CelOptional.NONE : new ErrorValue(`no such key: ${idx}`);
  }
  return new ErrorValue(NO_OVERLOAD);
}

function keyText(k: CelValue): string {
  if (k instanceof CelUint) return k.value.toString();
  return String(k);
}

/** A field selection (escaped names are the map's business: see CelMap). */
function select(operand: CelValue, field: string, test: boolean): Result {
  if (operand instanceof CelMap) {
    const v = operand.get(field);
    if (test) return v !== undefined;
    return v === undefined ? new ErrorValue(`no such key: ${field}`) : v;
  }
  if (operand instanceof CelObject) {
    const v = operand.fields.get(field);
    if (test) return v !== undefined;
    return v === undefined ? new ErrorValue(`no such key: ${field}`) : v;
  }
  // cel-go: a presence test on a value that is no container finds nothing.
  if (test) return false;
  return new ErrorValue(`no such key: ${field}`);
}

export interface Compiled {
  /** Runs with the root variable in slot 0; never throws. */
  run(root: CelValue, budget: number): { readonly value: CelValue } | { readonly error: string };
}

class Compiler {
  private readonly scopes: Map<string, number>[] = [];
  private slotCount = 1;

  constructor(
    private readonly checked: CheckResult,
    private readonly functions: ReadonlyMap<string, FunctionDecl>,
    private readonly rootName: string,
  ) {}

  get slots(): number {
    return this.slotCount;
  }

  private slotOf(name: string): number | undefined {
    for (let k = this.scopes.length - 1; k >= 0; k--) {
      const s = this.scopes[k]?.get(name);
      if (s !== undefined) return s;
    }
    return name === this.rootName ? 0 : undefined;
  }

  compile(e: Expr): Node {
    switch (e.kind) {
      case 'const': {
        const v = e.value;
        return () => v;
      }
      case 'ident': {
        const slot = this.slotOf(e.name);
        if (slot !== undefined) return (f) => f.slots[slot] as CelValue;
        if (TYPE_IDENTS.has(e.name)) {
          const t = new CelTypeValue(e.name === 'optional_type' ? 'optional_type' : e.name);
          return () => t;
        }
        const msg = `undeclared reference to '${e.name}'`;
        return () => new ErrorValue(msg);
      }
      case 'select': {
        const typeRef = this.checked.typeRefs.get(e.id);
        if (typeRef !== undefined) {
          const t = new CelTypeValue(typeRef);
          return () => t;
        }
        const operand = this.compile(e.operand);
        const field = e.field;
        const test = e.test;
        return (f) => {
          charge(f, 1);
          const o = operand(f);
          if (isErr(o)) return o;
          if (o instanceof CelOptional) {
            // Selection on an optional value propagates absence; a presence test is plain bool.
            if (!o.present) return test ? false : o;
            return test ? select(o.inner, field, true) : optionalSelect(o.inner, field);
          }
          return select(o, field, test);
        };
      }
      case 'list': {
        const elements = e.elements.map((x) => this.compile(x));
        const optional = e.optional;
        return (f) => {
          charge(f, 1);
          const out: CelValue[] = [];
          for (let k = 0; k < elements.length; k++) {
            const v = (elements[k] as Node)(f);
            if (isErr(v)) return v;
            if (optional.has(k)) {
              if (!(v instanceof CelOptional)) return new ErrorValue(NO_OVERLOAD);
              if (v.present) out.push(v.inner);
            } else out.push(v);
          }
          return out;
        };
      }
      case 'map': {
        const entries = e.entries.map((x) => ({ key: this.compile(x.key), value: this.compile(x.value), optional: x.optional }));
        return (f) => {
          charge(f, 1);
          const m = new CelMap();
          for (const entry of entries) {
            const k = entry.key(f);
            if (isErr(k)) return k;
            const key = asKey(k);
            if (key === undefined) return new ErrorValue(`unsupported key type: ${typeof k === 'number' ? 'double' : 'value'}`);
            const v = entry.value(f);
            if (isErr(v)) return v;
            let value: CelValue = v;
            if (entry.optional) {
              if (!(v instanceof CelOptional)) return new ErrorValue(NO_OVERLOAD);
              if (!v.present) continue;
              value = v.inner;
            }
            if (!m.set(key, value)) return new ErrorValue(`Failed with repeated key: ${keyText(key)}`);
          }
          return m;
        };
      }
      case 'struct':
        return () => new ErrorValue(`unknown type: ${e.name}`);
      case 'comprehension':
        return this.comprehension(e);
      case 'call':
        return this.call(e);
    }
  }

  private call(e: CallExpr): Node {
    const name = this.checked.qualified.get(e.id) ?? e.fn;
    const qualified = this.checked.qualified.has(e.id);
    const args = e.args.map((a) => this.compile(a));
    switch (name) {
      case '_&&_':
      case '_||_':
        if (!qualified && !e.target) return logical(name === '_&&_', args[0] as Node, args[1] as Node);
        break;
      case '@not_strictly_false':
        return (f) => {
          const v = (args[0] as Node)(f);
          return typeof v === 'boolean' ? v : true;
        };
      case '_?_:_': {
        const [c, a, b] = args as [Node, Node, Node];
        return (f) => {
          const v = c(f);
          if (isErr(v)) return v;
          if (typeof v !== 'boolean') return new ErrorValue(NO_OVERLOAD);
          return v ? a(f) : b(f);
        };
      }
      case '_==_':
      case '_!=_': {
        const negate = name === '_!=_';
        return binary(args, (x, y) => {
          try {
            return celEquals(x, y) !== negate;
          } catch (err) {
            // A library type's equality may fail (kube's quantity can); that is the expression's error.
            if (err instanceof CelEvalError) return new ErrorValue(err.message);
            throw err;
          }
        });
      }
      case '@in':
        return binary(args, (x, c, f) => {
          if (Array.isArray(c)) {
            charge(f, c.length);
            return c.some((v: CelValue) => celEquals(v, x));
          }
          if (c instanceof CelMap) return c.has(x);
          return new ErrorValue(NO_OVERLOAD);
        });
      case '_[_]':
      case '_[?_]': {
        const optional = name === '_[?_]';
        return binary(args, (c, k) => (c instanceof CelOptional ? (c.present ? index(c.inner, k, true) : c) : index(c, k, optional)));
      }
      case '_?._': {
        const a = args[0] as Node;
        const field = String(e.args[1]?.kind === 'const' ? e.args[1].value : '');
        return (f) => {
          charge(f, 1);
          const o = a(f);
          if (isErr(o)) return o;
          if (o instanceof CelOptional) return o.present ? optionalSelect(o.inner, field) : o;
          return optionalSelect(o, field);
        };
      }
      default:
        break;
    }
    const target = e.target && !qualified ? this.compile(e.target) : undefined;
    const overloads = this.checked.overloads.get(e.id) ?? this.functions.get(name)?.overloads.filter((o) => (o.target !== undefined) === (target !== undefined)) ?? [];
    const all = target ? [target, ...args] : args;
    return dispatch(overloads, all, target !== undefined);
  }

  private comprehension(c: ComprehensionExpr): Node {
    const range = this.compile(c.range);
    const s1 = this.slotCount++;
    const s2 = c.var2 !== undefined ? this.slotCount++ : -1;
    const scope = new Map<string, number>([[c.var, s1]]);
    if (c.var2 !== undefined) scope.set(c.var2, s2);
    this.scopes.push(scope);
    const body = this.compile(c.body);
    const filter = c.filter ? this.compile(c.filter) : undefined;
    this.scopes.pop();
    const macro = c.macro;
    const two = c.var2 !== undefined;

    if (macro === 'optMap' || macro === 'optFlatMap') {
      return (f) => {
        const o = range(f);
        if (isErr(o)) return o;
        if (!(o instanceof CelOptional)) return new ErrorValue(NO_OVERLOAD);
        if (!o.present) return o;
        f.slots[s1] = o.inner;
        const v = body(f);
        if (isErr(v) || macro === 'optFlatMap') return v;
        return CelOptional.of(v);
      };
    }

    return (f) => {
      const r = range(f);
      if (isErr(r)) return r;
      // Each step binds (var) or (var, var2): list element, or index and element; map key, or key and value.
      let steps: [CelValue, CelValue][];
      if (Array.isArray(r)) steps = r.map((v: CelValue, k: number) => (two ? [BigInt(k), v] : [v, null]));
      else if (r instanceof CelMap) steps = [...r.pairs()].map(([k, v]) => (two ? [k, v] : [k, null]));
      else return new ErrorValue(NO_OVERLOAD);
      const bind = (step: [CelValue, CelValue]): void => {
        f.slots[s1] = step[0];
        if (two) f.slots[s2] = step[1];
      };
      // map and the transform macros: per step the filter (if any), then the body, whose value
      // goes to `emit`; the first error (of the filter, the body or `emit`) ends the loop.
      const transform = (emit: (step: [CelValue, CelValue], v: CelValue) => ErrorValue | undefined): ErrorValue | undefined => {
        for (const step of steps) {
          charge(f, 1);
          bind(step);
          const keep = filter ? truth(filter, f) : true;
          if (isErr(keep)) return keep;
          if (!keep) continue;
          const v = body(f);
          if (isErr(v)) return v;
          const stop = emit(step, v);
          if (stop) return stop;
        }
        return undefined;
      };
      switch (macro) {
        case 'all':
        case 'exists': {
          const want = macro === 'exists';
          let error: ErrorValue | undefined;
          for (const step of steps) {
            charge(f, 1);
            bind(step);
            const v = body(f);
            if (v === want) return want;
            if (isErr(v)) error ??= v;
            else if (typeof v !== 'boolean') error ??= new ErrorValue(NO_OVERLOAD);
          }
          return error ?? !want;
        }
        case 'exists_one': {
          let n = 0;
          for (const step of steps) {
            charge(f, 1);
            bind(step);
            const v = truth(body, f);
            if (isErr(v)) return v;
            if (v) n++;
          }
          return n === 1;
        }
        case 'sortBy': {
          if (!Array.isArray(r)) return new ErrorValue(NO_OVERLOAD);
          const keys: CelValue[] = [];
          for (const step of steps) {
            charge(f, 1);
            bind(step);
            const k = body(f);
            if (isErr(k)) return k;
            keys.push(k);
          }
          try {
            return sortByKeys(r, keys);
          } catch (err) {
            if (err instanceof CelEvalError) return new ErrorValue(err.message);
            throw err;
          }
        }
        case 'filter': {
          const out: CelValue[] = [];
          for (const step of steps) {
            charge(f, 1);
            bind(step);
            const v = truth(body, f);
            if (isErr(v)) return v;
            if (v) out.push(step[0]);
          }
          return out;
        }
        case 'map':
        case 'transformList': {
          const out: CelValue[] = [];
          return transform((_, v) => void out.push(v)) ?? out;
        }
        default: {
          // transformMap and transformMapEntry build a map.
          const out = new CelMap();
          const error = transform((step, v) => {
            if (macro === 'transformMap') {
              const key = asKey(step[0]);
              if (key !== undefined) out.set(key, v);
              return undefined;
            }
            if (!(v instanceof CelMap)) return new ErrorValue(NO_OVERLOAD);
            for (const [k, x] of v.pairs()) {
              if (!out.set(k, x)) return new ErrorValue(`insert failed: key ${keyText(k)} already exists`);
            }
            return undefined;
          });
          return error ?? out;
        }
      }
    };
  }
}

/** A two-operand operator: both operands evaluated, the first error returned, then `op`. */
function binary(args: readonly Node[], op: (x: CelValue, y: CelValue, f: Frame) => Result): Node {
  const [a, b] = args as [Node, Node];
  return (f) => {
    charge(f, 1);
    const x = a(f);
    if (isErr(x)) return x;
    const y = b(f);
    if (isErr(y)) return y;
    return op(x, y, f);
  };
}

/** A predicate's value: its bool, or its error (a non-bool is no such overload). */
function truth(node: Node, f: Frame): boolean | ErrorValue {
  const v = node(f);
  if (isErr(v)) return v;
  return typeof v === 'boolean' ? v : new ErrorValue(NO_OVERLOAD);
}

/** `operand.?field`: the field's value as an optional, none when absent. */
function optionalSelect(operand: CelValue, field: string): Result {
  if (operand instanceof CelMap) {
    const v = operand.get(field);
    return v === undefined ? CelOptional.NONE : CelOptional.of(v);
  }
  if (operand instanceof CelObject) {
    const v = operand.fields.get(field);
    return v === undefined ? CelOptional.NONE : CelOptional.of(v);
  }
  return new ErrorValue(`no such key: ${field}`);
}

/** cel-go's commutative `&&`/`||`: a deciding operand wins over an error on the other side. */
function logical(and: boolean, a: Node, b: Node): Node {
  const decisive = !and;
  return (f) => {
    const x = a(f);
    if (x === decisive) return decisive;
    const y = b(f);
    if (y === decisive) return decisive;
    if (isErr(x)) return x;
    if (isErr(y)) return y;
    if (typeof x !== 'boolean' || typeof y !== 'boolean') return new ErrorValue(NO_OVERLOAD);
    return !decisive;
  };
}

function dispatch(overloads: readonly Overload[], args: readonly Node[], member: boolean): Node {
  const only = overloads.length === 1 ? overloads[0] : undefined;
  return (f) => {
    charge(f, 1);
    const values: CelValue[] = [];
    for (const a of args) {
      const v = a(f);
      if (isErr(v)) return v;
      values.push(v);
    }
    let chosen = only;
    if (!chosen || !matches(chosen, values, member)) {
      chosen = undefined;
      for (const o of overloads) {
        if (matches(o, values, member)) {
          chosen = o;
          break;
        }
      }
    }
    if (!chosen) return new ErrorValue(NO_OVERLOAD);
    if (chosen.cost) charge(f, chosen.cost(values));
    try {
      return chosen.impl(values);
    } catch (err) {
      if (err instanceof CelEvalError) return new ErrorValue(err.message);
      if (err instanceof CostExceeded) throw err;
      return new ErrorValue(err instanceof Error ? err.message : String(err));
    }
  };
}

function matches(o: Overload, values: readonly CelValue[], member: boolean): boolean {
  let k = 0;
  if (member) {
    if (!o.target || !fits(o.target, values[0] as CelValue)) return false;
    k = 1;
  }
  if (o.params.length !== values.length - k) return false;
  for (let p = 0; p < o.params.length; p++) if (!fits(o.params[p] as CheckType, values[p + k] as CelValue)) return false;
  return true;
}

/**
 * Plans a checked expression whose one variable is `rootName`.
 *
 * @example
 * const program = plan(expr, checked, functions, 'claims');
 * program.run(CelMap.fromJSON({ sub: 'a' }), 1_000_000);
 */
export function plan(expr: Expr, checked: CheckResult, functions: ReadonlyMap<string, FunctionDecl>, rootName: string): Compiled {
  const compiler = new Compiler(checked, functions, rootName);
  const node = compiler.compile(expr);
  const slots = compiler.slots;
  return {
    run(root, budget) {
      const frame: Frame = { slots: new Array<CelValue>(slots).fill(null), budget };
      frame.slots[0] = root;
      try {
        const v = node(frame);
        return isErr(v) ? { error: v.message } : { value: v };
      } catch (err) {
        if (err instanceof CostExceeded) return { error: COST_EXCEEDED };
        // A bug here must not take the server down: report it as the expression's error.
        return { error: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}
