/** Kubernetes' find/findAll: kube's CRD validation test cases, and Go's FindString/FindAllString semantics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REGEX } from '../../../src/cel/lib/regex.js';
import type { Overload } from '../../../src/cel/decl.js';
import { CelEvalError, type CelValue } from '../../../src/cel/value.js';

function overload(id: string): Overload {
  for (const d of REGEX) for (const o of d.overloads) if (o.id === id) return o;
  throw new Error(`no overload ${id}`);
}

const find = (s: string, re: string): CelValue => overload('string_find_string').impl([s, re]);
const findAll = (s: string, re: string, n?: bigint): CelValue =>
  n === undefined ? overload('string_find_all_string').impl([s, re]) : overload('string_find_all_string_int').impl([s, re, n]);

function throwsCel(f: () => unknown, message: string): void {
  assert.throws(f, (e: unknown) => e instanceof CelEvalError && e.message === message);
}

test('declares find and findAll as member functions on string', () => {
  assert.deepEqual(
    REGEX.map((d) => [d.name, d.overloads.map((o) => o.id)]),
    [
      ['find', ['string_find_string']],
      ['findAll', ['string_find_all_string', 'string_find_all_string_int']],
    ],
  );
  const all = overload('string_find_all_string_int');
  assert.deepEqual(all.target, { kind: 'scalar', name: 'string' });
  assert.deepEqual(all.params, [{ kind: 'scalar', name: 'string' }, { kind: 'scalar', name: 'int' }]);
  assert.deepEqual(all.result, { kind: 'list', elem: { kind: 'scalar', name: 'string' } });
});

test("kube's 'stdlib regex functions' validation rules", () => {
  const str = 'this is a 123 string 456';
  assert.equal(find(str, '[0-9]+'), '123');
  assert.notEqual(find(str, '[0-9]+'), '456');
  assert.equal(find(str, 'xyz'), '');
  assert.deepEqual(findAll(str, '[0-9]+'), ['123', '456']);
  assert.deepEqual(findAll(str, '[0-9]+', 0n), []);
  assert.deepEqual(findAll(str, '[0-9]+', 1n), ['123']);
  assert.deepEqual(findAll(str, '[0-9]+', 2n), ['123', '456']);
  assert.deepEqual(findAll(str, '[0-9]+', 3n), ['123', '456']);
  assert.deepEqual(findAll(str, '[0-9]+', -1n), ['123', '456']);
  assert.deepEqual(findAll(str, 'xyz'), []);
  assert.deepEqual(findAll(str, 'xyz', 1n), []);
  assert.equal(find('abc 123 def 456', '[0-9]+'), '123');
  assert.equal((findAll('123 abc 456', '[0-9]+') as string[])[1], '456');
  assert.deepEqual(findAll('123 abc 456', '[0-9]*', 1n), ['123']);
});

test('a bad pattern is an "Illegal regex" error with Go\'s parse error', () => {
  throwsCel(() => find('x', ')'), 'Illegal regex: error parsing regexp: unexpected ): `)`');
  throwsCel(() => findAll('x', ')'), 'Illegal regex: error parsing regexp: unexpected ): `)`');
  throwsCel(() => findAll('x', ')', 1n), 'Illegal regex: error parsing regexp: unexpected ): `)`');
  throwsCel(() => find('x', 'x++'), 'Illegal regex: error parsing regexp: invalid nested repetition operator: `++`');
  throwsCel(() => find('x', '(?<=a)b'), 'Illegal regex: error parsing regexp: invalid named capture: `(?<=a)b`');
});

test("Go's leftmost-first matches, empty ones included", () => {
  // Kubernetes' doc comment says "abc 123".find('[0-9]*') is '123'; Go's FindString returns the
  // leftmost match, which is the empty one at 0.
  assert.equal(find('abc 123', '[0-9]*'), '');
  assert.equal(find('abc 123', 'xyz'), '');
  // regexp's own examples and find_test table.
  assert.deepEqual(findAll('paranormal', 'a.'), ['ar', 'an', 'al']);
  assert.deepEqual(findAll('paranormal', 'a.', 2n), ['ar', 'an']);
  assert.deepEqual(findAll('graal', 'a.'), ['aa']);
  assert.deepEqual(findAll('none', 'a.'), []);
  assert.deepEqual(findAll('baaab', 'a*'), ['', 'aaa', '']);
  assert.deepEqual(findAll('abbaab', 'ab*'), ['abb', 'a', 'ab']);
  // An empty match right after a match is skipped; one elsewhere is kept.
  assert.deepEqual(findAll('123 abc 456', '[0-9]*'), ['123', '', '', '', '', '456']);
  assert.deepEqual(findAll('a😀', ''), ['', '', '']);
  assert.deepEqual(findAll('a😀b', '.'), ['a', '😀', 'b']);
  assert.deepEqual(findAll('ab', '(?m)^|$'), ['', '']);
  assert.deepEqual(findAll('AbcABC', '(?i)a'), ['A', 'A']);
  // A huge limit is no limit.
  assert.deepEqual(findAll('aaa', 'a', 9223372036854775807n), ['a', 'a', 'a']);
});
