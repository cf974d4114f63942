/**
 * doorman's CEL interpreter against cel-go's semantics: optional syntax and functions,
 * two-variable comprehensions, error absorption by `&&`/`||`, overflow, conversions with Go's
 * formatting, timestamps and durations, namespaced functions, type values and the cost limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpression, type CelVariable } from '../../src/cel/index.js';
import { parseDuration } from '../../src/cel/stdlib.js';
import { goFormatG } from '../../src/cel/lib/strings.js';
import { CelMap, CelOptional, CelUint, type CelValue } from '../../src/cel/value.js';

function run(expr: string, input: unknown = {}, variable: CelVariable = 'claims'): CelValue | { error: string } {
  const r = compileExpression(expr, variable, 'any');
  if (!r.ok) throw new Error(r.error.detail);
  const v = r.program.evaluate(input);
  return v.ok ? v.value : { error: v.error };
}

function typeOf(expr: string, variable: CelVariable = 'claims'): string {
  const r = compileExpression(expr, variable, 'any');
  if (!r.ok) throw new Error(r.error.detail);
  return r.program.outputType;
}

function compileError(expr: string, variable: CelVariable = 'claims'): string {
  const r = compileExpression(expr, variable, 'any');
  assert.equal(r.ok, false, `${expr} should not compile`);
  return r.ok ? '' : r.error.detail;
}

const plain = (v: CelValue | { error: string }): unknown => {
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof CelMap) return Object.fromEntries([...v.pairs()].map(([k, x]) => [String(k), plain(x)]));
  if (v instanceof CelOptional) return v.present ? { some: plain(v.inner) } : 'none';
  if (v instanceof CelUint) return `${v.value}u`;
  return v;
};

test('optional syntax: .? and [?] select, chain and absorb absence; orValue, hasValue, value', () => {
  const claims = { a: { b: { c: 'deep' } }, list: ['x'], n: null };
  assert.equal(run("claims.?a.?b.?c.orValue('none')", claims), 'deep');
  assert.equal(run("claims.?a.?missing.?c.orValue('none')", claims), 'none');
  assert.equal(run("claims.?a.b.c.orValue('none')", claims), 'deep');
  assert.equal(run('claims.?nope.hasValue()', claims), false);
  assert.equal(run("claims[?'a'].hasValue()", claims), true);
  assert.equal(run('claims.list[?0].value()', claims), 'x');
  assert.equal(run('claims.list[?5].hasValue()', claims), false);
  assert.equal(run('claims.?n.hasValue()', claims), true, 'a null claim is present');
  assert.deepEqual(run('optional.none().value()'), { error: 'optional.none() dereference' });
  assert.equal(run("optional.none().or(optional.of('b')).value()"), 'b');
  assert.equal(run("optional.ofNonZeroValue('').hasValue()"), false);
  assert.equal(run('optional.ofNonZeroValue(1).hasValue()'), true);
  assert.deepEqual(plain(run('[?claims.?list, ?claims.?zz, claims.n]', claims)), [['x'], null]);
  assert.deepEqual(plain(run('[?claims.?a.?b.?c, ?optional.of(claims.list[0])]', claims)), ['deep', 'x']);
  assert.deepEqual(plain(run("{?'k': claims.?list, ?'z': claims.?zz}", claims)), { k: ['x'] });
  assert.deepEqual(plain(run('claims.?list.optMap(l, l.size())', claims)), { some: 1n });
  assert.equal(run('claims.?zz.optMap(l, l.size())', claims) instanceof CelOptional, true);
  assert.deepEqual(plain(run('claims.?a.optFlatMap(x, x.?b)', claims)), { some: { c: 'deep' } });
  assert.equal(typeOf("claims.?a.orValue('x')"), 'any');
  assert.equal(typeOf('optional.of(1)'), 'optional_type(int)');
  assert.equal(typeOf("user.?username.orValue('')", 'user'), 'string');
  assert.match(compileError("optional.of(1).orValue('s')"), /found no matching overload for 'orValue' applied to 'optional_type\(int\)\.\(string\)'/);
});

test('two-variable comprehensions: all, exists, existsOne, transformList, transformMap, transformMapEntry', () => {
  const claims = { l: ['a', 'b', 'c'], m: { x: 'one', y: 'two' } };
  assert.equal(run('claims.l.all(i, v, i < 3 && v.size() == 1)', claims), true);
  assert.equal(run("claims.l.exists(i, v, i == 1 && v == 'b')", claims), true);
  assert.equal(run("claims.m.existsOne(k, v, v.startsWith('t'))", claims), true);
  assert.deepEqual(plain(run("claims.l.transformList(i, v, string(i) + v)", claims)), ['0a', '1b', '2c']);
  assert.deepEqual(plain(run("claims.l.transformList(i, v, i > 0, v)", claims)), ['b', 'c']);
  assert.deepEqual(plain(run("claims.m.transformMap(k, v, k + ':' + v)", claims)), { x: 'x:one', y: 'y:two' });
  assert.deepEqual(plain(run("claims.m.transformMap(k, v, k == 'y', v)", claims)), { y: 'two' });
  assert.deepEqual(plain(run('claims.m.transformMapEntry(k, v, {v: k})', claims)), { one: 'x', two: 'y' });
  assert.deepEqual(run("{'a': 'x', 'b': 'x'}.transformMapEntry(k, v, {v: k})"), { error: 'insert failed: key x already exists' });
  assert.equal(typeOf("['a'].transformList(i, v, i)"), 'list(int)');
  assert.equal(typeOf("{'a': 1}.transformMap(k, v, v > 0)"), 'map(string, bool)');
  assert.match(compileError('[1].all(i, i, true)'), /duplicate variable name: i/);
  assert.match(compileError('[1].all(1, true)'), /argument must be a simple name/);
});

test("errors are values: && and || absorb them when the other side decides, as in cel-go", () => {
  assert.equal(run("false && claims.missing == 'x'"), false);
  assert.equal(run("claims.missing == 'x' && false"), false);
  assert.equal(run("claims.missing == 'x' || true"), true);
  assert.deepEqual(run("claims.missing == 'x' || false"), { error: 'no such key: missing' });
  assert.deepEqual(run("true && claims.missing == 'x'"), { error: 'no such key: missing' });
  assert.equal(run("claims.l.exists(x, x == 'b')", { l: [1, 'b'] }), true, 'exists ignores an error when another element decides');
  assert.equal(run("claims.l.all(x, x == 'b')", { l: [1, 'b'] }), false, 'heterogeneous equality is false, not an error');
  assert.deepEqual(run("claims.l.all(x, x.startsWith('b'))", { l: [1, 'b'] }), { error: 'no such overload' });
  assert.equal(run("claims.l.all(x, x.startsWith('b'))", { l: [1, 'a'] }), false, 'all: a false wins over an error');
  assert.deepEqual(run('claims.s.size() + 1', { s: 5 }), { error: 'no such overload' });
});

test('integers: 64-bit overflow, division and modulus by zero, uint', () => {
  assert.deepEqual(run('9223372036854775807 + 1'), { error: 'integer overflow' });
  assert.deepEqual(run('-9223372036854775808 - 1'), { error: 'integer overflow' });
  assert.equal(run('-9223372036854775808'), -(2n ** 63n));
  assert.deepEqual(run('1 / 0'), { error: 'division by zero' });
  assert.deepEqual(run('1 % 0'), { error: 'modulus by zero' });
  assert.equal(run('7 / -2'), -3n);
  assert.equal(run('-7 % 3'), -1n);
  assert.deepEqual(run('0u - 1u'), { error: 'unsigned integer overflow' });
  assert.deepEqual(plain(run('uint(3) * 2u')), '6u');
  assert.match(compileError('9223372036854775808'), /invalid int literal/);
  assert.match(compileError('1 + 1u'), /found no matching overload for '_\+_' applied to '\(int, uint\)'/);
  assert.equal(run('1 < 1.5 && 2u > 1 && 1.0 == dyn(1)'), true, 'cross-type numeric comparison and equality');
});

test("conversions with Go's formatting and errors", () => {
  assert.equal(goFormatG(1700000000), '1.7e+09');
  assert.equal(goFormatG(123456), '123456');
  assert.equal(goFormatG(1234567), '1.234567e+06');
  assert.equal(goFormatG(0.5), '0.5');
  assert.equal(goFormatG(0.00001), '1e-05');
  assert.equal(goFormatG(0.0001), '0.0001');
  assert.equal(goFormatG(3), '3');
  assert.equal(goFormatG(-2.5), '-2.5');
  assert.equal(goFormatG(Infinity), '+Inf');
  assert.equal(run('string(claims.n)', { n: 42 }), '42');
  assert.equal(run('int(claims.n)', { n: 42.9 }), 42n);
  assert.equal(run("int('-12')"), -12n);
  assert.deepEqual(run("int('1x')"), { error: 'strconv.ParseInt: parsing "1x": invalid syntax' });
  assert.deepEqual(run("int('99999999999999999999')"), { error: 'strconv.ParseInt: parsing "99999999999999999999": value out of range' });
  assert.deepEqual(run('int(1e19)'), { error: 'integer overflow' });
  assert.equal(run("double('1.5')"), 1.5);
  assert.equal(run("bool('true') && !bool('F')"), true);
  assert.deepEqual(run("string(b'\\xff')"), { error: 'invalid UTF-8 in bytes, cannot convert to string' });
  assert.equal(run("bytes('é').size()"), 2n);
  assert.equal(run("'héllo'.size()"), 5n);
  assert.equal(run("type(1) == int && type('a') == string && type(claims) == map && type(null) == null_type"), true);
  assert.match(compileError("[dyn(1), 'a']"), /ERROR: <input>:1:10: expected type 'dyn' but found 'string'/, 'literals are homogeneous, dyn included');
  assert.match(compileError("{'a': 1, 'b': 'x', 2: 3}"), /1:15: expected type 'int' but found 'string'[^]*1:20: expected type 'string' but found 'int'/);
  assert.equal(run("'%s and %d'.format(['a', 1])"), 'a and 1', 'a format argument may be mixed');
});

test('timestamps and durations: parsing, arithmetic, getters in UTC and in a zone', () => {
  assert.equal(run("timestamp('2024-03-10T12:34:56Z').getFullYear()"), 2024n);
  assert.equal(run("timestamp('2024-03-10T12:34:56Z').getMonth()"), 2n);
  assert.equal(run("timestamp('2024-03-10T12:34:56Z').getDayOfMonth()"), 9n);
  assert.equal(run("timestamp('2024-03-10T12:34:56Z').getDate()"), 10n);
  assert.equal(run("timestamp('2024-03-10T12:34:56Z').getDayOfWeek()"), 0n);
  assert.equal(run("timestamp('2024-03-10T12:34:56Z').getHours('America/New_York')"), 8n);
  assert.equal(run("timestamp('2024-03-10T12:34:56Z').getHours('+05:30')"), 18n);
  assert.equal(run("timestamp('2024-03-10T12:34:56.789+01:00').getMilliseconds()"), 789n);
  assert.equal(run("string(timestamp('2024-03-10T12:34:56.500+01:00'))"), '2024-03-10T11:34:56.5Z');
  assert.deepEqual(run('timestamp(claims.exp) > timestamp(claims.iat)', { exp: 1700000100, iat: 1700000000 }), { error: 'no such overload' }, 'claims are doubles: timestamp(double) has no overload');
  assert.equal(run('timestamp(int(claims.exp)) - timestamp(int(claims.iat)) == duration("100s")', { exp: 1700000100, iat: 1700000000 }), true);
  assert.equal(run("duration('1h30m') == duration('90m')"), true);
  assert.equal(run("string(duration('1.5s'))"), '1.5s');
  assert.equal(run("duration('2h').getMinutes()"), 120n);
  assert.deepEqual(run('duration(claims.d)', { d: '1x' }), { error: 'time: unknown unit "x" in duration "1x"' });
  assert.deepEqual(run('duration(claims.d)', { d: '10' }), { error: 'time: missing unit in duration "10"' });
  assert.match(compileError("duration('1x')"), /ERROR: <input>:1:10: invalid duration argument/, 'a constant is checked at compile time');
  assert.match(compileError("timestamp('2024-13-01T00:00:00Z')"), /invalid timestamp argument/);
  assert.match(compileError("'a'.matches('(')"), /ERROR: <input>:1:13: invalid matches argument/);
  assert.match(compileError("'a'.find('(')"), /^program instantiation failed: error parsing regexp: missing closing \): `\(`$/);
  assert.equal(parseDuration('-1.5h').nanos, -5_400_000_000_000n);
  assert.equal((run('timestamp(claims.t)', { t: 'x' }) as { error: string }).error.startsWith('parsing time "x"'), true);
});

test('namespaced functions, type values, has() and macros on maps', () => {
  assert.equal(run("sets.intersects(['a'], ['a', 'b'])"), true);
  assert.deepEqual(plain(run('lists.range(3)')), [0n, 1n, 2n]);
  assert.equal(run("has(claims.a.b)", { a: { b: 1 } }), true);
  assert.equal(run("has(claims.a.c)", { a: { b: 1 } }), false);
  assert.equal(run('has(claims.s.x)', { s: 'text' }), false, 'a presence test on a scalar finds nothing');
  assert.deepEqual(run('claims.s.x', { s: 'text' }), { error: 'no such key: x' });
  assert.deepEqual(run('claims.l[3]', { l: [1] }), { error: 'index out of bounds: 3' });
  assert.deepEqual(plain(run('claims.m.map(k, k)', { m: { p: 1, q: 2 } })), ['p', 'q']);
  assert.deepEqual(plain(run('claims.m.filter(k, claims.m[k] > 1.0)', { m: { p: 1, q: 2 } })), ['q']);
  assert.deepEqual(plain(run('[1, 2, 3].map(x, x > 1, x * 10)')), [20n, 30n]);
  assert.equal(run("[1, 2, 2].exists_one(x, x == 1) && [1].existsOne(x, x == 1)"), true);
  assert.match(compileError('has(claims)'), /invalid argument to has\(\) macro/);
  assert.match(compileError('Foo{a: 1}'), /undeclared reference to 'Foo'/);
  assert.match(compileError('var'), /reserved identifier: var/);
  assert.match(compileError("claims.a = 'x'"), /ERROR: <input>:1:10: Syntax error: token recognition error at: '= '\n.*\n.*\nERROR: <input>:1:12: Syntax error: extraneous input ''x'' expecting <EOF>/);
});

test('the cost limit stops a runaway expression; the next evaluation has a fresh budget', () => {
  const r = compileExpression('lists.range(1000).all(a, lists.range(1000).all(b, a + b >= 0))', 'claims', 'bool');
  assert.ok(r.ok);
  assert.deepEqual(r.program.evaluate({}), { ok: false, error: 'operation cancelled: actual cost limit exceeded' });
  const small = compileExpression('lists.range(10).all(a, lists.range(10).all(b, a + b >= 0))', 'claims', 'bool');
  assert.ok(small.ok);
  assert.deepEqual(small.program.evaluate({}), { ok: true, value: true });
});

test('the lists extension at version 3: sort and sortBy on comparable keys, lists.range bounds', () => {
  assert.deepEqual(plain(run("['b', 'c', 'a'].sort()")), ['a', 'b', 'c']);
  // Go orders strings by UTF-8 bytes (code points), not UTF-16 units: U+FFFF before U+1F600.
  assert.equal(run("['\\uffff', '\\U0001F600'].isSorted() && ['\\U0001F600', '\\uffff'].min() == '\\uffff'"), true);
  assert.deepEqual(plain(run("claims.users.sortBy(u, u.age).map(u, u.name)", { users: [{ name: 'x', age: 30 }, { name: 'y', age: 20 }, { name: 'z', age: 25 }] })), ['y', 'z', 'x']);
  assert.deepEqual(run('claims.l.sort()', { l: [1, 'a'] }), { error: 'list elements must have the same type' });
  assert.deepEqual(run('claims.l.sort()', { l: [[1], [2]] }), { error: 'list elements must be comparable' });
  assert.match(compileError('[[1], [2]].sort()'), /found no matching overload for 'sort' applied to 'list\(list\(int\)\)\.\(\)'/);
  assert.match(compileError("{'a': 1}.sortBy(k, k)"), /sortBy can only be applied to a list, identifier, comprehension, call or select expression/);
  assert.deepEqual(run('lists.range(-1)'), { error: 'lists.range: size must be non-negative, got -1' });
  assert.match(compileError('[1].first()'), /undeclared reference to 'first'/, 'first/last are not in kube\'s lists version');
});

test('each release compiles with the libraries and macros its environment has (StoredExpressions)', () => {
  const compiles = (expr: string, release: number): boolean => compileExpression(expr, 'claims', 'any', release).ok;
  const cases: [string, number][] = [
    ["claims.l.transformList(i, v, v)", 32],
    ["claims.l.all(i, v, i >= 0)", 32],
    ["isIP('1.2.3.4')", 30],
    ["cidr('10.0.0.0/8').prefixLength()", 30],
    ['format.dns1123Label().validate(claims.s).hasValue()', 31],
    ["semver('1.2.3').major()", 33],
    ['claims.l.sortBy(x, x)', 34],
    ['lists.range(3)', 34],
    ["sets.contains(['a'], ['a'])", 29],
    ["'a,b'.split(',')", 29],
  ];
  for (const [expr, since] of cases) {
    assert.equal(compiles(expr, since - 1), false, `${expr} is not in 1.${since - 1}`);
    assert.equal(compiles(expr, since), true, `${expr} is in 1.${since}`);
    assert.equal(compiles(expr, 35), true, `${expr} is in 1.35`);
  }
  assert.match((compileExpression('claims.l.all(i, v, true)', 'claims', 'any', 31) as { error: { detail: string } }).error.detail, /undeclared reference to 'all'/);
  assert.equal(compiles("claims.?a.orValue('') == '' && claims.l.all(x, x != '')", 29), true, 'optional types and the standard macros are there from the start');
});

test('empty literals and optional.none() take their type from the other elements, as cel-go binds type variables', () => {
  assert.equal(compileExpression("[[], ['a']]", 'claims', 'any').ok, true);
  assert.equal(compileExpression("{'a': {}, 'b': {'x': 1}}", 'claims', 'any').ok, true);
  assert.equal(compileExpression('[optional.none(), optional.of(1)]', 'claims', 'any').ok, true);
  assert.match(compileError("[[], ['a'], [1]]"), /expected type 'list\(string\)' but found 'list\(int\)'/);
  assert.equal(typeOf('true ? [] : [1]'), 'list(int)');
  assert.equal(typeOf('[]'), 'list(dyn)');
  assert.equal(run('has({}.?x.y)'), false, 'has() over an absent optional is false, not an optional');
  assert.equal(run("dyn(9223372036854775807) < 9223372036854775808.0"), false, 'int against double converts the int, as cel-go');
  assert.deepEqual(run("{'k': dyn(null)}.?k.field"), { error: 'no such key: field' });
  assert.match(compileError('dyn'), /undeclared reference to 'dyn'/);
  assert.deepEqual(run("[7, 8][dyn(0.5)]"), { error: 'unsupported index value 0.5 in list' });
  assert.deepEqual(run("[7, 8][dyn('a')]"), { error: "unsupported index type 'string' in list" });
  assert.equal(compileExpression('null < null', 'claims', 'any').ok, true, 'null fits Timestamp/Duration at check time (no overload at run time)');
  assert.deepEqual(run('null < null'), { error: 'no such overload' });
});
