/** Kubernetes' CEL IP library: kube's ip_test.go table, netip's parse errors, declarations, cost. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CelIP, IP_LIBRARY, parseAddr } from '../../../src/cel/lib/ip.js';
import { goQuote, goQuoteBytes } from '../../../src/util/goquote.js';
import { celEquals, type CelValue } from '../../../src/cel/value.js';
import { typeString } from '../../../src/cel/types.js';
import { libraryCaller } from '../../helpers/cel-library.js';
import type { Overload } from '../../../src/cel/decl.js';

const { overload, call, evalError } = libraryCaller(IP_LIBRARY);

const ip = (s: string): CelValue => call('string_to_ip', s);

/** "name(target.)(params) -> result", to pin each declaration's shape. */
function signature(name: string, o: Overload): string {
  const target = o.target ? `${typeString(o.target)}.` : '';
  return `${target}${name}(${o.params.map(typeString).join(', ')}) -> ${typeString(o.result)}`;
}

test("declarations: kube's function names, overload ids and signatures", () => {
  const sigs = IP_LIBRARY.flatMap((d) => d.overloads.map((o) => `${o.id}: ${signature(d.name, o)}`));
  assert.deepEqual(sigs, [
    'string_to_ip: ip(string) -> net.IP',
    'ip_family: net.IP.family() -> int',
    'ip_is_canonical: ip.isCanonical(string) -> bool',
    'ip_is_unspecified: net.IP.isUnspecified() -> bool',
    'ip_is_loopback: net.IP.isLoopback() -> bool',
    'ip_is_link_local_multicast: net.IP.isLinkLocalMulticast() -> bool',
    'ip_is_link_local_unicast: net.IP.isLinkLocalUnicast() -> bool',
    'ip_is_global_unicast: net.IP.isGlobalUnicast() -> bool',
    'is_ip: isIP(string) -> bool',
    'ip_to_string: string(net.IP) -> string',
  ]);
});

test("kube's ip_test.go: IPv4", () => {
  const v = ip('192.168.0.1');
  assert.ok(v instanceof CelIP);
  assert.equal(v.typeName, 'net.IP');
  assert.equal(String(v), '192.168.0.1');
  assert.equal(
    evalError('string_to_ip', '192.168.0.1.0'),
    'IP Address "192.168.0.1.0" parse error during conversion from string: ParseAddr("192.168.0.1.0"): IPv4 address too long',
  );
  assert.equal(call('is_ip', '192.168.0.1'), true);
  assert.equal(call('is_ip', '192.168.0.1.0'), false);
  assert.equal(call('ip_is_canonical', '127.0.0.1'), true);
  assert.equal(
    evalError('ip_is_canonical', '127.0.0.1.0'),
    'IP Address "127.0.0.1.0" parse error during conversion from string: ParseAddr("127.0.0.1.0"): IPv4 address too long',
  );
  assert.equal(call('ip_family', ip('192.168.0.1')), 4n);
  assert.equal(call('ip_is_unspecified', ip('0.0.0.0')), true);
  assert.equal(call('ip_is_unspecified', ip('127.0.0.1')), false);
  assert.equal(call('ip_is_loopback', ip('127.0.0.1')), true);
  assert.equal(call('ip_is_loopback', ip('1.2.3.4')), false);
  assert.equal(call('ip_is_link_local_multicast', ip('224.0.0.1')), true);
  assert.equal(call('ip_is_link_local_multicast', ip('224.0.1.1')), false);
  assert.equal(call('ip_is_link_local_unicast', ip('169.254.169.254')), true);
  assert.equal(call('ip_is_link_local_unicast', ip('192.168.0.1')), false);
  assert.equal(call('ip_is_global_unicast', ip('192.168.0.1')), true);
  assert.equal(call('ip_is_global_unicast', ip('255.255.255.255')), false);
  assert.equal(call('ip_to_string', ip('192.168.0.1')), '192.168.0.1');
});

