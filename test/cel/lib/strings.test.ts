/** cel-go's strings extension at version 2 (kube-apiserver 1.35): cel-go's own test tables, by overload. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STRINGS, goFormatFixed, goFormatG } from '../../../src/cel/lib/strings.js';
import { goQuote } from '../../../src/util/goquote.js';
import type { FunctionDecl, Overload } from '../../../src/cel/decl.js';
import { CelDuration, CelEvalError, CelMap, CelOpaque, CelOptional, CelTimestamp, CelTypeValue, CelUint, type CelValue } from '../../../src/cel/value.js';

function overload(decls: readonly FunctionDecl[], id: string): Overload {
  for (const d of decls) for (const o of d.overloads) if (o.id === id) return o;
  throw new Error(`no overload ${id}`);
}

const call = (id: string, ...args: CelValue[]): CelValue => overload(STRINGS, id).impl(args);

function throwsCel(f: () => unknown, message: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof CelEvalError, `expected CelEvalError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

const fmt = (format: string, ...args: CelValue[]): CelValue => call('string_format', format, args);
const ts = (iso: string): CelTimestamp => new CelTimestamp(BigInt(Date.parse(iso)) * 1_000_000n);
const dur = (seconds: number, nanos = 0n): CelDuration => new CelDuration(BigInt(seconds) * 1_000_000_000n + nanos);

class TestAllTypes extends CelOpaque {
  override readonly typeName = 'ext.TestAllTypes';
  override equals(): boolean {
    return false;
  }
}

test('declares version 2: names, overload ids, member targets', () => {
  const byName = Object.fromEntries(STRINGS.map((d) => [d.name, d.overloads.map((o) => o.id)]));
  assert.deepEqual(byName, {
    charAt: ['string_char_at_int'],
    indexOf: ['string_index_of_string', 'string_index_of_string_int'],
    lastIndexOf: ['string_last_index_of_string', 'string_last_index_of_string_int'],
    lowerAscii: ['string_lower_ascii'],
    replace: ['string_replace_string_string', 'string_replace_string_string_int'],
    split: ['string_split_string', 'string_split_string_int'],
    substring: ['string_substring_int', 'string_substring_int_int'],
    trim: ['string_trim'],
    upperAscii: ['string_upper_ascii'],
    format: ['string_format'],
    'strings.quote': ['strings_quote'],
    join: ['list_join', 'list_join_string'],
  });
  assert.equal(overload(STRINGS, 'strings_quote').target, undefined);
  assert.deepEqual(overload(STRINGS, 'list_join').target, { kind: 'list', elem: { kind: 'scalar', name: 'string' } });
  assert.deepEqual(overload(STRINGS, 'string_format').params, [{ kind: 'list', elem: { kind: 'dyn' } }]);
  // reverse is strings version 3, beyond kube's environment.
  assert.ok(!STRINGS.some((d) => d.name === 'reverse'));
});

test('charAt counts code points', () => {
  assert.equal(call('string_char_at_int', 'tacocat', 3n), 'o');
  assert.equal(call('string_char_at_int', 'tacocat', 7n), '');
  assert.deepEqual([0n, 1n, 2n].map((i) => call('string_char_at_int', '©αT', i)), ['©', 'α', 'T']);
  assert.equal(call('string_char_at_int', 'a😀b', 2n), 'b');
  throwsCel(() => call('string_char_at_int', 'tacocat', 30n), 'index out of range: 30');
  throwsCel(() => call('string_char_at_int', 'hello', -1n), 'index out of range: -1');
});

test('indexOf, with and without an offset', () => {
  const idx = (s: string, sub: string, off?: bigint): CelValue =>
    off === undefined ? call('string_index_of_string', s, sub) : call('string_index_of_string_int', s, sub, off);
  assert.equal(idx('tacocat', ''), 0n);
  assert.equal(idx('tacocat', 'ac'), 1n);
  assert.equal(idx('tacocat', 'none'), -1n);
  assert.equal(idx('tacocat', '', 3n), 3n);
  assert.equal(idx('tacocat', 'a', 3n), 5n);
  assert.equal(idx('tacocat', 'at', 3n), 5n);
  assert.equal(idx('ta©o©αT', '©'), 2n);
  assert.equal(idx('ta©o©αT', '©', 3n), 4n);
  assert.equal(idx('ta©o©αT', '©αT', 3n), 4n);
  assert.equal(idx('ta©o©αT', '©α', 5n), -1n);
  assert.equal(idx('ijk', 'k'), 2n);
  assert.equal(idx('hello wello', 'hello wello'), 0n);
  assert.equal(idx('hello wello', 'ello', 6n), 7n);
  assert.equal(idx('hello wello', 'elbo room!!'), -1n);
  assert.equal(idx('hello wello', 'elbo room!!!'), -1n);
  assert.equal(idx('hello mellow', 'ello', 2n), 7n);
  // Since cel-go v0.22 an offset past the end finds nothing instead of failing (cel-go#1051).
  assert.equal(idx('tacocat', 'a', 30n), -1n);
  assert.equal(idx('', 'foo'), -1n);
  // An empty needle returns the offset before any range check (fixed only after v0.26).
  assert.equal(idx('tacocat', '', 30n), 30n);
  throwsCel(() => idx('tacocat', 'a', -1n), 'index out of range: -1');
});

test('lastIndexOf, with and without an offset', () => {
  const last = (s: string, sub: string, off?: bigint): CelValue =>
    off === undefined ? call('string_last_index_of_string', s, sub) : call('string_last_index_of_string_int', s, sub, off);
  assert.equal(last('tacocat', ''), 7n);
  assert.equal(last('tacocat', 'at'), 5n);
  assert.equal(last('tacocat', 'none'), -1n);
  assert.equal(last('tacocat', '', 3n), 3n);
  assert.equal(last('tacocat', 'a', 3n), 1n);
  assert.equal(last('ta©o©αT', '©'), 4n);
  assert.equal(last('ta©o©αT', '©', 3n), 2n);
  assert.equal(last('ta©o©αT', '©α', 4n), 4n);
  assert.equal(last('hello wello', 'ello', 6n), 1n);
  assert.equal(last('hello wello', 'low'), -1n);
  assert.equal(last('hello wello', 'elbo room!!'), -1n);
  assert.equal(last('hello wello', 'elbo room!!!'), -1n);
  assert.equal(last('hello wello', 'hello wello'), 0n);
  assert.equal(last('bananananana', 'nana', 7n), 6n);
  assert.equal(last('hello mellow', 'ello'), 7n);
  assert.equal(last('tacocat', 'a', 30n), -1n);
  throwsCel(() => last('tacocat', 'a', -1n), 'index out of range: -1');
  // On an empty string the search starts at len-1 = -1, which cel-go v0.26 rejects.
  throwsCel(() => last('', 'a'), 'index out of range: -1');
});

test('lowerAscii and upperAscii touch ASCII only', () => {
  assert.equal(call('string_lower_ascii', 'TacoCat'), 'tacocat');
  assert.equal(call('string_lower_ascii', 'TacoCÆt'), 'tacocÆt');
  assert.equal(call('string_lower_ascii', 'TacoCÆt Xii'), 'tacocÆt xii');
  assert.equal(call('string_upper_ascii', 'tacoCat'), 'TACOCAT');
  assert.equal(call('string_upper_ascii', 'tacoCαt'), 'TACOCαT');
  assert.equal(call('string_upper_ascii', 'TacoCÆt Xii'), 'TACOCÆT XII');
});

test('replace, all or at most n', () => {
  const rep = (s: string, a: string, b: string, n?: bigint): CelValue =>
    n === undefined ? call('string_replace_string_string', s, a, b) : call('string_replace_string_string_int', s, a, b, n);
  assert.equal(rep('12 days 12 hours', '{0}', '2'), '12 days 12 hours');
  assert.equal(rep('{0} days {0} hours', '{0}', '2'), '2 days 2 hours');
  assert.equal(rep(String(rep('{0} days {0} hours', '{0}', '2', 1n)), '{0}', '23'), '2 days 23 hours');
  assert.equal(rep('1 ©αT taco', 'αT', 'o©α'), '1 ©o©α taco');
  assert.equal(rep('hello hello', '', '_'), '_h_e_l_l_o_ _h_e_l_l_o_');
  assert.equal(rep('hello hello', 'h', ''), 'ello ello');
  assert.equal(rep('hello hello', 'he', 'we'), 'wello wello');
  assert.equal(rep('hello hello', 'he', 'we', -1n), 'wello wello');
  assert.equal(rep('hello hello', 'he', 'we', 1n), 'wello hello');
  assert.equal(rep('hello hello', 'he', 'we', 0n), 'hello hello');
  assert.equal(rep('a😀b', '', '-', 2n), '-a-😀b');
  assert.equal(rep('aaa', 'a', 'b', 99n), 'bbb');
});

test('split, all or into at most n pieces', () => {
  const split = (s: string, sep: string, n?: bigint): CelValue =>
    n === undefined ? call('string_split_string', s, sep) : call('string_split_string_int', s, sep, n);
  assert.deepEqual(split('hello world', ' '), ['hello', 'world']);
  assert.deepEqual(split('hello world events!', ' ', 0n), []);
  assert.deepEqual(split('hello world events!', ' ', 1n), ['hello world events!']);
  assert.deepEqual(split('o©o©o©o', '©', -1n), ['o', 'o', 'o', 'o']);
  assert.deepEqual(split('hello hello hello', ' ', 2n), ['hello', 'hello hello']);
  assert.deepEqual(split('hello hello hello', ' ', -1n), ['hello', 'hello', 'hello']);
  // Go's strings.Split: an empty separator explodes into runes; an empty input with one gives nothing.
  assert.deepEqual(split('a😀c', ''), ['a', '😀', 'c']);
  assert.deepEqual(split('abc', '', 2n), ['a', 'bc']);
  assert.deepEqual(split('', ''), []);
  assert.deepEqual(split('', ','), ['']);
});

test('substring over code points', () => {
  const sub = (s: string, a: bigint, b?: bigint): CelValue =>
    b === undefined ? call('string_substring_int', s, a) : call('string_substring_int_int', s, a, b);
  assert.equal(sub('tacocat', 4n), 'cat');
  assert.equal(sub('tacocat', 7n), '');
  assert.equal(sub('tacocat', 0n, 4n), 'taco');
  assert.equal(sub('tacocat', 4n, 4n), '');
  assert.equal(sub('ta©o©αT', 2n, 6n), '©o©α');
  assert.equal(sub('ta©o©αT', 7n, 7n), '');
  throwsCel(() => sub('tacocat', 40n), 'index out of range: 40');
  throwsCel(() => sub('tacocat', -1n), 'index out of range: -1');
  throwsCel(() => sub('tacocat', 1n, 50n), 'index out of range: 50');
  throwsCel(() => sub('tacocat', 49n, 50n), 'index out of range: 49');
  throwsCel(() => sub('tacocat', 4n, 3n), 'invalid substring range. start: 4, end: 3');
});

test("trim uses Go's unicode.IsSpace", () => {
  const trim = (s: string): CelValue => call('string_trim', s);
  assert.equal(trim(' \f\n\r\t\vtext  '), 'text');
  assert.equal(trim('\u0085\u00a0\u1680text'), 'text');
  assert.equal(trim('text\u2000\u2001\u2002\u2003\u2004\u2004\u2006\u2007\u2008\u2009'), 'text');
  assert.equal(trim('\u200atext\u2028\u2029\u202F\u205F\u3000'), 'text');
  // Whitespace-like characters that are not White_Space stay (JavaScript's trim() would strip U+FEFF).
  assert.equal(trim('\u180etext\u200b\u200c\u200d\u2060\ufeff'), '\u180etext\u200b\u200c\u200d\u2060\ufeff');
  assert.equal(trim('  \ttrim\n    '), 'trim');
});

test('join, with and without a separator', () => {
  assert.equal(call('list_join', ['x', 'y']), 'xy');
  assert.equal(call('list_join_string', ['x', 'y'], '-'), 'x-y');
  assert.equal(call('list_join', []), '');
  assert.equal(call('list_join_string', [], '-'), '');
  assert.equal(call('list_join_string', ['hello', 'mellow'], ' '), 'hello mellow');
  throwsCel(() => call('list_join', ['a', 1n]), 'join: invalid input: 1');
});

test('strings.quote', () => {
  const q = (s: string): CelValue => call('strings_quote', s);
  assert.equal(q('first\nsecond'), '"first\\nsecond"');
  assert.equal(q('bell\x07'), '"bell\\a"');
  assert.equal(q('\bbackspace'), '"\\bbackspace"');
  assert.equal(q('\fform feed'), '"\\fform feed"');
  assert.equal(q('carriage \r return'), '"carriage \\r return"');
  assert.equal(q('horizontal tab\t'), '"horizontal tab\\t"');
  assert.equal(q('vertical \v tab'), '"vertical \\v tab"');
  assert.equal(q('double \\\\ slash'), '"double \\\\\\\\ slash"');
  assert.equal(q('two escape sequences \x07\n'), '"two escape sequences \\a\\n"');
  assert.equal(q('verbatim'), '"verbatim"');
  assert.equal(q('ends with \\'), '"ends with \\\\"');
  assert.equal(q('\\ starts with'), '"\\\\ starts with"');
  assert.equal(q('printable unicode😀'), '"printable unicode😀"');
  assert.equal(q('mid string " quote'), '"mid string \\" quote"');
  assert.equal(q('single-quote with "double quote"'), '"single-quote with \\"double quote\\""');
  assert.equal(q("size('ÿ')"), `"size('ÿ')"`);
  assert.equal(q("size('πέντε')"), `"size('πέντε')"`);
  assert.equal(q('завтра'), '"завтра"');
  assert.equal(q('\u{1F431}\u{1F600}\u{1F61B}'), '"\u{1F431}\u{1F600}\u{1F61B}"');
  assert.equal(q('ta©o©αT'), '"ta©o©αT"');
  assert.equal(q(''), '""');
  assert.equal(q('lone \ud800 surrogate'), '"lone \ufffd surrogate"');
  // strings.quote('%s %s').format(['hello', 'world'])
  assert.equal(fmt(String(q('%s %s')), 'hello', 'world'), '"hello world"');
});

test('format: substitution and escaping (cel-go TestStringFormat)', () => {
  assert.equal(fmt('no substitution'), 'no substitution');
  assert.equal(fmt('str is %s and some more', 'filler'), 'str is filler and some more');
  assert.equal(fmt('%% and also %%'), '% and also %');
  assert.equal(fmt('%%%s%%', 'text'), '%text%');
  assert.equal(fmt('%s%%', 'percent on the right'), 'percent on the right%');
  assert.equal(fmt('%%%s', 'percent on the left'), '%percent on the left');
  assert.equal(
    fmt('%d %d %d, %s %s %s, %d %d %d, %s %s %s', 1n, 2n, 3n, 'A', 'B', 'C', 4n, 5n, 6n, 'D', 'E', 'F'),
    '1 2 3, A B C, 4 5 6, D E F',
  );
  assert.equal(fmt('\u0025\u0025escaped \u0025s\u0025\u0025', 'percent'), '%escaped percent%');
  assert.equal(fmt('this is a string: %s\nand an integer: %d', 'str', 42n), 'this is a string: str\nand an integer: 42');
  assert.equal(fmt('a double substituted with %%s: %s', 64.2), 'a double substituted with %s: 64.2');
});

test('format: integer clauses %d %b %o %x %X', () => {
  assert.equal(fmt('this is 5 in binary: %b', 5n), 'this is 5 in binary: 101');
  assert.equal(fmt('this is -5 in binary: %b', -5n), 'this is -5 in binary: -101');
  assert.equal(fmt('unsigned 64 in binary: %b', new CelUint(64n)), 'unsigned 64 in binary: 1000000');
  assert.equal(fmt('bit set from bool: %b', true), 'bit set from bool: 1');
  assert.equal(fmt('%b', false), '0');
  assert.equal(fmt('%o', 11n), '13');
  assert.equal(fmt('%o', -11n), '-13');
  assert.equal(fmt('this is an unsigned octal: %o', new CelUint(65535n)), 'this is an unsigned octal: 177777');
  assert.equal(fmt('%x is 30 in hexadecimal', 30n), '1e is 30 in hexadecimal');
  assert.equal(fmt('%X is 20 in hexadecimal', 30n), '1E is 20 in hexadecimal');
  assert.equal(fmt('%x is -30 in hexadecimal', -30n), '-1e is -30 in hexadecimal');
  assert.equal(fmt('%X is 6000 in hexadecimal', new CelUint(6000n)), '1770 is 6000 in hexadecimal');
  assert.equal(fmt('%x', 'Hello world!'), '48656c6c6f20776f726c6421');
  assert.equal(fmt('%X', 'Hello world!'), '48656C6C6F20776F726C6421');
  assert.equal(fmt('%x', new TextEncoder().encode('byte string')), '6279746520737472696e67');
  assert.equal(fmt('%x', Uint8Array.from([0, 0, ...new TextEncoder().encode('byte string'), 0])), '00006279746520737472696e6700');
  assert.equal(fmt('%X', new TextEncoder().encode('byte string')), '6279746520737472696E67');
  assert.equal(fmt('%d', new CelUint(64n)), '64');
  assert.equal(fmt('dynamic hex int: %x (unsigned)', new CelUint(500n)), 'dynamic hex int: 1f4 (unsigned)');
  assert.equal(fmt('%d', -9223372036854775808n), '-9223372036854775808');
  // A precision is read and ignored by the non-float clauses.
  assert.equal(fmt('%.3d', 7n), '7');
});

test('format: %f and %e go through the en_US printer of golang.org/x/text', () => {
  assert.equal(fmt('%.3f', 1.2345), '1.234');
  assert.equal(fmt('%f', 2.71828), '2.718280');
  assert.equal(fmt('%f', 3.14), '3.140000');
  assert.equal(fmt('dynamic double: %.3f', 4.5), 'dynamic double: 4.500');
  assert.equal(fmt('message field msg.single_int32: %d, msg.single_double: %.1f', 2n, 1.0), 'message field msg.single_int32: 2, msg.single_double: 1.0');
  assert.equal(fmt('%.6e', 1052.032911275), '1.052033\u202f\u00d7\u202f10\u2070\u00b3');
  assert.equal(fmt('%e', 2.71828), '2.718280\u202f\u00d7\u202f10\u2070\u2070');
  assert.equal(fmt('unescaped unicode: %e, escaped unicode: %e', 2.71828, 2.71828), 'unescaped unicode: 2.718280 × 10⁰⁰, escaped unicode: 2.718280\u202f\u00d7\u202f10\u2070\u2070');
  assert.equal(fmt('(dyntype) e: %e', 2.71828), '(dyntype) e: 2.718280\u202f\u00d7\u202f10\u2070\u2070');
  assert.equal(fmt('%f', 'NaN'), 'NaN');
  assert.equal(fmt('%f', 'Infinity'), '∞');
  assert.equal(fmt('%f', '-Infinity'), '-∞');
  assert.equal(fmt('NaN: %f, infinity: %f', NaN, Infinity), 'NaN: NaN, infinity: ∞');
  // Digits are Go's: round half to even on the exact binary value, thousands grouped.
  assert.equal(fmt('%.2f', 0.125), '0.12');
  assert.equal(fmt('%.2f', 0.375), '0.38');
  assert.equal(fmt('%.0f', 2.5), '2');
  assert.equal(fmt('%.2f', 2.675), '2.67');
  assert.equal(fmt('%.2f', 1234567.891), '1,234,567.89');
  assert.equal(fmt('%f', -1234.5), '-1,234.500000');
  assert.equal(fmt('%.0f', 1e21), '1,000,000,000,000,000,000,000');
  assert.equal(fmt('%f', -0.0), '0.000000');
  assert.equal(fmt('%e', 0.000123), '1.230000\u202f\u00d7\u202f10\u207b\u2070\u2074');
  assert.equal(fmt('%e', -1e100), '-1.000000\u202f\u00d7\u202f10\u00b9\u2070\u2070');
  assert.equal(fmt('%e', 0), '0.000000\u202f\u00d7\u202f10\u2070\u2070');
  // cel-go hands the printer "%<precision>e": a width, so the digits stay six and the text is padded.
  assert.equal(fmt('%.2e', 2.71828), '2.718280\u202f\u00d7\u202f10\u2070\u2070');
  assert.equal(fmt('%.20e', 2.71828), `${' '.repeat(5)}2.718280\u202f\u00d7\u202f10\u2070\u2070`);
});

test('format: %s of every CEL type', () => {
  assert.equal(fmt('%s', 2.71), '2.71');
  assert.equal(fmt('%s', [2.71]), '[2.710000]');
  assert.equal(fmt('%s', 0.000000002), '2e-09');
  assert.equal(fmt('%s', [0.000000002]), '[0.000000]');
  assert.equal(fmt('%s', 1e6), '1e+06');
  assert.equal(fmt('%s', 123456789.0), '1.23456789e+08');
  assert.equal(fmt('%s', NaN), 'NaN');
  assert.equal(fmt('%s', Infinity), '+Inf');
  assert.equal(fmt('%s', -Infinity), '-Inf');
  assert.equal(fmt('%s', [NaN, Infinity, -Infinity]), '["NaN", "+Inf", "-Inf"]');
  assert.equal(fmt('null: %s', null), 'null: null');
  assert.equal(fmt('%s', 999999999999n), '999999999999');
  assert.equal(fmt('some bytes: %s', new TextEncoder().encode('xyz')), 'some bytes: xyz');
  assert.equal(fmt('type is %s', new CelTypeValue('string')), 'type is string');
  assert.equal(fmt('%s', ts('2023-02-03T23:31:20Z')), '2023-02-03T23:31:20Z');
  assert.equal(fmt('%s', new CelTimestamp(BigInt(Date.parse('2023-02-03T23:31:20Z')) * 1_000_000n + 123_000_000n)), '2023-02-03T23:31:20.123Z');
  assert.equal(fmt('dyntype timestamp: %s', ts('2009-11-10T23:00:00Z')), 'dyntype timestamp: 2009-11-10T23:00:00Z');
  assert.equal(fmt('%s', dur(6347)), '6347s');
  assert.equal(fmt('%s', dur(0, 2n)), '0.000000002s');
  assert.equal(fmt('dyntype duration: %s', dur(8747)), 'dyntype duration: 8747s');
  assert.equal(fmt('%s', new CelDuration(-1_500_000_000n)), '-1.5s');
  assert.equal(fmt('true bool: %s, false bool: %s', true, false), 'true bool: true, false bool: false');
  assert.equal(fmt('dynIntStr: %s dynDoubleStr: %s', 32n, 56.8), 'dynIntStr: 32 dynDoubleStr: 56.8');
  assert.equal(fmt('%s', new CelUint(7n)), '7');
});

test('format: lists and maps print as CEL literals', () => {
  assert.equal(
    fmt('%s', ['abc', 3.14, null, [9n, 8n, 7n, 6n], ts('2023-02-03T23:31:20Z')]),
    '["abc", 3.140000, null, [9, 8, 7, 6], timestamp("2023-02-03T23:31:20Z")]',
  );
  assert.equal(
    fmt('%s', new CelMap([['key1', new TextEncoder().encode('xyz')], ['key5', null], ['key2', dur(7200)], ['key4', true], ['key3', 2.71828]])),
    '{"key1":b"xyz", "key2":duration("7200s"), "key3":2.718280, "key4":true, "key5":null}',
  );
  assert.equal(
    fmt('map with multiple key types: %s', new CelMap([[1n, 'value1'], [new CelUint(2n), 'value2'], [true, NaN]])),
    'map with multiple key types: {1:"value1", 2:"value2", true:"NaN"}',
  );
  assert.equal(fmt('dyntype list: %s', [6n, 4.2, 'a string']), 'dyntype list: [6, 4.200000, "a string"]');
  assert.equal(
    fmt('dyntype map: %s', new CelMap([['strKey', 'x'], [true, 42n], [6n, dur(422)]])),
    'dyntype map: {"strKey":"x", 6:duration("422s"), true:42}',
  );
  assert.equal(fmt('list: %s', [[1n, 2n, [3.0, 4n]]]), 'list: [[1, 2, [3.000000, 4]]]');
  assert.equal(fmt('%s', [new CelTypeValue('int'), new CelUint(3n), -0.0]), '[int, 3, -0.000000]');
  // Strings inside are %q-quoted, as Go quotes them.
  assert.equal(fmt('%s', ['a"b\n', 'é', '\u0000', '\u200b']), '["a\\"b\\n", "é", "\\x00", "\\u200b"]');
});

test("format: errors carry cel-go's text", () => {
  throwsCel(() => fmt('%a', 1n), 'could not parse formatting clause: unrecognized formatting clause "a"');
  throwsCel(() => fmt('%d %d %d', 0n, 1n), 'index 2 out of range');
  throwsCel(() => fmt('%s %s', 'abc'), 'index 1 out of range');
  throwsCel(() => fmt('string is %b', 'abc'), 'error during formatting: only integers and bools can be formatted as binary, was given string');
  throwsCel(() => fmt('%d', dur(1802)), 'error during formatting: decimal clause can only be used on integers, was given google.protobuf.Duration');
  throwsCel(() => fmt('octal: %o', 'a string'), 'error during formatting: octal clause can only be used on integers, was given string');
  throwsCel(() => fmt('double is %x', 0.5), 'error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given double');
  throwsCel(() => fmt('double is %E', 0.5), 'could not parse formatting clause: unrecognized formatting clause "E"');
  throwsCel(
    () => fmt('object is %s', new TestAllTypes()),
    'error during formatting: string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ext.TestAllTypes',
  );
  // Inside a list or map, cel-go v0.26's clauseForType has no case for the object.
  throwsCel(() => fmt('%s', [1n, 2n, new TestAllTypes()]), 'error during formatting: no formatting function for ext.TestAllTypes');
  throwsCel(() => fmt('%s', new CelMap([[1n, 'a'], [2n, new TestAllTypes()]])), 'error during formatting: no formatting function for ext.TestAllTypes');
  throwsCel(() => fmt('%s', CelOptional.of(1n)), 'error during formatting: string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given optional_type');
  throwsCel(() => fmt('null: %d', null), 'error during formatting: decimal clause can only be used on integers, was given null_type');
  throwsCel(() => fmt('null: %e', null), 'error during formatting: scientific clause can only be used on doubles, was given null_type');
  throwsCel(() => fmt('null: %f', null), 'error during formatting: fixed-point clause can only be used on doubles, was given null_type');
  throwsCel(() => fmt('null: %x', null), 'error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given null_type');
  throwsCel(() => fmt('null: %X', null), 'error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given null_type');
  throwsCel(() => fmt('null: %b', null), 'error during formatting: only integers and bools can be formatted as binary, was given null_type');
  throwsCel(() => fmt('null: %o', null), 'error during formatting: octal clause can only be used on integers, was given null_type');
  throwsCel(() => fmt('double is %f', true), 'error during formatting: fixed-point clause can only be used on doubles, was given bool');
  throwsCel(() => fmt('%f', 'Inf'), 'error during formatting: fixed-point clause can only be used on doubles, was given string');
  throwsCel(() => fmt('int is %d', 5.2), 'error during formatting: decimal clause can only be used on integers, was given double');
  // The argument is fetched before the end of the string is noticed.
  throwsCel(() => fmt('filler %'), 'index 0 out of range');
  throwsCel(() => fmt('filler %', 'x'), 'unexpected end of string');
  throwsCel(() => fmt('double is %.34', 5.0), 'could not parse formatting clause: error while parsing precision: could not find end of precision specifier');
  throwsCel(
    () => fmt('%.f', 5.0),
    'could not parse formatting clause: error while parsing precision: error while converting precision to integer: strconv.Atoi: parsing "": invalid syntax',
  );
  throwsCel(
    () => fmt('%.99999999999999999999f', 5.0),
    'could not parse formatting clause: error while parsing precision: error while converting precision to integer: strconv.Atoi: parsing "99999999999999999999": value out of range',
  );
  // Go reads the verb as a byte: a non-ASCII verb shows as the rune of its first UTF-8 byte.
  throwsCel(() => fmt('%é', 1n), 'could not parse formatting clause: unrecognized formatting clause "Ã"');
  throwsCel(
    () => fmt('%s', Uint8Array.from([0xff])),
    'error during formatting: could not convert argument "invalid UTF-8 in bytes, cannot convert to string" to string',
  );
});

test('Go number and quote rendering helpers', () => {
  assert.equal(goFormatG(100000), '100000');
  assert.equal(goFormatG(1e21), '1e+21');
  assert.equal(goFormatG(1e-5), '1e-05');
  assert.equal(goFormatG(0.0001), '0.0001');
  assert.equal(goFormatG(-0), '-0');
  assert.equal(goFormatG(5e-324), '5e-324');
  assert.equal(goFormatFixed(1e21, 6), '1000000000000000000000.000000');
  assert.equal(goFormatFixed(0.5, 0), '0');
  assert.equal(goFormatFixed(1.5, 0), '2');
  assert.equal(goFormatFixed(-0.0000001, 6), '-0.000000');
  assert.equal(goQuote('tab\there\u007f\u{10FFFF}'), '"tab\\there\\x7f\\U0010ffff"');
});
