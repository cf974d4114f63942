/**
 * doorman's CEL: kube-apiserver's authentication environment (`claims` as `map(string, any)`,
 * `user` as `kubernetes.UserInfo`) with the libraries kube-apiserver's base environment carries.
 * Expressions are parsed, type-checked and planned once, at load, so a bad expression is a field
 * error at start-up in cel-go's words (`compilation failed: ERROR: <input>:1:8: ...`,
 * `must evaluate to bool`); each evaluation runs under kube's per-call cost limit and reports
 * errors as text, never by throwing.
 */
import type { Expr } from './ast.js';
import { walk } from './ast.js';
import { checkExpression, type CheckEnv, type CheckIssue } from './check.js';
import type { FunctionDecl } from './decl.js';
import { plan } from './eval.js';
import { LIBRARIES } from './lib/index.js';
import { EXT_LISTS, KUBE_LISTS, SETS } from './lists.js';
import { OPTIONAL } from './optional.js';
import { parse, ParseError, type ParseOptions } from './parse.js';
import { STANDARD } from './stdlib.js';
import { KUBERNETES_TARGET } from '../version.js';
import { programError, validateAST } from './validate.js';
import { ANY, BOOL, STRING, listOf, mapOf, typeString, type CheckType } from './types.js';
import { CelMap, CelObject, fromJSON, type CelValue } from './value.js';

export type { CelValue } from './value.js';

/** kube-apiserver's `PerCallLimit`: the cost one evaluation of one expression may spend. */
export const PER_CALL_COST_LIMIT = 1_000_000;

/** The variable an expression sees: claim rules and mappings see `claims`, user rules `user`. */
export type CelVariable = 'claims' | 'user';

/** What an expression must return: `bool` for validation rules, anything for mappings. */
export type CelReturnType = 'bool' | 'any';

export type CelEvaluation = { readonly ok: true; readonly value: CelValue } | { readonly ok: false; readonly error: string };

/** A compiled expression; `evaluate` never throws. */
export interface CompiledExpression {
  readonly expression: string;
  /** The checked output type, in cel-go's spelling. */
  readonly outputType: string;
  /** True when the expression selects `<operand>.<field>` anywhere (kube's hasSelectExp). */
  selects(operand: string, field: string): boolean;
  /** Evaluates against the variable's value: decoded JSON claims, or a user info object. */
  evaluate(value: unknown): CelEvaluation;
}

/** A compile failure, typed as kube's apiservercel.Error: rendered `Invalid value` or `Required value`. */
export interface CelCompileError {
  readonly type: 'Invalid' | 'Required';
  readonly detail: string;
}

export type CompileResult = { readonly ok: true; readonly program: CompiledExpression } | { readonly ok: false; readonly error: CelCompileError };

const USER_TYPE: CheckType = {
  kind: 'object',
  name: 'kubernetes.UserInfo',
  fields: new Map<string, CheckType>([
    ['username', STRING],
    ['uid', STRING],
    ['groups', listOf(STRING)],
    ['extra', mapOf(STRING, listOf(STRING))],
  ]),
};

/** The kube-apiserver minor release whose CEL environment doorman follows unless asked for another. */
export const DEFAULT_CEL_RELEASE = Number(KUBERNETES_TARGET.minor);

/** One release's environment: its declarations (merged by name) and its macros. */
interface Environment {
  readonly functions: ReadonlyMap<string, FunctionDecl>;
  readonly parse: ParseOptions;
  readonly check: Readonly<Record<CelVariable, CheckEnv>>;
}

function buildEnvironment(minor: number): Environment {
  const groups: { since: number; decls: readonly FunctionDecl[] }[] = [
    { since: 0, decls: STANDARD },
    { since: 28, decls: OPTIONAL },
    { since: 0, decls: KUBE_LISTS },
    { since: 29, decls: SETS },
    { since: 34, decls: EXT_LISTS },
    ...LIBRARIES,
  ];
  const byName = new Map<string, FunctionDecl>();
  for (const g of groups) {
    if (g.since > minor) continue;
    for (const d of g.decls) {
      const prev = byName.get(d.name);
      byName.set(d.name, prev ? { name: d.name, overloads: [...prev.overloads, ...d.overloads] } : d);
    }
  }
  return {
    functions: byName,
    parse: { twoVariableComprehensions: minor >= 32, sortBy: minor >= 34 },
    check: {
      claims: { variables: new Map([['claims', mapOf(STRING, ANY)]]), functions: byName },
      user: { variables: new Map([['user', USER_TYPE]]), functions: byName },
    },
  };
}

const environments = new Map<number, Environment>();

/** The environment of kube-apiserver 1.`minor` (StoredExpressions: every library that release knows). */
function environmentFor(minor: number): Environment {
  let env = environments.get(minor);
  if (!env) {
    env = buildEnvironment(minor);
    environments.set(minor, env);
  }
  return env;
}

