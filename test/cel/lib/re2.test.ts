/** The RE2 translator: Go regexp/syntax's acceptance and errors, and Go's matching meaning in JavaScript. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRE2, translateRE2 } from '../../../src/cel/lib/re2.js';
import { CelEvalError } from '../../../src/cel/value.js';

const matches = (pattern: string, s: string): boolean => compileRE2(pattern).test(s);
const find = (pattern: string, s: string): string | undefined => compileRE2(pattern).exec(s)?.[0];

function parseError(pattern: string): string {
  try {
    compileRE2(pattern);
  } catch (e) {
    assert.ok(e instanceof CelEvalError, `expected CelEvalError for ${pattern}`);
    return e.message;
  }
  return assert.fail(`${JSON.stringify(pattern)} should not compile`);
}

test('compiles to a unicode-mode RegExp', () => {
  const re = compileRE2('a+b');
  assert.ok(re instanceof RegExp);
  assert.equal(re.flags, 'u');
  assert.equal(find('a+b', 'xxaab'), 'aab');
  assert.ok(matches('', 'anything'));
  assert.ok(matches('a|', 'zzz'));
});

test("anchors: ^ and $ are text boundaries, unless (?m); \\A and \\z always", () => {
  assert.ok(!matches('^b', 'a\nb'));
  assert.ok(matches('(?m)^b', 'a\nb'));
  assert.ok(!matches('a$', 'a\n'));
  assert.ok(matches('(?m)a$', 'a\nb'));
  // (?m) lines end at \n only, not at \r or U+2028 as JavaScript's m flag would have it.
  assert.ok(!matches('(?m)a$', 'a\rb'));
  assert.ok(!matches('(?m)^b', 'a\u2028b'));
  assert.ok(!matches('(?m)\\Ab', 'a\nb'));
  assert.ok(!matches('(?m)a\\z', 'a\nb'));
  assert.ok(matches('\\Aab\\z', 'ab'));
  // Go accepts a repeated empty-width assertion.
  assert.ok(matches('^*a', 'a'));
});

test("dot, \\s, \\d, \\w and \\b have Go's (ASCII) meaning", () => {
  assert.ok(matches('^.$', '\r'));
  assert.ok(matches('^.$', '\u2028'));
  assert.ok(matches('^.$', '😀'));
  assert.ok(!matches('^.$', '\n'));
  assert.ok(matches('(?s)^.$', '\n'));
  assert.ok(matches('(?s:.)', '\n'));
  assert.ok(matches('^\\s$', '\t'));
  assert.ok(!matches('^\\s$', '\v'));
  assert.ok(!matches('^\\s$', '\u00a0'));
  assert.ok(matches('^\\S$', '\u00a0'));
  assert.ok(!matches('\\d', '\u0663'));
  assert.ok(!matches('\\w', 'é'));
  assert.ok(matches('^\\W$', 'é'));
  assert.ok(matches('\\bfoo\\b', 'a foo b'));
  assert.ok(!matches('\\bfoo\\b', 'afoo'));
  assert.ok(matches('\\Bo', 'foo'));
});

test('POSIX and Perl classes inside brackets', () => {
  assert.ok(matches('^[[:alpha:]]+$', 'abcXYZ'));
  assert.ok(!matches('[[:alpha:]]', '123'));
  assert.ok(matches('^[[:^digit:]]+$', 'abc'));
  assert.ok(matches('^[[:word:][:space:]]+$', 'a_1 b'));
  assert.ok(matches('^[[:xdigit:]]+$', 'dEadBeef09'));
  assert.ok(matches('^[[:punct:]]+$', '!-/:@[`{~'));
  assert.ok(matches('^[\\d\\s]+$', '1 2\t3'));
  assert.ok(matches('^[^\\D]+$', '42'));
  // Without the brackets of a class, [:alpha:] is just a set of characters.
  assert.ok(matches('^[:alph]+$', ':alpha:'));
  // ] first is a literal; [^a] includes the newline.
  assert.ok(matches('^[]a]+$', ']a]'));
  assert.ok(matches('^[^a]$', '\n'));
});

test('Unicode classes \\pN, \\p{Name}, \\P, negation and Go 1.25 names', () => {
  assert.ok(matches('^\\pL+$', 'héllo'));
  assert.ok(!matches('\\pL', '123'));
  assert.ok(matches('^\\p{Greek}+$', 'αβγ'));
  assert.ok(!matches('\\p{Greek}', 'abc'));
  assert.ok(matches('^\\PL+$', '123'));
  assert.ok(matches('^\\p{^Greek}+$', 'abc'));
  assert.ok(matches('^\\P{^Greek}+$', 'αβ'));
  assert.ok(matches('^\\pN$', '\u0663'));
  assert.ok(matches('^\\p{Lu}$', 'A'));
  assert.ok(!matches('^\\p{Lu}$', 'a'));
  assert.ok(matches('^\\p{Han}+$', '漢字'));
  assert.ok(matches('^\\p{Letter}$', 'x'));
  assert.ok(matches('^\\p{greek}$', 'α'));
  assert.ok(matches('^\\p{Uppercase_Letter}$', 'Q'));
  assert.ok(matches('^\\p{Old_Italic}$', '\u{10300}'));
  assert.ok(matches('^\\p{Any}$', '\u0378'));
  assert.ok(!matches('^\\p{Assigned}$', '\u0378'));
  assert.ok(matches('^\\p{ASCII}+$', 'abc~'));
  // Go's C (Other) leaves out the unassigned code points that ECMAScript's \p{C} takes in.
  assert.ok(matches('^\\pC$', '\u0007'));
  assert.ok(!matches('^\\pC$', '\u0378'));
  assert.ok(matches('^[\\p{Greek}\\d]+$', 'α1β2'));
  assert.ok(matches('^[^\\p{Greek}]+$', 'abc'));
});

test('case folding with (?i), (?i:...) and (?-i), over Unicode simple folding orbits', () => {
  assert.ok(matches('(?i)hello', 'HeLLo'));
  assert.ok(matches('(?i:a)b', 'Ab'));
  assert.ok(!matches('(?i:a)b', 'AB'));
  assert.ok(matches('(?i)a(?-i)b', 'Ab'));
  assert.ok(!matches('(?i)a(?-i)b', 'AB'));
  assert.ok(matches('(?i)k', '\u212a')); // Kelvin sign
  assert.ok(matches('(?i)s', '\u017f')); // long s
  assert.ok(matches('(?i)ß', '\u1e9e'));
  assert.ok(matches('(?i)σ', 'ς'));
  assert.ok(!matches('(?i)i', 'ı')); // dotless i has no simple folding
  assert.ok(!matches('(?i)i', 'İ'));
  assert.ok(matches('(?i)^[a-c]+$', 'aBC'));
  assert.ok(!matches('(?i)[^a]', 'A'));
  assert.ok(matches('(?i)^\\w$', '\u017f'));
  assert.ok(matches('(?i)^\\p{Lu}$', 'a'));
  assert.ok(!matches('(?i)^\\PL$', '\u0345'));
  assert.ok(matches('^(?i)[[:upper:]]+$', 'abcXYZ'));
  assert.ok(matches('(?i)^\\x{1E9E}$', 'ß'));
  // The flags of a group end with it.
  assert.ok(!matches('((?i)a)b', 'AB'));
  assert.ok(matches('((?i)a)b', 'Ab'));
});

test('repetition, greediness and (?U)', () => {
  assert.equal(find('a+', 'aaa'), 'aaa');
  assert.equal(find('a+?', 'aaa'), 'a');
  assert.equal(find('(?U)a+', 'aaa'), 'a');
  assert.equal(find('(?U)a+?', 'aaa'), 'aaa');
  assert.equal(find('a{2,3}', 'aaaa'), 'aaa');
  assert.equal(find('a{2,}', 'aaaa'), 'aaaa');
  assert.equal(find('a{2}', 'aaaa'), 'aa');
  assert.equal(find('(ab){2}', 'ababab'), 'abab');
  assert.equal(find('a??b', 'ab'), 'ab');
  // Not a repeat: { is a literal.
  assert.ok(matches('^a{,3}$', 'a{,3}'));
  assert.ok(matches('^x{$', 'x{'));
  assert.ok(matches('^a{01}$', 'a{01}'));
  assert.ok(matches('^a{1000}$', 'a'.repeat(1000)));
});

test('escapes, \\Q...\\E and named groups', () => {
  assert.ok(matches('^\\x{1F600}$', '😀'));
  assert.ok(matches('^\\x41\\141\\0$', 'Aa\0'));
  assert.ok(matches('^\\12$', '\n'));
  assert.ok(matches('^\\a\\f\\t\\v\\r\\n$', '\x07\f\t\v\r\n'));
  assert.ok(matches('^\\Qa.b*c\\E$', 'a.b*c'));
  assert.ok(!matches('^\\Qa.b\\E$', 'axb'));
  // Without \\E the rest of the pattern is literal, $ included.
  assert.ok(matches('^\\Qab$', 'ab$'));
  assert.ok(!matches('^\\Qab$', 'ab'));
  assert.ok(matches('^\\.\\*\\_\\-$', '.*_-'));
  assert.equal(find('(?P<year>\\d{4})-(?<month>\\d{2})', 'on 2024-05-01'), '2024-05');
  assert.ok(matches('^(?:a|b)+$', 'abba'));
  assert.ok(matches('^[\\x{0}-\\x{10FFFF}]$', '😀'));
});

test("rejects what RE2 rejects, with Go's error text", () => {
  const cases: [string, string][] = [
    ['(', 'missing closing ): `(`'],
    ['(a', 'missing closing ): `(a`'],
    ['(a|b|', 'missing closing ): `(a|b|`'],
    ['([a-z)', 'missing closing ]: `[a-z)`'],
    [')', 'unexpected ): `)`'],
    ['a)', 'unexpected ): `a)`'],
    ['(a))', 'unexpected ): `(a))`'],
    ['a|b)', 'unexpected ): `a|b)`'],
    ['[a-z', 'missing closing ]: `[a-z`'],
    ['x[ab', 'missing closing ]: `[ab`'],
    ['[]', 'missing closing ]: `[]`'],
    ['[a-', 'missing closing ]: `[a-`'],
    ['*', 'missing argument to repetition operator: `*`'],
    ['*?', 'missing argument to repetition operator: `*?`'],
    ['(*)', 'missing argument to repetition operator: `*`'],
    ['a|*', 'missing argument to repetition operator: `*`'],
    ['\\Q\\E*', 'missing argument to repetition operator: `*`'],
    ['{2}', 'missing argument to repetition operator: `{2}`'],
    ['a**', 'invalid nested repetition operator: `**`'],
    ['a*+', 'invalid nested repetition operator: `*+`'],
    ['x++', 'invalid nested repetition operator: `++`'],
    ['a*??', 'invalid nested repetition operator: `*??`'],
    ['a{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
    ['x{1001}', 'invalid repeat count: `{1001}`'],
    ['x{9876543210}', 'invalid repeat count: `{9876543210}`'],
    ['x{2,1}', 'invalid repeat count: `{2,1}`'],
    ['x{1,9876543210}', 'invalid repeat count: `{1,9876543210}`'],
    ['a{100000,}', 'invalid repeat count: `{100000,}`'],
    ['(((x{7}){11}){13})', 'invalid repeat count: `{13}`'],
    ['((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})', 'invalid repeat count: `{2}`'],
    ['a[b-a]', 'invalid character class range: `b-a`'],
    ['[z-a]', 'invalid character class range: `z-a`'],
    ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
    ['[[:Alpha:]]', 'invalid character class range: `[:Alpha:]`'],
    ['\\p{Foo}', 'invalid character class range: `\\p{Foo}`'],
    ['\\pX', 'invalid character class range: `\\pX`'],
    ['\\p{Greek', 'invalid character class range: `\\p{Greek`'],
    ['x\\p', 'invalid character class range: `\\p`'],
    ['\\', 'trailing backslash at end of expression: ``'],
    ['a\\', 'trailing backslash at end of expression: ``'],
    ['\\C', 'invalid escape sequence: `\\C`'],
    ['\\Z', 'invalid escape sequence: `\\Z`'],
    ['\\q', 'invalid escape sequence: `\\q`'],
    ['\\8', 'invalid escape sequence: `\\8`'],
    ['\\xg1', 'invalid escape sequence: `\\xg1`'],
    ['\\x{zz}', 'invalid escape sequence: `\\x{z`'],
    ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
    ['\\x{}', 'invalid escape sequence: `\\x{}`'],
    ['[\\b]', 'invalid escape sequence: `\\b`'],
    ['\\é', 'invalid escape sequence: `\\é`'],
    // Backreferences.
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['(a)\\k<x>', 'invalid escape sequence: `\\k`'],
    // Lookaround: (?= and (?! are unknown flags; since Go 1.22 (?< starts a named capture.
    ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['a(?!b)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=a)b', 'invalid named capture: `(?<=a)b`'],
    ['(?<!a)b', 'invalid named capture: `(?<!a)b`'],
    ['(?<=a)>', 'invalid named capture: `(?<=a)>`'],
    ['(?<', 'invalid or unsupported Perl syntax: `(?<`'],
    ['(?#comment)', 'invalid or unsupported Perl syntax: `(?#`'],
    ['(?P=name)', 'invalid or unsupported Perl syntax: `(?P`'],
    ['(?P<>a)', 'invalid named capture: `(?P<>`'],
    ['(?P<n!>a)', 'invalid named capture: `(?P<n!>`'],
    ['(?P<name', 'invalid named capture: `(?P<name`'],
    ['(?i', 'invalid or unsupported Perl syntax: `(?i`'],
    ['(?z)', 'invalid or unsupported Perl syntax: `(?z`'],
    ['(?-)', 'invalid or unsupported Perl syntax: `(?-)`'],
    ['(?i-)', 'invalid or unsupported Perl syntax: `(?i-)`'],
    ['(?--i)', 'invalid or unsupported Perl syntax: `(?--`'],
  ];
  for (const [pattern, message] of cases) assert.equal(parseError(pattern), `error parsing regexp: ${message}`, pattern);
});

test('accepts what RE2 accepts', () => {
  for (const p of ['(?i)(?m)(?s)(?U)x', '(?im-s:x)', '(?)x', '(?:)', '()', 'a||b', '[a-]', '[-a]', '[a\\-z]', '\\pN\\p{Nd}', '(?P<a_1>x)(?<b>y)', '[[:^space:]]', 'x{0}', 'x{0,0}', '\\Q', '(?i)\\Q*\\E']) {
    assert.doesNotThrow(() => compileRE2(p), p);
  }
});

test('caches compiled patterns and their failures', () => {
  const a = compileRE2('cache(d)?');
  assert.equal(compileRE2('cache(d)?'), a);
  assert.equal(parseError('cache('), 'error parsing regexp: missing closing ): `cache(`');
  assert.equal(parseError('cache('), 'error parsing regexp: missing closing ): `cache(`');
  // The cache is bounded: filling it does not break anything.
  for (let i = 0; i < 600; i++) compileRE2(`x${i}`);
  assert.ok(compileRE2('cache(d)?').test('cached'));
});

test('translateRE2 spells Go meaning out explicitly', () => {
  assert.equal(translateRE2('.'), '[^\\n]');
  assert.equal(translateRE2('(?s).'), '[\\s\\S]');
  assert.equal(translateRE2('\\s'), '[\\u{9}-\\u{a}\\u{c}-\\u{d}\\u{20}]');
  assert.equal(translateRE2('(?i)k'), '[\\u{4b}\\u{6b}\\u{212a}]');
  assert.equal(translateRE2('\\p{Greek}'), '[\\p{Script=Greek}]');
});