test("kube's ip_test.go: IPv6", () => {
  assert.equal(String(ip('2001:db8::68')), '2001:db8::68');
  assert.equal(
    evalError('string_to_ip', '2001:db8:::68'),
    'IP Address "2001:db8:::68" parse error during conversion from string: ParseAddr("2001:db8:::68"): each colon-separated field must have at least one digit (at ":68")',
  );
  assert.equal(call('is_ip', '2001:db8::68'), true);
  assert.equal(call('is_ip', '2001:db8:::68'), false);
  assert.equal(call('ip_is_canonical', '2001:db8::68'), true);
  assert.equal(call('ip_is_canonical', '2001:DB8::68'), false);
  assert.match(evalError('ip_is_canonical', '2001:db8:::68'), /each colon-separated field must have at least one digit \(at ":68"\)$/);
  assert.equal(call('ip_family', ip('2001:db8::68')), 6n);
  assert.equal(call('ip_is_unspecified', ip('::')), true);
  assert.equal(call('ip_is_unspecified', ip('::1')), false);
  assert.equal(call('ip_is_loopback', ip('::1')), true);
  assert.equal(call('ip_is_loopback', ip('2001:db8::abcd')), false);
  assert.equal(call('ip_is_link_local_multicast', ip('ff02::1')), true);
  assert.equal(call('ip_is_link_local_multicast', ip('fd00::1')), false);
  assert.equal(call('ip_is_link_local_unicast', ip('fe80::1')), true);
  assert.equal(call('ip_is_link_local_unicast', ip('fd80::1')), false);
  assert.equal(call('ip_is_global_unicast', ip('2001:db8::abcd')), true);
  assert.equal(call('ip_is_global_unicast', ip('ff00::1')), false);
});

test("ip.go's documented examples", () => {
  assert.equal(call('ip_is_canonical', '2001:db8::abcd'), true);
  assert.equal(call('ip_is_canonical', '2001:DB8::ABCD'), false);
  assert.equal(call('ip_is_canonical', '2001:db8::0:0:0:abcd'), false);
  assert.equal(call('is_ip', '127.0.0.256'), false);
  assert.equal(call('is_ip', ':::1'), false);
  assert.equal(call('ip_is_loopback', ip('192.168.0.1')), false);
  assert.equal(call('ip_is_global_unicast', ip('0.0.0.0')), false);
  assert.equal(call('ip_is_global_unicast', ip('10.0.0.1')), true, 'private IPv4 still counts, as in netip');
  assert.equal(call('ip_is_global_unicast', ip('fd00::1')), true, 'ULA IPv6 still counts');
  assert.equal(call('ip_is_global_unicast', ip('::')), false);
  assert.equal(call('ip_is_global_unicast', ip('fe80::1')), false);
});

test('kube rejects zones and IPv4-mapped IPv6 addresses, with its own messages', () => {
  assert.equal(evalError('string_to_ip', 'fe80::1%eth0'), 'IP address "fe80::1%eth0" with zone value is not allowed');
  assert.equal(evalError('string_to_ip', '::ffff:1.2.3.4'), 'IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed');
  assert.equal(evalError('string_to_ip', '::ffff:102:304'), 'IPv4-mapped IPv6 address "::ffff:102:304" is not allowed');
  assert.equal(call('is_ip', 'fe80::1%eth0'), false);
  assert.equal(call('is_ip', '::ffff:1.2.3.4'), false);
  // An embedded IPv4 is fine when it is not the ::ffff: mapping.
  assert.equal(String(ip('64:ff9b::1.2.3.4')), '64:ff9b::102:304');
});