/** cel-go's issue rendering: `ERROR: <input>:L:C: msg` plus the source line and a caret. */
function formatIssues(source: string, issues: readonly CheckIssue[]): string {
  const lines = source.split('\n');
  return [...issues]
    .sort((a, b) => a.offset - b.offset)
    .map((i) => {
      let line = 0;
      let start = 0;
      while (line < lines.length - 1 && start + (lines[line]?.length ?? 0) < i.offset) {
        start += (lines[line]?.length ?? 0) + 1;
        line++;
      }
      const text = lines[line] ?? '';
      const col = [...text.slice(0, i.offset - start)].length + 1;
      return `ERROR: <input>:${line + 1}:${col}: ${i.message}\n | ${text}\n | ${'.'.repeat(col - 1)}^`;
    })
    .join('\n');
}

/** Builds the runtime value of `user` from a user info (missing fields are their zero values). */
function userValue(v: unknown): CelValue {
  const u = (v ?? {}) as { username?: unknown; uid?: unknown; groups?: unknown; extra?: unknown };
  const extra = CelMap.fromJSON((u.extra ?? {}) as Record<string, unknown>);
  return new CelObject(
    'kubernetes.UserInfo',
    new Map<string, CelValue>([
      ['username', typeof u.username === 'string' ? u.username : ''],
      ['uid', typeof u.uid === 'string' ? u.uid : ''],
      ['groups', Array.isArray(u.groups) ? u.groups.map(fromJSON) : []],
      ['extra', extra],
    ]),
  );
}

// One token's claims are evaluated by several expressions: convert them once.
const converted = new WeakMap<object, CelValue>();

function rootValue(variable: CelVariable, v: unknown): CelValue {
  if (v instanceof CelObject || v instanceof CelMap) return v;
  const key = (v ?? {}) as object;
  let out = converted.get(key);
  if (out === undefined) {
    out = variable === 'user' ? userValue(v) : CelMap.fromJSON(key as Record<string, unknown>);
    converted.set(key, out);
  }
  return out;
}

/**
 * Parses, checks and plans one expression in the environment of `variable`, as kube-apiserver
 * 1.`release` compiles it (default: 1.35).
 *
 * @example
 * const r = compileExpression("claims.email.endsWith('@example.com')", 'claims', 'bool');
 * if (r.ok) r.program.evaluate({ email: 'ada@example.com' }); // { ok: true, value: true }
 */
export function compileExpression(expression: string, variable: CelVariable, returns: CelReturnType, release: number = DEFAULT_CEL_RELEASE): CompileResult {
  const environment = environmentFor(release);
  const env = environment.check[variable];
  let parsed: Expr;
  try {
    parsed = parse(expression, environment.parse);
  } catch (e) {
    const issues: readonly CheckIssue[] = e instanceof ParseError ? e.issues : [{ offset: 0, message: `Syntax error: ${String(e)}` }];
    return { ok: false, error: { type: 'Invalid', detail: `compilation failed: ${formatIssues(expression, issues)}` } };
  }
  const checked = checkExpression(parsed, env);
  const issues = checked.issues.length > 0 ? checked.issues : validateAST(parsed, checked.types);
  if (issues.length > 0) return { ok: false, error: { type: 'Invalid', detail: `compilation failed: ${formatIssues(expression, issues)}` } };
  if (returns === 'bool' && typeString(checked.type) !== typeString(BOOL)) return { ok: false, error: { type: 'Invalid', detail: 'must evaluate to bool' } };
  const selections = new Set<string>();
  walk(parsed, (e) => {
    if (e.kind === 'select' && e.operand.kind === 'ident') selections.add(`${e.operand.name}.${e.field}`);
    // kube counts an optional selection (`claims.?email`) as a use of the claim too.
    if (e.kind === 'call' && e.fn === '_?._' && !e.target) {
      const [operand, field] = e.args;
      if (operand?.kind === 'ident' && field?.kind === 'const' && typeof field.value === 'string') selections.add(`${operand.name}.${field.value}`);
    }
  });
  const instantiation = programError(parsed);
  if (instantiation !== undefined) return { ok: false, error: { type: 'Invalid', detail: `program instantiation failed: ${instantiation}` } };
  const program = plan(parsed, checked, environment.functions, variable);
  const compiled: CompiledExpression = {
    expression,
    outputType: typeString(checked.type),
    selects: (operand, field) => selections.has(`${operand}.${field}`),
    evaluate(value: unknown): CelEvaluation {
      const r = program.run(rootValue(variable, value), PER_CALL_COST_LIMIT);
      return 'error' in r ? { ok: false, error: r.error } : { ok: true, value: r.value };
    },
  };
  return { ok: true, program: compiled };
}

/**
 * kube's convertCELValueToStringList: a string is one item (`""` none), a list must hold only
 * strings (empty ones dropped), `null` is nothing; anything else is an error.
 */
export function celStringList(v: CelValue): { ok: true; values: string[] } | { ok: false } {
  if (typeof v === 'string') return { ok: true, values: v === '' ? [] : [v] };
  if (v === null) return { ok: true, values: [] };
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const item of v as readonly CelValue[]) {
      if (typeof item !== 'string') return { ok: false };
      if (item !== '') out.push(item);
    }
    return { ok: true, values: out };
  }
  return { ok: false };
}
