/**
 * cel-go's AST validators as kube-apiserver's environment enables them (1.29+): duration and
 * timestamp literals must parse, a constant `matches` pattern must compile, and list and map
 * literals must be homogeneous (except inside a `format` call, which takes mixed lists). Also the
 * program-time check kube's regex library makes: a constant `find`/`findAll` pattern that does
 * not compile fails program instantiation.
 */
import { walk, type Expr } from './ast.js';
import type { CheckIssue } from './check.js';
import { compileRE2 } from './lib/re2.js';
import { parseDuration, parseTimestamp } from './stdlib.js';
import { equivalent, joinTypes, typeString, type CheckType } from './types.js';
import { CelEvalError } from './value.js';

function stringLiteral(e: Expr | undefined): string | undefined {
  return e?.kind === 'const' && typeof e.value === 'string' ? e.value : undefined;
}

function fails(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (e) {
    if (e instanceof CelEvalError) return true;
    throw e;
  }
}

/** The literal checks cel-go names `invalid <function> argument`. */
const LITERAL_CHECKS: Readonly<Record<string, (s: string) => unknown>> = {
  duration: parseDuration,
  timestamp: parseTimestamp,
  matches: compileRE2,
};

/**
 * Runs the validators over a checked expression; `types` holds each node's checked type.
 *
 * @example
 * validateAST(parse("duration('1x')"), checked.types) // [{ offset: 9, message: 'invalid duration argument' }]
 */
export function validateAST(root: Expr, types: ReadonlyMap<number, CheckType>): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const mismatch = (e: Expr, want: CheckType, got: CheckType): void => {
    issues.push({ offset: e.offset, message: `expected type '${typeString(want)}' but found '${typeString(got)}'` });
  };
  const elementType = (e: Expr, optional: boolean): CheckType | undefined => {
    const t = types.get(e.id);
    return optional && t?.kind === 'optional' ? t.elem : t;
  };
  const visit = (e: Expr, inFormat: boolean): void => {
    switch (e.kind) {
      case 'call': {
        // cel-go checks the first argument of the call (for `matches(s, p)` that is `s`).
        const check = e.target && e.fn !== 'matches' ? undefined : LITERAL_CHECKS[e.fn];
        const literal = stringLiteral(e.args[0]);
        if (check && literal !== undefined && fails(() => check(literal))) issues.push({ offset: e.args[0]?.offset ?? e.offset, message: `invalid ${e.fn} argument` });
        if (e.target) visit(e.target, false);
        for (const a of e.args) visit(a, e.fn === 'format');
        return;
      }
      case 'list': {
        if (!inFormat) {
          let first: CheckType | undefined;
          for (let i = 0; i < e.elements.length; i++) {
            const x = e.elements[i] as Expr;
            const t = elementType(x, e.optional.has(i));
            if (t === undefined || t.kind === 'error') continue;
            if (first === undefined) first = t;
            else if (!equivalent(first, t)) {
              mismatch(x, first, t);
              break;
            } else first = joinTypes([first, t]);
          }
        }
        for (const x of e.elements) visit(x, inFormat);
        return;
      }
      case 'map': {
        if (!inFormat) {
          let key: CheckType | undefined;
          let value: CheckType | undefined;
          for (const entry of e.entries) {
            const kt = types.get(entry.key.id);
            const vt = elementType(entry.value, entry.optional);
            if (kt === undefined || vt === undefined) continue;
            if (key === undefined || value === undefined) {
              key = kt;
              value = vt;
              continue;
            }
            if (!equivalent(key, kt) && kt.kind !== 'error') mismatch(entry.key, key, kt);
            else key = joinTypes([key, kt]);
            if (!equivalent(value, vt) && vt.kind !== 'error') mismatch(entry.value, value, vt);
            else value = joinTypes([value, vt]);
          }
        }
        for (const x of e.entries) {
          visit(x.key, inFormat);
          visit(x.value, inFormat);
        }
        return;
      }
      case 'select':
        visit(e.operand, false);
        return;
      case 'comprehension':
        visit(e.range, false);
        if (e.filter) visit(e.filter, false);
        visit(e.body, false);
        return;
      default:
        return;
    }
  };
  visit(root, false);
  return issues;
}

/** kube's regex library compiles constant `find`/`findAll` patterns when the program is built. */
export function programError(root: Expr): string | undefined {
  let error: string | undefined;
  walk(root, (e) => {
    if (error !== undefined || e.kind !== 'call' || !e.target || (e.fn !== 'find' && e.fn !== 'findAll')) return;
    const pattern = stringLiteral(e.args[0]);
    if (pattern === undefined) return;
    try {
      compileRE2(pattern);
    } catch (err) {
      if (!(err instanceof CelEvalError)) throw err;
      error = err.message;
    }
  });
  return error;
}
