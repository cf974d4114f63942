/** doorman's CEL: kube's authentication environment, cel-go's compile messages, evaluation, cost limit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { celStringList, compileExpression, PER_CALL_COST_LIMIT } from '../../src/cel/index.js';
import { unescapeIdentifier } from '../../src/cel/escape.js';

function compileError(expr: string, variable: 'claims' | 'user', returns: 'bool' | 'any' = 'any'): string {
  const r = compileExpression(expr, variable, returns);
  assert.equal(r.ok, false, `${expr} should not compile`);
  return r.ok ? '' : r.error.detail;
}

function evaluate(expr: string, variable: 'claims' | 'user', input: unknown, returns: 'bool' | 'any' = 'any'): unknown {
  const r = compileExpression(expr, variable, returns);
  if (!r.ok) throw new Error(r.error.detail);
  const v = r.program.evaluate(input);
  return v.ok ? v.value : { error: v.error };
}

test("kube's compile_test cases, word for word", () => {
  assert.equal(compileError('claims.foo', 'claims', 'bool'), 'must evaluate to bool');
  assert.match(compileError("user.username == 'foo'", 'claims', 'bool'), /^compilation failed: ERROR: <input>:1:1: undeclared reference to 'user' \(in container ''\)/);
  assert.match(compileError('claims + 1', 'claims'), /^compilation failed: ERROR: <input>:1:8: found no matching overload for '_\+_' applied to '\(map\(string, any\), int\)'/);
  assert.equal(compileError('user.username', 'user', 'bool'), 'must evaluate to bool');
  assert.match(compileError('claims.foo', 'user'), /ERROR: <input>:1:1: undeclared reference to 'claims' \(in container ''\)/);
  assert.match(compileError("user.unknown == 'foo'", 'user', 'bool'), /ERROR: <input>:1:5: undefined field 'unknown'/);
});

test("compile errors carry cel-go's source line and caret", () => {
  assert.equal(
    compileError('claims + 1', 'claims'),
    "compilation failed: ERROR: <input>:1:8: found no matching overload for '_+_' applied to '(map(string, any), int)'\n | claims + 1\n | .......^",
  );
  assert.match(compileError('claims.a +', 'claims'), /^compilation failed: ERROR: <input>:1:\d+: Syntax error: /);
  assert.match(compileError("'x'.startsWith(1)", 'claims'), /found no matching overload for 'startsWith' applied to 'string\.\(int\)'/);
  assert.match(compileError('nope(1)', 'claims'), /undeclared reference to 'nope'/);
  assert.match(compileError("1 == 'a'", 'claims'), /found no matching overload for '_==_' applied to '\(int, string\)'/);
  assert.match(compileError("[1, 'a']", 'claims'), /expected type 'int' but found 'string'/);
  assert.match(compileError("user.groups.exists(g, g == 1)", 'user', 'bool'), /applied to '\(string, int\)'/);
});

test('output types: validation rules must be bool, mappings may be anything', () => {
  for (const ok of ["claims.email.endsWith('@example.com')", "has(claims.hd) && claims.hd == 'x'", "claims.groups.exists(g, g == 'a')", "'admin' in claims.groups", 'claims.exp > 0']) {
    assert.equal(compileExpression(ok, 'claims', 'bool').ok, true, ok);
  }
  for (const bad of ['claims.email_verified', 'claims.groups', "has(claims.x) ? claims.x : 'a'"]) assert.equal(compileError(bad, 'claims', 'bool'), 'must evaluate to bool');
  assert.equal(compileExpression("user.groups.all(g, !g.startsWith('system:'))", 'user', 'bool').ok, true);
});

test('claims: numbers are doubles, missing keys are errors, escaped names reach dotted claims', () => {
  assert.equal(evaluate('claims.n', 'claims', { n: 3 }), 3);
  assert.equal(evaluate('int(claims.n) == 3', 'claims', { n: 3 }), true);
  assert.deepEqual(evaluate('claims.hd', 'claims', {}), { error: 'no such key: hd' });
  assert.equal(evaluate('has(claims.hd)', 'claims', {}), false);
  assert.equal(evaluate('claims.kubernetes__dot__io.pod', 'claims', { 'kubernetes.io': { pod: 'p' } }), 'p');
  assert.equal(evaluate("claims['kubernetes.io'].pod", 'claims', { 'kubernetes.io': { pod: 'p' } }), 'p');
  // kube unescapes every string key looked up in claims and user.extra, index form included.
  assert.equal(evaluate("claims['kubernetes__dot__io'].pod", 'claims', { 'kubernetes.io': { pod: 'p' } }), 'p');
  assert.equal(evaluate("claims.a.list[0].x__dash__y", 'claims', { a: { list: [{ 'x-y': 1 }] } }), 1);
  assert.equal(evaluate("user.extra['example__dot__com'][0]", 'user', { username: 'u', extra: { 'example.com': ['v'] } }), 'v');
  assert.equal(evaluate("{'a__dot__b': 1}['a__dot__b']", 'claims', {}), 1n, 'a map the expression builds is not escaped');
  assert.equal(evaluate('user.extra.example__dot__com__slash__team[0]', 'user', { username: 'u', uid: '', groups: [], extra: { 'example.com/team': ['a'] } }), 'a');
  assert.deepEqual(evaluate('claims.toString', 'claims', {}), { error: 'no such key: toString' });
});

test('the Kubernetes identifier escapes', () => {
  assert.equal(unescapeIdentifier('kubernetes__dot__io'), 'kubernetes.io');
  assert.equal(unescapeIdentifier('a__dash__b__slash__c__underscores__d'), 'a-b/c__d');
  assert.equal(unescapeIdentifier('__namespace__'), 'namespace');
  assert.equal(unescapeIdentifier('x__namespace__'), undefined);
  assert.equal(unescapeIdentifier('a__bogus__b'), undefined);
  assert.equal(unescapeIdentifier('plain_name'), 'plain_name');
});

test('library: strings, lists, sets', () => {
  const claims = { s: 'A,b', g: ['b', 'a', 'a'], n: [3, 1, 2] };
  assert.equal(evaluate("claims.s.lowerAscii().split(',').size() == 2", 'claims', claims), true);
  assert.equal(evaluate("sets.contains(claims.g, ['a'])", 'claims', claims), true);
  assert.equal(evaluate("sets.intersects(claims.g, ['z'])", 'claims', claims), false);
  assert.equal(evaluate('claims.n.isSorted()', 'claims', claims), false);
  assert.equal(evaluate('claims.n.max()', 'claims', claims), 3);
  assert.equal(evaluate("claims.g.indexOf('a')", 'claims', claims), 1n);
  assert.deepEqual([...(evaluate('claims.g.distinct()', 'claims', claims) as Iterable<unknown>)], ['b', 'a']);
  assert.deepEqual([...(evaluate('claims.g.sort()', 'claims', claims) as Iterable<unknown>)], ['a', 'a', 'b']);
  assert.deepEqual([...(evaluate("claims.g.map(x, 'oidc:' + x)", 'claims', claims) as Iterable<unknown>)], ['oidc:b', 'oidc:a', 'oidc:a']);
});

test('each evaluation has a cost budget; an expensive one errors, the next one runs', () => {
  const r = compileExpression('claims.l.all(a, claims.l.all(b, claims.l.all(c, true)))', 'claims', 'bool');
  assert.ok(r.ok);
  assert.deepEqual(r.program.evaluate({ l: Array.from({ length: 200 }, (_, i) => i) }), { ok: false, error: 'operation cancelled: actual cost limit exceeded' });
  assert.deepEqual(r.program.evaluate({ l: [1, 2, 3] }), { ok: true, value: true });
  assert.equal(PER_CALL_COST_LIMIT, 1_000_000);
});

test('runtime errors are values, never throws', () => {
  assert.deepEqual(evaluate('claims.a + 1', 'claims', { a: 'x' }), { error: 'no such overload' });
  assert.deepEqual(evaluate('1 / claims.z', 'claims', { z: 0 }), { error: 'no such overload' }, 'claims are doubles: int / double has no overload at run time');
  assert.ok(typeof (evaluate('int(claims.z) / 0', 'claims', { z: 0 }) as { error?: string }).error === 'string');
});

test("kube's string-list conversion for groups and extra", () => {
  assert.deepEqual(celStringList('a'), { ok: true, values: ['a'] });
  assert.deepEqual(celStringList(''), { ok: true, values: [] });
  assert.deepEqual(celStringList(null), { ok: true, values: [] });
  const list = evaluate("['a', '', 'b']", 'claims', {});
  assert.deepEqual(celStringList(list as never), { ok: true, values: ['a', 'b'] });
  assert.deepEqual(celStringList(1n), { ok: false });
  assert.deepEqual(celStringList(evaluate('[1]', 'claims', {}) as never), { ok: false });
});

test("selects(): plain, presence-test and optional selections all count, as kube's hasSelectExp", () => {
  const uses = (expr: string, field: string): boolean => {
    const r = compileExpression(expr, 'claims', 'any');
    if (!r.ok) throw new Error(r.error.detail);
    return r.program.selects('claims', field);
  };
  assert.equal(uses('claims.email', 'email'), true);
  assert.equal(uses('has(claims.email)', 'email'), true);
  assert.equal(uses("claims.?email.orValue('')", 'email'), true);
  assert.equal(uses('{claims.?email: "panda"}', 'email'), true);
  assert.equal(uses("claims['email']", 'email'), false, 'an index is not a selection');
  assert.equal(uses('claims.emails', 'email'), false);
});
