/**
 * doorman's CEL: kube-apiserver's authentication environment (`claims` as `map(string, any)`,
 * `user` as `kubernetes.UserInfo`) over @bufbuild/cel. Expressions are parsed, type-checked and
 * planned once, at load, so a bad expression is a field error at start-up in cel-go's words
 * (`compilation failed: ERROR: <input>:1:8: ...`, `must evaluate to bool`); each evaluation runs
 * under a cost budget of kube's per-call limit and reports errors as text, never by throwing.
 */
import {
  CelScalar,
  celEnv,
  celFunc,
  isCelError,
  isCelList,
  mapType,
  parse,
  plan,
  type CelEnv,
  type CelInput,
  type CelValue,
} from '@bufbuild/cel';
import { checkExpression, type CheckEnv, type CheckIssue, type Expr, type Overload } from './check.js';
import { unescapeIdentifier } from './escape.js';
import { LIBRARY } from './library.js';
import { ANY, BOOL, STRING, fromCelType, listOf, mapOf, typeString, type CheckType } from './types.js';

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
  evaluate(value: unknown): CelEvaluation;
}

/** A compile failure, typed as kube's apiservercel.Error: rendered `Invalid value` or `Required value`. */
export interface CelCompileError {
  readonly type: 'Invalid' | 'Required';
  readonly detail: string;
}

export type CompileResult = { readonly ok: true; readonly program: CompiledExpression } | { readonly ok: false; readonly error: CelCompileError };

const COST_FUNCTION = '@doorman.cost';
const COST_EXCEEDED = 'operation cancelled: actual cost limit exceeded';

// Evaluation is synchronous, so one budget shared by all programs is enough: it is reset at the
// start of each evaluation and charged by the comprehension loops of the one running. Once it
// is spent every loop stops at its next condition and the evaluation reports the limit, whatever
// value the expression would have had.
let budget = 0;
let exceeded = false;
const costFunction = celFunc(COST_FUNCTION, [CelScalar.INT, CelScalar.DYN], CelScalar.DYN, (n, condition) => {
  budget -= Number(n);
  if (budget < 0) exceeded = true;
  return exceeded ? false : condition;
});

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

interface Environment {
  readonly runtime: CelEnv;
  readonly check: CheckEnv;
}

function environment(variable: CelVariable): Environment {
  const runtime = celEnv({ funcs: [...LIBRARY, costFunction], variables: { [variable]: mapType(CelScalar.STRING, CelScalar.DYN) } });
  const functions = new Map<string, Overload[]>();
  for (const f of runtime.funcs) {
    if (f.name === COST_FUNCTION) continue;
    const overload: Overload = {
      ...(f.target ? { target: fromCelType(f.target) } : {}),
      params: f.arguments.map(fromCelType),
      result: fromCelType(f.result),
    };
    functions.set(f.name, [...(functions.get(f.name) ?? []), overload]);
  }
  const type = variable === 'claims' ? mapOf(STRING, ANY) : USER_TYPE;
  return { runtime, check: { variables: new Map([[variable, type]]), functions } };
}

const ENVIRONMENTS: Readonly<Record<CelVariable, Environment>> = { claims: environment('claims'), user: environment('user') };

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

function visit(e: Expr | undefined, fn: (e: Expr) => void): void {
  if (!e) return;
  fn(e);
  const k = e.exprKind;
  switch (k.case) {
    case 'selectExpr':
      visit(k.value.operand, fn);
      break;
    case 'callExpr':
      visit(k.value.target, fn);
      for (const a of k.value.args) visit(a, fn);
      break;
    case 'listExpr':
      for (const a of k.value.elements) visit(a, fn);
      break;
    case 'structExpr':
      for (const entry of k.value.entries) {
        if (entry.keyKind.case === 'mapKey') visit(entry.keyKind.value, fn);
        visit(entry.value, fn);
      }
      break;
    case 'comprehensionExpr':
      for (const x of [k.value.iterRange, k.value.accuInit, k.value.loopCondition, k.value.loopStep, k.value.result]) visit(x, fn);
      break;
    default:
      break;
  }
}

function nodeCount(e: Expr | undefined): number {
  let n = 0;
  visit(e, () => n++);
  return n;
}

/**
 * Prepares a checked AST for planning: field selections undo Kubernetes' identifier escaping, and
 * every comprehension's loop condition is wrapped in a call that charges the budget (kube charges
 * cel-go's cost model; doorman charges each iteration the size of the loop's condition and step).
 */
