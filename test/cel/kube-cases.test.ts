/**
 * Kubernetes' own CEL test cases, as data (test/fixtures/kube-cel-cases.json, gathered from
 * oidc_test.go, authentication/cel/compile_test.go, apiserver validation_test.go and the
 * pkg/cel/library tests): each expression compiles or fails as kube says, and evaluates to kube's
 * value or error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileExpression, type CelVariable } from '../../src/cel/index.js';
import { CelMap, CelUint, type CelValue } from '../../src/cel/value.js';

type Expected = { value: unknown } | { error: string };

interface EvaluateCase {
  name: string;
  variable: CelVariable;
  expression: string;
  input: unknown;
  expect: Expected;
  exact?: boolean;
}

interface CompileCase {
  name: string;
  variable: CelVariable;
  returns: 'bool' | 'any';
  expression: string;
  expectError: string | null;
  exact?: boolean;
}

interface LibraryCase {
  name: string;
  expression: string;
  expect: Expected;
  exact?: boolean;
  stage?: string;
  variables?: Record<string, unknown>;
}

const cases = JSON.parse(readFileSync(new URL('../fixtures/kube-cel-cases.json', import.meta.url), 'utf8')) as {
  evaluate: EvaluateCase[];
  compile: CompileCase[];
  library: LibraryCase[];
};

/** The fixture's JSON spelling of a CEL value: ints and uints tagged, lists and maps plain. */
function toFixture(v: CelValue): unknown {
  if (typeof v === 'bigint') return { int: v.toString() };
  if (v instanceof CelUint) return { uint: v.value.toString() };
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(toFixture);
  if (v instanceof CelMap) return Object.fromEntries([...v.pairs()].map(([k, x]) => [String(k instanceof CelUint ? k.value : k), toFixture(x)]));
  return v;
}

function check(name: string, expression: string, variable: CelVariable, input: unknown, expect: Expected, exact: boolean, stage?: string): void {
  const compiled = compileExpression(expression, variable, 'any');
  if (stage === 'compile') assert.equal(compiled.ok, false, `${name}: ${expression} should be refused when compiled`);
  if (!compiled.ok) {
    assert.ok('error' in expect, `${name}: ${expression} should compile: ${compiled.error.detail}`);
    if (exact) assert.equal(compiled.error.detail, expect.error, name);
    else assert.ok(compiled.error.detail.includes(expect.error), `${name}: ${JSON.stringify(compiled.error.detail)} should contain ${JSON.stringify(expect.error)}`);
    return;
  }
  const r = compiled.program.evaluate(input);
  if ('error' in expect) {
    assert.equal(r.ok, false, `${name}: ${expression} should fail, got ${r.ok ? String(toFixture(r.value)) : ''}`);
    if (!r.ok) {
      if (exact) assert.equal(r.error, expect.error, name);
      else assert.ok(r.error.includes(expect.error), `${name}: ${JSON.stringify(r.error)} should contain ${JSON.stringify(expect.error)}`);
    }
    return;
  }
  assert.ok(r.ok, `${name}: ${expression} failed: ${r.ok ? '' : r.error}`);
  if (r.ok) assert.deepEqual(toFixture(r.value), expect.value, `${name}: ${expression}`);
}

test('kube oidc_test.go expressions evaluate to kube values and errors', () => {
  assert.ok(cases.evaluate.length > 20);
  const failures: string[] = [];
  for (const c of cases.evaluate) {
    try {
      check(c.name, c.expression, c.variable, c.input, c.expect, c.exact !== false);
    } catch (e) {
      failures.push((e as Error).message.split('\n')[0] ?? '');
    }
  }
  assert.deepEqual(failures, []);
});

test('kube compile and validation cases: the same accept/refuse and message', () => {
  assert.ok(cases.compile.length > 10);
  const failures: string[] = [];
  for (const c of cases.compile) {
    const r = compileExpression(c.expression, c.variable, c.returns);
    if (c.expectError === null) {
      if (!r.ok) failures.push(`${c.name}: ${c.expression} should compile: ${r.error.detail}`);
    } else if (r.ok) failures.push(`${c.name}: ${c.expression} should not compile`);
    else if (c.exact !== false ? r.error.detail !== c.expectError : !r.error.detail.includes(c.expectError)) {
      failures.push(`${c.name}: got ${JSON.stringify(r.error.detail)}, want ${JSON.stringify(c.expectError)}`);
    }
  }
  assert.deepEqual(failures, []);
});

test("kube's CEL libraries: ip, cidr, url, quantity, semver, regex, lists, format, sets, two-variable comprehensions", () => {
  assert.ok(cases.library.length > 40);
  const failures: string[] = [];
  for (const c of cases.library) {
    try {
      // A case written against another environment's variable (`self`) reads the same data as claims.
      const expression = c.variables ? c.expression.replace(/\bself\./g, 'claims.') : c.expression;
      check(c.name, expression, 'claims', c.variables?.['self'] ?? c.variables ?? {}, c.expect, c.exact !== false, c.stage);
    } catch (e) {
      failures.push((e as Error).message.split('\n')[0] ?? '');
    }
  }
  assert.deepEqual(failures, []);
});
