/** Kubernetes' CEL CIDR library: kube's cidr_test.go table, ParsePrefix's errors, declarations, cost. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CIDR_LIBRARY, CelCIDR, parsePrefix } from '../../../src/cel/lib/cidr.js';
import { CelIP, IP_LIBRARY } from '../../../src/cel/lib/ip.js';
import { celEquals, type CelValue } from '../../../src/cel/value.js';
import { typeString } from '../../../src/cel/types.js';
import { libraryCaller } from '../../helpers/cel-library.js';

const { overload, call, evalError } = libraryCaller([...CIDR_LIBRARY, ...IP_LIBRARY]);

const cidr = (s: string): CelValue => call('string_to_cidr', s);
const ip = (s: string): CelValue => call('string_to_ip', s);
const PARSE = 'network address parse error during conversion from string: ';

test("declarations: kube's function names, overload ids and signatures", () => {
  const sigs = CIDR_LIBRARY.flatMap((d) =>
    d.overloads.map((o) => `${o.id}: ${o.target ? `${typeString(o.target)}.` : ''}${d.name}(${o.params.map(typeString).join(', ')}) -> ${typeString(o.result)}`),
  );
  assert.deepEqual(sigs, [
    'string_to_cidr: cidr(string) -> net.CIDR',
    'cidr_contains_ip_string: net.CIDR.containsIP(string) -> bool',
    'cidr_contains_ip_ip: net.CIDR.containsIP(net.IP) -> bool',
    'cidr_contains_cidr_string: net.CIDR.containsCIDR(string) -> bool',
    'cidr_contains_cidr: net.CIDR.containsCIDR(net.CIDR) -> bool',
    'cidr_ip: net.CIDR.ip() -> net.IP',
    'cidr_prefix_length: net.CIDR.prefixLength() -> int',
    'cidr_masked: net.CIDR.masked() -> net.CIDR',
    'is_cidr: isCIDR(string) -> bool',
    'cidr_to_string: string(net.CIDR) -> string',
  ]);
});

test("kube's cidr_test.go: IPv4", () => {
  const v = cidr('192.168.0.0/24');
  assert.ok(v instanceof CelCIDR);
  assert.equal(v.typeName, 'net.CIDR');
  assert.equal(evalError('string_to_cidr', '192.168.0.0/'), `${PARSE}${PARSE}netip.ParsePrefix("192.168.0.0/"): bad bits after slash: ""`);
  assert.equal(call('cidr_contains_ip_ip', v, ip('192.168.0.1')), true);
  assert.equal(call('cidr_contains_ip_ip', v, ip('192.168.1.1')), false);
  assert.equal(call('cidr_contains_ip_string', v, '192.168.0.1'), true);
  assert.equal(call('cidr_contains_ip_string', v, '192.168.1.1'), false);
  assert.equal(call('cidr_contains_cidr', v, cidr('192.168.0.0/25')), true);
  assert.equal(call('cidr_contains_cidr', v, cidr('192.168.0.0/23')), false);
  assert.equal(call('cidr_contains_cidr_string', v, '192.168.0.0/25'), true);
  assert.equal(call('cidr_contains_cidr_string', v, '192.168.0.0/23'), false);
  assert.ok(celEquals(call('cidr_ip', v), ip('192.168.0.0')));
  assert.ok(celEquals(call('cidr_masked', v), cidr('192.168.0.0/24')));
  assert.ok(celEquals(call('cidr_masked', cidr('192.168.0.1/24')), cidr('192.168.0.0/24')));
  assert.equal(call('cidr_prefix_length', v), 24n);
  assert.equal(call('cidr_to_string', v), '192.168.0.0/24');
});

test("kube's cidr_test.go: IPv6", () => {
  const v = cidr('2001:db8::/32');
  assert.equal(evalError('string_to_cidr', '2001:db8::/'), `${PARSE}${PARSE}netip.ParsePrefix("2001:db8::/"): bad bits after slash: ""`);
  assert.equal(call('cidr_contains_ip_ip', v, ip('2001:db8::1')), true);
  assert.equal(call('cidr_contains_ip_ip', v, ip('2001:dc8::1')), false);
  assert.equal(call('cidr_contains_ip_string', v, '2001:db8::1'), true);
  assert.equal(call('cidr_contains_ip_string', v, '2001:dc8::1'), false);
  assert.equal(call('cidr_contains_cidr', v, cidr('2001:db8::/33')), true);
  assert.equal(call('cidr_contains_cidr', v, cidr('2001:db8::/31')), false);
  assert.equal(call('cidr_contains_cidr_string', v, '2001:db8::/33'), true);
  assert.equal(call('cidr_contains_cidr_string', v, '2001:db8::/31'), false);
  assert.ok(celEquals(call('cidr_ip', v), ip('2001:db8::')));
  assert.ok(celEquals(call('cidr_masked', v), cidr('2001:db8::/32')));
  assert.equal(call('cidr_to_string', call('cidr_masked', cidr('2001:db8:1::/32'))), '2001:db8::/32');
  assert.equal(call('cidr_prefix_length', v), 32n);
});

test("cidr.go's documented examples and kube's validation_test cases", () => {
  assert.equal(call('is_cidr', '192.168.0.0/16'), true);
  assert.equal(call('is_cidr', '::1/128'), true);
  assert.equal(call('is_cidr', '192.168.0.0/33'), false);
  assert.equal(call('is_cidr', '::1/129'), false);
  assert.equal(call('cidr_contains_cidr', cidr('192.168.0.0/16'), cidr('192.168.10.0/24')), true);
  assert.equal(call('cidr_contains_cidr', cidr('192.168.1.0/24'), cidr('192.168.2.0/24')), false);
  assert.equal(call('cidr_contains_cidr_string', cidr('192.168.0.0/16'), '192.168.10.0/24'), true);
  assert.equal(call('ip_family', call('cidr_ip', cidr('::1/128'))), 6n);
  assert.equal(call('ip_family', call('cidr_ip', cidr('192.168.0.1/24'))), 4n);
  assert.ok(celEquals(cidr('192.168.0.0/24'), call('cidr_masked', cidr('192.168.0.0/24'))));
  assert.ok(!celEquals(cidr('192.168.0.1/24'), call('cidr_masked', cidr('192.168.0.1/24'))), 'not in canonical form');
  assert.equal(call('cidr_prefix_length', cidr('::1/128')), 128n);
  // The doc's "cidr('192.168.0.1/16') // error" does not hold: host bits are accepted and kept.
  assert.equal(call('cidr_to_string', cidr('192.168.0.1/16')), '192.168.0.1/16');
});

test('containsCIDR masks the other address (kubernetes#130450, in kube since 1.33)', () => {
  assert.equal(call('cidr_contains_cidr_string', cidr('192.168.0.0/16'), '192.168.0.0/32'), true);
  assert.equal(call('cidr_contains_cidr_string', cidr('192.168.0.0/16'), '192.168.0.1/32'), true);
  assert.equal(call('cidr_contains_cidr_string', cidr('192.168.0.1/16'), '192.168.200.7/20'), true, 'the receiver is masked too');
  assert.equal(call('cidr_contains_cidr_string', cidr('192.168.0.0/16'), '192.169.0.0/24'), false);
  assert.equal(call('cidr_contains_cidr_string', cidr('10.0.0.0/8'), '::/0'), false, 'families never mix');
  assert.equal(call('cidr_contains_cidr_string', cidr('::/64'), '10.0.0.0/8'), false);
  assert.equal(call('cidr_contains_ip_string', cidr('::/0'), '10.0.0.1'), false);
  assert.equal(call('cidr_contains_ip_string', cidr('0.0.0.0/0'), '10.0.0.1'), true);
});

test("a bad string operand: containsCIDR reports the parse error, containsIP kube's 'no such overload'", () => {
  assert.equal(evalError('cidr_contains_cidr_string', cidr('10.0.0.0/8'), 'nope'), `${PARSE}${PARSE}netip.ParsePrefix("nope"): no '/'`);
  assert.equal(evalError('cidr_contains_ip_string', cidr('10.0.0.0/8'), 'nope'), 'no such overload');
  assert.equal(evalError('cidr_contains_ip_string', cidr('10.0.0.0/8'), '::ffff:10.0.0.1'), 'no such overload');
});

test("ParsePrefix's errors and kube's IPv4-mapped rejection", () => {
  const cases: [string, string][] = [
    ['10.0.0.0', `netip.ParsePrefix("10.0.0.0"): no '/'`],
    ['10.0.0/8', 'netip.ParsePrefix("10.0.0/8"): ParseAddr("10.0.0"): IPv4 address too short'],
    ['10.0.0.0/33', 'netip.ParsePrefix("10.0.0.0/33"): prefix length out of range'],
    ['::/129', 'netip.ParsePrefix("::/129"): prefix length out of range'],
    ['10.0.0.0/08', 'netip.ParsePrefix("10.0.0.0/08"): bad bits after slash: "08"'],
    ['10.0.0.0/+8', 'netip.ParsePrefix("10.0.0.0/+8"): bad bits after slash: "+8"'],
    ['10.0.0.0/-', 'netip.ParsePrefix("10.0.0.0/-"): bad bits after slash: "-"'],
    ['10.0.0.0/8x', 'netip.ParsePrefix("10.0.0.0/8x"): bad bits after slash: "8x"'],
    ['fe80::%eth0/64', 'netip.ParsePrefix("fe80::%eth0/64"): IPv6 zones cannot be present in a prefix'],
  ];
  for (const [input, message] of cases) assert.deepEqual(parsePrefix(input), { ok: false, error: message }, input);
  assert.equal(evalError('string_to_cidr', '10.0.0.0/33'), `${PARSE}${PARSE}netip.ParsePrefix("10.0.0.0/33"): prefix length out of range`);
  assert.equal(evalError('string_to_cidr', '::ffff:1.2.3.4/120'), `${PARSE}IPv4-mapped IPv6 address "::ffff:1.2.3.4/120" is not allowed`);
  assert.equal(call('is_cidr', '::ffff:1.2.3.4/120'), false);
  assert.equal(call('is_cidr', '10.0.0.0/0'), true);
});

test('equality is on the address as written and the length', () => {
  assert.ok(celEquals(cidr('10.0.0.0/8'), cidr('10.0.0.0/8')));
  assert.ok(!celEquals(cidr('10.0.0.0/8'), cidr('10.0.0.0/9')));
  assert.ok(!celEquals(cidr('10.0.0.0/8'), cidr('10.0.0.1/8')));
  const v = call('cidr_ip', cidr('10.1.2.3/8'));
  assert.ok(v instanceof CelIP && String(v) === '10.1.2.3', 'ip() keeps the host bits');
});

test("kube's runtime costs", () => {
  const extra = (id: string, ...args: CelValue[]): number | undefined => overload(id).cost?.(args);
  assert.equal(extra('string_to_cidr', '2001:0db8:0000:0000:0000:0000:0000:0000/128'), 4, 'ceil(43 × 0.1) = 5');
  // containsIP: ceil(2 × ceil(24/8) × 0.1) = 1, plus ceil(11 × 0.1) = 2 for parsing the string.
  assert.equal(extra('cidr_contains_ip_string', cidr('192.168.0.0/24'), '192.168.0.1'), 2);
  assert.equal(extra('cidr_contains_ip_ip', cidr('192.168.0.0/24'), ip('192.168.0.1')), 0);
  // containsCIDR on a /128: ceil(32 × 0.1) + ceil(16 × 0.1) + 1 = 4 + 2 + 1.
  assert.equal(extra('cidr_contains_cidr', cidr('::1/128'), cidr('::1/128')), 6);
  assert.equal(overload('cidr_ip').cost, undefined);
});