function instrument(root: Expr): void {
  let nextId = 0n;
  visit(root, (e) => {
    if (e.id > nextId) nextId = e.id;
  });
  visit(root, (e) => {
    const k = e.exprKind;
    if (k.case === 'selectExpr') {
      const field = unescapeIdentifier(k.value.field);
      if (field !== undefined) k.value.field = field;
    } else if (k.case === 'comprehensionExpr' && k.value.loopCondition) {
      const condition = k.value.loopCondition;
      const cost = BigInt(Math.max(1, nodeCount(k.value.loopStep) + nodeCount(condition)));
      const charge = {
        $typeName: 'cel.expr.Expr',
        id: ++nextId,
        exprKind: {
          case: 'callExpr',
          value: {
            $typeName: 'cel.expr.Expr.Call',
            function: COST_FUNCTION,
            args: [
              { $typeName: 'cel.expr.Expr', id: ++nextId, exprKind: { case: 'constExpr', value: { $typeName: 'cel.expr.Constant', constantKind: { case: 'int64Value', value: cost } } } },
              condition,
            ],
          },
        },
      };
      k.value.loopCondition = charge as unknown as Expr;
    }
  });
}

/** cel-go's wording for the few runtime errors whose text differs in @bufbuild/cel. */
function runtimeMessage(m: string): string {
  const missing = /^field not found: (.*)$/.exec(m);
  if (missing) return `no such key: ${missing[1] ?? ''}`;
  return m;
}

/**
 * Parses, checks and plans one expression in the environment of `variable`.
 *
 * @example
 * const r = compileExpression("claims.email.endsWith('@example.com')", 'claims', 'bool');
 * if (r.ok) r.program.evaluate({ email: 'ada@example.com' }); // { ok: true, value: true }
 */
export function compileExpression(expression: string, variable: CelVariable, returns: CelReturnType): CompileResult {
  const env = ENVIRONMENTS[variable];
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (e) {
    const err = e as { rawMessage?: string; message?: string; location?: { start?: { offset?: number } } };
    const issue: CheckIssue = { offset: err.location?.start?.offset ?? 0, message: `Syntax error: ${err.rawMessage ?? err.message ?? String(e)}` };
    return { ok: false, error: { type: 'Invalid', detail: `compilation failed: ${formatIssues(expression, [issue])}` } };
  }
  const { type, issues } = checkExpression(parsed.expr, parsed.sourceInfo?.positions ?? {}, expression, env.check);
  if (issues.length > 0) return { ok: false, error: { type: 'Invalid', detail: `compilation failed: ${formatIssues(expression, issues)}` } };
  if (returns === 'bool' && typeString(type) !== typeString(BOOL)) return { ok: false, error: { type: 'Invalid', detail: 'must evaluate to bool' } };
  const selections = new Set<string>();
  visit(parsed.expr, (e) => {
    const k = e.exprKind;
    if (k.case === 'selectExpr' && k.value.operand?.exprKind.case === 'identExpr') selections.add(`${k.value.operand.exprKind.value.name}.${k.value.field}`);
  });
  instrument(parsed.expr);
  let run: (ctx: Record<string, CelInput>) => CelValue;
  try {
    const planned = plan(env.runtime, parsed);
    run = (ctx) => planned(ctx) as CelValue;
  } catch (e) {
    return { ok: false, error: { type: 'Invalid', detail: `program instantiation failed: ${(e as Error).message}` } };
  }
  const program: CompiledExpression = {
    expression,
    outputType: typeString(type),
    selects: (operand, field) => selections.has(`${operand}.${field}`),
    evaluate(value: unknown): CelEvaluation {
      budget = PER_CALL_COST_LIMIT;
      exceeded = false;
      try {
        const r = run({ [variable]: value as CelInput });
        if (exceeded) return { ok: false, error: COST_EXCEEDED };
        if (isCelError(r)) return { ok: false, error: runtimeMessage(r.message) };
        return { ok: true, value: r };
      } catch (e) {
        // @bufbuild/cel reports errors as values; a throw is a bug there, never a crash here.
        return { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
    },
  };
  return { ok: true, program };
}

/**
 * kube's convertCELValueToStringList: a string is one item (`""` none), a list must hold only
 * strings (empty ones dropped), `null` is nothing; anything else is an error.
 */
export function celStringList(v: CelValue): { ok: true; values: string[] } | { ok: false } {
  if (typeof v === 'string') return { ok: true, values: v === '' ? [] : [v] };
  if (v === null) return { ok: true, values: [] };
  if (isCelList(v)) {
    const out: string[] = [];
    for (const item of v as Iterable<CelValue>) {
      if (typeof item !== 'string') return { ok: false };
      if (item !== '') out.push(item);
    }
    return { ok: true, values: out };
  }
  return { ok: false };
}
