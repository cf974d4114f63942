/** Kubernetes' CEL quantity library: kube's quantity_test.go, apimachinery's parse table, kube's quirks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CelQuantity, QUANTITY_LIBRARY, parseQuantity } from '../../../src/cel/lib/quantity.js';
import { celEquals, type CelValue } from '../../../src/cel/value.js';
import { typeString } from '../../../src/cel/types.js';
import { libraryCaller } from '../../helpers/cel-library.js';

const { overload, call, evalError } = libraryCaller(QUANTITY_LIBRARY);

const q = (s: string): CelValue => call('string_to_quantity', s);
const cmp = (a: string, b: string): CelValue => call('quantity_compare_to', q(a), q(b));
const FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

test("declarations: kube's function names, overload ids and signatures (sign is global)", () => {
  const sigs = QUANTITY_LIBRARY.flatMap((d) =>
    d.overloads.map((o) => `${o.id}: ${o.target ? `${typeString(o.target)}.` : ''}${d.name}(${o.params.map(typeString).join(', ')}) -> ${typeString(o.result)}`),
  );
  assert.deepEqual(sigs, [
    'string_to_quantity: quantity(string) -> kubernetes.Quantity',
    'is_quantity_string: isQuantity(string) -> bool',
    'quantity_sign: sign(kubernetes.Quantity) -> int',
    'quantity_is_greater_than: kubernetes.Quantity.isGreaterThan(kubernetes.Quantity) -> bool',
    'quantity_is_less_than: kubernetes.Quantity.isLessThan(kubernetes.Quantity) -> bool',
    'quantity_compare_to: kubernetes.Quantity.compareTo(kubernetes.Quantity) -> int',
    'quantity_get_float: kubernetes.Quantity.asApproximateFloat() -> double',
    'quantity_get_int: kubernetes.Quantity.asInteger() -> int',
    'quantity_is_integer: kubernetes.Quantity.isInteger() -> bool',
    'quantity_add: kubernetes.Quantity.add(kubernetes.Quantity) -> kubernetes.Quantity',
    'quantity_add_int: kubernetes.Quantity.add(int) -> kubernetes.Quantity',
    'quantity_sub: kubernetes.Quantity.sub(kubernetes.Quantity) -> kubernetes.Quantity',
    'quantity_sub_int: kubernetes.Quantity.sub(int) -> kubernetes.Quantity',
  ]);
});

test("kube's quantity_test.go", () => {
  const twelveMi = q('12Mi');
  assert.ok(twelveMi instanceof CelQuantity);
  assert.equal(twelveMi.typeName, 'kubernetes.Quantity');
  assert.equal(call('quantity_get_int', twelveMi), 12n * 1024n * 1024n);
  assert.equal(evalError('string_to_quantity', '10Mo'), FORMAT);
  assert.equal(evalError('string_to_quantity', '10Mm'), "unable to parse quantity's suffix");
  assert.equal(call('is_quantity_string', '20'), true);
  assert.equal(call('is_quantity_string', '20M'), true);
  assert.equal(call('is_quantity_string', '20Mi'), true);
  assert.equal(call('is_quantity_string', '20Mo'), false);
  assert.equal(call('is_quantity_string', '10Mm'), false);
  assert.ok(celEquals(q('200M'), q('200M')));
  assert.ok(celEquals(q('200M'), q('0.2G')) && celEquals(q('0.2G'), q('200M')));
  assert.ok(celEquals(q('2M'), q('0.002G')) && celEquals(q('2000k'), q('2M')) && celEquals(q('0.002G'), q('2000k')));
  assert.ok(!celEquals(q('200M'), q('0.3G')));
  assert.equal(call('quantity_is_less_than', q('50M'), q('50Mi')), true);
  assert.equal(call('quantity_is_less_than', q('50M'), q('100M')), true);
  assert.equal(call('quantity_is_less_than', q('100M'), q('50M')), false);
  assert.equal(call('quantity_is_greater_than', q('50Mi'), q('50M')), true);
  assert.equal(call('quantity_is_greater_than', q('150Mi'), q('100Mi')), true);
  assert.equal(call('quantity_is_greater_than', q('50M'), q('100M')), false);
  assert.equal(cmp('200M', '0.2G'), 0n);
  assert.equal(cmp('50M', '50Mi'), -1n);
  assert.equal(cmp('50Mi', '50M'), 1n);
  assert.ok(celEquals(call('quantity_add', q('50k'), q('20')), q('50.02k')));
  assert.equal(call('quantity_is_less_than', call('quantity_add_int', q('50k'), 20n), q('50020')), false);
  assert.ok(celEquals(call('quantity_sub', q('50k'), q('20')), q('49.98k')));
  assert.ok(celEquals(call('quantity_sub_int', q('50k'), 20n), q('49980')));
  const chain = call('quantity_sub', call('quantity_add_int', q('50k'), 20n), q('100k'));
  assert.equal(call('quantity_get_int', chain), -49980n);
  assert.equal(call('quantity_get_int', call('quantity_sub_int', chain, -50000n)), 20n);
  assert.equal(call('quantity_get_int', q('50k')), 50000n);
  assert.equal(evalError('quantity_get_int', q('9999999999999999999999999999999999999G')), 'cannot convert value to integer');
  assert.equal(call('quantity_is_integer', q('9999999999999999999999999999999999999G')), false);
  assert.equal(call('quantity_is_integer', q('50')), true);
  assert.equal(call('quantity_get_float', q('50.703k')), 50703);
});

test("kube's validation_test 'quantity' cases and quantity.go's examples", () => {
  assert.ok(celEquals(call('quantity_add', q('50k'), q('20')), q('50.02k')));
  assert.ok(celEquals(call('quantity_sub', q('50k'), q('20')), q('49980')));
  assert.equal(call('quantity_is_integer', q('20')), true);
  assert.equal(call('quantity_is_integer', q('50000000G')), true);
  assert.equal(call('quantity_is_integer', q('50k')), true);
  assert.equal(call('quantity_get_float', call('quantity_sub_int', q('50k'), 20000n)), 30000);
  assert.ok(celEquals(call('quantity_add_int', q('50k'), 20n), q('50020')));
  assert.ok(celEquals(call('quantity_sub_int', q('50k'), 20000n), q('30k')));
  assert.ok(celEquals(call('quantity_sub_int', call('quantity_sub', call('quantity_add_int', q('50k'), 20n), q('100k')), -50000n), q('20')));
  for (const s of ['1.5G', '200k', '1.3G', '1.3Gi', '10000k']) assert.equal(call('is_quantity_string', s), true, s);
  for (const s of ['200K', 'Three', '1,3G']) assert.equal(call('is_quantity_string', s), false, s);
});

test("apimachinery's TestQuantityParse values", () => {
  const same: [string, string][] = [
    ['0n', '0'],
    ['1Ki', '1024'],
    ['7Mi', `${7 * 1024 * 1024}`],
    ['3Ei', `${3n * 1024n ** 6n}`],
    ['5n', '0.000000005'],
    ['50k', '50000'],
    ['1E', '1e18'],
    ['1E-3', '0.001'],
    ['1.3E+6', '1300000'],
    ['100.035k', '100035'],
    ['0.0005k', '0.5'],
    ['1.7E18', '1700000000000000000'],
    ['3.001n', '4n'], // rounds up to the next nano
    ['1.1E-9', '2n'],
    ['0.0000000001', '1n'],
    ['0.00000012345', '124n'],
    ['9Ei', '9223372036854775807'], // binary quantities are capped at MaxInt64
    ['9223372036854775807Ki', '9223372036854775807'],
    ['12E', '12000000000000000000'], // decimal ones are not
    ['100.035Ki', '102435.84'],
    ['0.5Mi', '524288'],
    ['0.000000000001Ki', '2n'],
    ['.001', '1m'],
    ['1.', '1'],
    ['1.G', '1G'],
    ['-1.025Ti', '-1126999418470.4'],
    ['+1Ki', '1024'],
  ];
  for (const [a, b] of same) assert.equal(cmp(a, b), 0n, `${a} == ${b}`);
  for (const s of ['1.1.M', '1+1.0M', '0.1mi', '0.1am', 'aoeu', '.5i', '1i', '-3.01i', '-3.01e-', ' 1', '1 ', '']) {
    assert.equal(call('is_quantity_string', s), false, JSON.stringify(s));
  }
});

test('ParseQuantity edge cases, decided by the scanner as written', () => {
  assert.equal(evalError('string_to_quantity', ''), FORMAT);
  assert.equal(evalError('string_to_quantity', '1e'), "unable to parse quantity's suffix");
  assert.equal(evalError('string_to_quantity', '200K'), "unable to parse quantity's suffix");
  // A 19-digit mantissa over MaxInt64 fails on the int64 path instead of moving to inf.Dec ...
  assert.equal(evalError('string_to_quantity', '9223372036854775808'), 'unable to parse numeric part of quantity');
  // ... a 20-digit one takes the inf.Dec path and parses.
  assert.equal(cmp('19223372036854775808', '19223372036854775807'), 1n);
  // No digits before a suffix is zero, whatever quantity.go's comment says about 'Mi'.
  assert.equal(call('quantity_sign', q('Mi')), 0n);
  assert.equal(call('quantity_sign', q('+')), 0n);
  assert.equal(evalError('string_to_quantity', '+.e-20'), 'unable to parse numeric part of quantity');
});

test('isInteger, asInteger and asApproximateFloat answer from the representation, as in kube', () => {
  // The int64 form at a negative scale does not convert, whatever the number.
  assert.equal(call('quantity_is_integer', q('1.000')), false);
  assert.equal(evalError('quantity_get_int', q('1.000')), 'cannot convert value to integer');
  assert.equal(call('quantity_is_integer', call('quantity_add', q('1.5'), q('0.5'))), false);
  // Fractional binary and >int64 values parse to inf.Dec, which never converts.
  assert.equal(call('quantity_is_integer', q('1.5Gi')), false);
  assert.equal(call('quantity_is_integer', q('1Ei')), false);
  assert.equal(call('quantity_is_integer', q('1Ti')), true);
  assert.equal(call('quantity_is_integer', q('1Pi')), false, "1Pi misses ParseQuantity's int64 precision estimate");
  assert.equal(call('quantity_get_int', q('-8E')), -8000000000000000000n);
  assert.equal(call('quantity_is_integer', q('10E')), false, '1e19 overflows int64');
  assert.equal(call('quantity_get_float', q('1.5Gi')), 1610612736);
  assert.equal(call('quantity_get_float', q('1m')), 0.001);
  assert.equal(call('quantity_get_float', q('0e400')), NaN, "0 × Go's Pow10(400) = 0 × +Inf");
  assert.equal(call('quantity_get_float', q('1e400')), Infinity);
});

test('a comparison with an inf.Dec quantity leaves the receiver in inf.Dec form (kube mutates it)', () => {
  const one = q('1');
  assert.equal(call('quantity_is_integer', one), true);
  assert.equal(call('quantity_compare_to', one, q('1Ei')), -1n);
  assert.equal(call('quantity_is_integer', one), false);
  const two = q('2');
  assert.ok(!celEquals(two, q('1Ei')));
  assert.equal(call('quantity_is_integer', two), true, '== compares copies');
});

test("add/sub on an inf.Dec receiver write through kube's shared *inf.Dec", () => {
  const big = q('1.5Gi'); // inf.Dec
  const sum = call('quantity_add', big, q('1'));
  assert.equal(call('quantity_get_float', sum), 1610612737);
  assert.equal(call('quantity_get_float', big), 1610612737, 'the receiver changed too');
  const small = q('5'); // int64 form: copied, not shared
  call('quantity_add', small, q('1'));
  assert.equal(call('quantity_get_int', small), 5n);
});

test("== never holds with an add/sub result on the right (kube's Equal only takes the value type)", () => {
  assert.ok(celEquals(call('quantity_add', q('50k'), q('20')), q('50.02k')));
  assert.ok(!celEquals(q('50.02k'), call('quantity_add', q('50k'), q('20'))));
  assert.ok(!celEquals(call('quantity_add_int', q('1'), 1n), call('quantity_add_int', q('1'), 1n)));
});

test("kube 1.35's int64 edge: -MinInt64 wraps in sub, a wrapped scale difference divides by zero", () => {
  const minInt64 = -(1n << 63n);
  assert.equal(call('quantity_get_int', call('quantity_sub_int', q('0'), minInt64)), minInt64);
  assert.equal(call('quantity_get_int', call('quantity_sub_int', q('1'), minInt64)), minInt64 + 1n);
  // Overflow moves to inf.Dec, exact but no longer an integer to kube.
  assert.equal(evalError('quantity_get_int', call('quantity_add_int', q('-1'), minInt64)), 'cannot convert value to integer');
  assert.equal(call('quantity_compare_to', call('quantity_add_int', q('-1'), minInt64), q('-9223372036854775809.0')), 0n);
  assert.equal(evalError('quantity_compare_to', q('1e2147483647'), q('1n')), 'internal error: runtime error: integer divide by zero');
  assert.equal(call('quantity_get_float', call('quantity_add', q('1e2147483647'), q('1n'))), 2e-9, 'the wrapped scale skips the alignment');
});

test('exact arithmetic past int64, and a refusal where kube would never finish', () => {
  const big = call('quantity_add', q('9223372036854775807'), q('1'));
  assert.equal(call('quantity_compare_to', big, q('9223372036854775807')), 1n);
  assert.equal(call('quantity_is_integer', big), false);
  const back = call('quantity_sub', big, q('1'));
  assert.equal(call('quantity_compare_to', back, q('9223372036854775807')), 0n);
  assert.equal(evalError('quantity_get_int', back), 'cannot convert value to integer', 'still inf.Dec');
  assert.equal(cmp('1e1000', '1e999'), 1n);
  assert.equal(cmp('-1e1000', '1'), -1n);
  assert.match(evalError('string_to_quantity', '12345678901234567890e1000000'), /needs more than 100000 digits/);
});

test("kube's runtime costs", () => {
  assert.equal(overload('string_to_quantity').cost?.(['123456789012345678901']), 2, 'ceil(21 × 0.1) = 3');
  assert.equal(overload('is_quantity_string').cost?.(['1']), 0);
  assert.equal(overload('quantity_add').cost, undefined);
});

test('parseQuantity keeps the int64 form where apimachinery does', () => {
  assert.deepEqual(parseQuantity('50k'), { i: { value: 50n, scale: 3 }, d: null });
  assert.deepEqual(parseQuantity('-100.035k'), { i: { value: -100035n, scale: 0 }, d: null });
  assert.deepEqual(parseQuantity('1Ki'), { i: { value: 1024n, scale: 0 }, d: null });
  assert.equal(parseQuantity('0.5Ki').d?.scale, 9);
});