test("netip's parse errors, word for word", () => {
  const cases: [string, string][] = [
    ['', 'ParseAddr(""): unable to parse IP'],
    ['abc', 'ParseAddr("abc"): unable to parse IP'],
    ['%eth0', 'ParseAddr("%eth0"): missing IPv6 address'],
    ['127.0.0.256', 'ParseAddr("127.0.0.256"): IPv4 field has value >255'],
    ['01.2.3.4', 'ParseAddr("01.2.3.4"): IPv4 field has octet with leading zero'],
    ['1.2.3', 'ParseAddr("1.2.3"): IPv4 address too short'],
    ['1..2.3', 'ParseAddr("1..2.3"): IPv4 field must have at least one digit (at ".2.3")'],
    ['.1.2.3', 'ParseAddr(".1.2.3"): IPv4 field must have at least one digit (at ".1.2.3")'],
    ['1.2.3.4x', 'ParseAddr("1.2.3.4x"): unexpected character (at "x")'],
    ['12345::1', 'ParseAddr("12345::1"): each group must have 4 or less digits (at "12345::1")'],
    ['1::2::3', 'ParseAddr("1::2::3"): multiple :: in address (at ":3")'],
    ['1:2:3:4:5:6:7', 'ParseAddr("1:2:3:4:5:6:7"): address string too short'],
    ['1:2:3:4:5:6:7:8:9', 'ParseAddr("1:2:3:4:5:6:7:8:9"): trailing garbage after address (at "9")'],
    ['1:2:3:4:5:6:7:8::', 'ParseAddr("1:2:3:4:5:6:7:8::"): the :: must expand to at least one field of zeros'],
    ['1:', 'ParseAddr("1:"): colon must be followed by more characters (at ":")'],
    ['1:2x', 'ParseAddr("1:2x"): unexpected character, want colon (at "x")'],
    ['fe80::1%', 'ParseAddr("fe80::1%"): zone must be a non-empty string'],
    ['1.2.3.4:5', 'ParseAddr("1.2.3.4:5"): unexpected character (at ":5")'],
    ['::1:2:3:4:5:6:7:1.2.3.4', 'ParseAddr("::1:2:3:4:5:6:7:1.2.3.4"): too many hex fields to fit an embedded IPv4 at the end of the address (at "1.2.3.4")'],
    ['1:2:3:4:5:6:7:1.2.3.4', 'ParseAddr("1:2:3:4:5:6:7:1.2.3.4"): embedded IPv4 address must replace the final 2 fields of the address (at "1.2.3.4")'],
    ['1:2:3.4.5.6', 'ParseAddr("1:2:3.4.5.6"): embedded IPv4 address must replace the final 2 fields of the address (at "3.4.5.6")'],
    ['::1.2.3.04', 'ParseAddr("::1.2.3.04"): IPv4 field has octet with leading zero'],
  ];
  for (const [input, message] of cases) {
    const r = parseAddr(input);
    assert.deepEqual(r, { ok: false, error: message }, input);
  }
});

test('IPv6 text is RFC 5952, as netip prints it', () => {
  assert.equal(call('ip_to_string', ip('2001:0db8:0000:0000:0000:0000:0000:0001')), '2001:db8::1');
  assert.equal(call('ip_to_string', ip('1:0:0:1:0:0:0:1')), '1:0:0:1::1', 'the longest zero run is elided');
  assert.equal(call('ip_to_string', ip('1:0:2:3:4:5:6:7')), '1:0:2:3:4:5:6:7', 'a single zero group stays');
  assert.equal(call('ip_to_string', ip('0:0:1::')), '0:0:1::');
  assert.equal(call('ip_to_string', ip('::')), '::');
  assert.equal(call('ip_to_string', ip('1:0:0:2:0:0:3:4')), '1::2:0:0:3:4', 'the first of two equal runs wins');
});

test('equality compares addresses, and IPv4 never equals its IPv6 mapping', () => {
  assert.ok(celEquals(ip('2001:db8::1'), ip('2001:0db8::0001')));
  assert.ok(!celEquals(ip('10.0.0.1'), ip('10.0.0.2')));
  assert.ok(!celEquals(ip('0.0.0.0'), ip('::')));
});

test("Go's strconv.Quote", () => {
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('\n\t\x01\x7f'), '"\\n\\t\\x01\\x7f"');
  assert.equal(goQuote('é€😀'), '"é€😀"');
  assert.equal(goQuote('\u00a0\u200b'), '"\\u00a0\\u200b"');
  assert.equal(goQuoteBytes(new Uint8Array([0x25, 0x7a, 0xc3])), '"%z\\xc3"');
});

test("kube's runtime costs: a string traversal for parsing, doubled for ip.isCanonical", () => {
  const extra = (id: string, ...args: CelValue[]): number | undefined => overload(id).cost?.(args);
  const long = '2001:0db8:0000:0000:0000:0000:0000:0001'; // 39 characters: ceil(3.9) = 4
  assert.equal(extra('string_to_ip', long), 3);
  assert.equal(extra('is_ip', long), 3);
  assert.equal(extra('ip_is_canonical', long), 7, 'ceil(39 * 2 * 0.1) = 8');
  assert.equal(extra('string_to_ip', '::1'), 0);
  assert.equal(overload('ip_family').cost, undefined, 'accessors cost the flat 1');
});
