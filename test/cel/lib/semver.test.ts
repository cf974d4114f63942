/** Kubernetes' CEL semver library: kube's semver_test.go table, blang/semver's errors and ordering. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CelSemver, SEMVER_LIBRARY } from '../../../src/cel/lib/semver.js';
import { celEquals, type CelValue } from '../../../src/cel/value.js';
import { typeString } from '../../../src/cel/types.js';
import { libraryCaller } from '../../helpers/cel-library.js';

const { overload, call, evalError } = libraryCaller(SEMVER_LIBRARY);

const semver = (s: string): CelValue => call('string_to_semver', s);
const normalized = (s: string): CelValue => call('string_bool_to_semver', s, true);
const cmp = (a: string, b: string): CelValue => call('semver_compare_to', semver(a), semver(b));

test("declarations: kube's function names, overload ids and signatures (SemverVersion(1))", () => {
  const sigs = SEMVER_LIBRARY.flatMap((d) =>
    d.overloads.map((o) => `${o.id}: ${o.target ? `${typeString(o.target)}.` : ''}${d.name}(${o.params.map(typeString).join(', ')}) -> ${typeString(o.result)}`),
  );
  assert.deepEqual(sigs, [
    'string_to_semver: semver(string) -> kubernetes.Semver',
    'string_bool_to_semver: semver(string, bool) -> kubernetes.Semver',
    'is_semver_string: isSemver(string) -> bool',
    'is_semver_string_bool: isSemver(string, bool) -> bool',
    'semver_is_greater_than: kubernetes.Semver.isGreaterThan(kubernetes.Semver) -> bool',
    'semver_is_less_than: kubernetes.Semver.isLessThan(kubernetes.Semver) -> bool',
    'semver_compare_to: kubernetes.Semver.compareTo(kubernetes.Semver) -> int',
    'semver_major: kubernetes.Semver.major() -> int',
    'semver_minor: kubernetes.Semver.minor() -> int',
    'semver_patch: kubernetes.Semver.patch() -> int',
  ]);
});

test("kube's semver_test.go", () => {
  const v = semver('1.2.3');
  assert.ok(v instanceof CelSemver);
  assert.equal(v.typeName, 'kubernetes.Semver');
  assert.equal(String(v), '1.2.3');
  assert.equal(evalError('string_to_semver', 'v1.0'), 'No Major.Minor.Patch elements found');
  const isSemver = (s: string, normalize?: boolean): CelValue =>
    normalize === undefined ? call('is_semver_string', s) : call('is_semver_string_bool', s, normalize);
  assert.equal(isSemver('1.2.3-beta.1+build.1'), true);
  for (const s of ['', 'v1.0.0', ' 1.0.0', '1. 0.0', '1.0.0 ', '01.01.01', '1', '1.1']) assert.equal(isSemver(s), false, JSON.stringify(s));
  for (const s of ['', ' 1.0.0', '1. 0.0', '1.0.0 ']) assert.equal(isSemver(s, true), false, JSON.stringify(s));
  for (const s of ['v1.0.0', '01.01.01', '1', '1.1']) assert.equal(isSemver(s, true), true, s);
  assert.ok(celEquals(normalized('v01.01'), semver('1.1.0')));
  assert.ok(celEquals(semver('1.2.3'), semver('1.2.3')));
  assert.ok(!celEquals(semver('1.2.3'), semver('1.0.0')));
  assert.equal(call('semver_is_less_than', semver('1.0.0'), semver('1.2.3')), true);
  assert.equal(call('semver_is_less_than', semver('1.0.0'), semver('1.0.0')), false);
  assert.equal(call('semver_is_greater_than', semver('1.2.3'), semver('1.0.0')), true);
  assert.equal(call('semver_is_greater_than', semver('1.0.0'), semver('1.0.0')), false);
  assert.equal(cmp('1.2.3', '1.2.3'), 0n);
  assert.equal(cmp('1.0.0', '1.2.3'), -1n);
  assert.equal(cmp('1.2.3', '1.0.0'), 1n);
  assert.equal(call('semver_major', semver('1.2.3')), 1n);
  assert.equal(call('semver_minor', semver('1.2.3')), 2n);
  assert.equal(call('semver_patch', semver('1.2.3')), 3n);
});

test("semverlib.go's documented examples", () => {
  assert.equal(String(semver('0.1.0-alpha.1')), '0.1.0-alpha.1');
  for (const s of ['200K', 'Three', 'Mi', 'hello']) assert.equal(call('is_semver_string', s), false, s);
  assert.equal(String(normalized('v1.0.0')), '1.0.0');
  assert.equal(String(normalized('1.0')), '1.0.0');
  assert.equal(String(normalized('01.01.01')), '1.1.1');
  assert.equal(call('is_semver_string_bool', 'v1.0', true), true);
  assert.equal(call('is_semver_string_bool', 'v1.0', false), false);
  assert.equal(cmp('1.2.3', '2.0.0'), -1n);
  assert.equal(cmp('1.2.3', '0.1.2'), 1n);
});

test("blang/semver's parse errors, word for word", () => {
  const cases: [string, string][] = [
    ['', 'Version string empty'],
    ['1.2', 'No Major.Minor.Patch elements found'],
    ['a.2.3', 'Invalid character(s) found in major number "a"'],
    ['01.2.3', 'Major number must not contain leading zeroes "01"'],
    ['1.b.3', 'Invalid character(s) found in minor number "b"'],
    ['1.02.3', 'Minor number must not contain leading zeroes "02"'],
    ['1.2.c', 'Invalid character(s) found in patch number "c"'],
    ['1.2.03', 'Patch number must not contain leading zeroes "03"'],
    ['1.2.', 'strconv.ParseUint: parsing "": invalid syntax'],
    ['.2.3', 'strconv.ParseUint: parsing "": invalid syntax'],
    ['18446744073709551616.0.0', 'strconv.ParseUint: parsing "18446744073709551616": value out of range'],
    ['1.2.3-', 'Prerelease is empty'],
    ['1.2.3-a..b', 'Prerelease is empty'],
    ['1.2.3-01', 'Numeric PreRelease version must not contain leading zeroes "01"'],
    ['1.2.3-a_b', 'Invalid character(s) found in prerelease "a_b"'],
    ['1.2.3+', 'Build meta data is empty'],
    ['1.2.3+a..b', 'Build meta data is empty'],
    ['1.2.3+ä', 'Invalid character(s) found in build meta data "ä"'],
    ['1.2.3-ä', 'Invalid character(s) found in prerelease "ä"'],
    ['1.2.3\n', 'Invalid character(s) found in patch number "3\\n"'],
  ];
  for (const [input, message] of cases) assert.equal(evalError('string_to_semver', input), message, JSON.stringify(input));
  // Normalization's own error, lower-case as kube wrote it (blang's ParseTolerant capitalizes).
  assert.equal(evalError('string_bool_to_semver', '1.0-alpha', true), 'short version cannot contain PreRelease/Build meta data');
  assert.equal(evalError('string_bool_to_semver', '1+b', true), 'short version cannot contain PreRelease/Build meta data');
});

test('normalization: one leading v, leading zeros per part, missing parts filled; no trimming', () => {
  assert.equal(String(normalized('v1.2.3')), '1.2.3');
  assert.equal(call('is_semver_string_bool', 'vv1.2.3', true), false);
  assert.equal(String(normalized('00.00.00')), '0.0.0');
  assert.equal(String(normalized('1.2.03-beta')), '1.2.3-beta');
  // Only the leading zeros of the whole third part go, so a prerelease keeps its own.
  assert.equal(evalError('string_bool_to_semver', '1.2.0-01', true), 'Numeric PreRelease version must not contain leading zeroes "01"');
  assert.equal(String(normalized('1.2.0-1')), '1.2.0-1');
  assert.equal(String(normalized('v2')), '2.0.0');
  assert.equal(evalError('string_bool_to_semver', 'v', true), 'strconv.ParseUint: parsing "": invalid syntax');
  assert.equal(call('is_semver_string_bool', '1.2.3', false), true);
  assert.equal(String(call('string_bool_to_semver', '1.2.3', false)), '1.2.3');
});

test('precedence: prereleases sort before the release, numeric before alphanumeric; build is ignored', () => {
  const order = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
  for (let i = 0; i + 1 < order.length; i++) {
    assert.equal(cmp(order[i] ?? '', order[i + 1] ?? ''), -1n, `${order[i]} < ${order[i + 1]}`);
    assert.equal(cmp(order[i + 1] ?? '', order[i] ?? ''), 1n);
  }
  assert.equal(cmp('1.0.0+build.1', '1.0.0+build.2'), 0n);
  assert.ok(celEquals(semver('1.0.0+a'), semver('1.0.0+b')));
  assert.equal(cmp('1.0.0-B', '1.0.0-a'), -1n, 'alphanumeric identifiers compare by bytes');
  assert.equal(String(semver('1.2.3-x.7.z.92+b.01')), '1.2.3-x.7.z.92+b.01');
});

test("major/minor/patch are uint64, and cel-go's int conversion wraps them", () => {
  const v = semver('18446744073709551615.9223372036854775808.9223372036854775807');
  assert.equal(call('semver_major', v), -1n);
  assert.equal(call('semver_minor', v), -(1n << 63n));
  assert.equal(call('semver_patch', v), (1n << 63n) - 1n);
  assert.equal(cmp('18446744073709551615.0.0', '9223372036854775807.0.0'), 1n, 'ordering is unsigned');
});

test("kube's runtime costs", () => {
  assert.equal(overload('string_to_semver').cost?.(['1.2.3-alpha.1+build']), 1, 'ceil(19 × 0.1) = 2');
  assert.equal(overload('is_semver_string_bool').cost?.(['1.2.3-alpha.1+build', true]), 1);
  assert.equal(overload('semver_major').cost, undefined);
});
