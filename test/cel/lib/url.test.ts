/** Kubernetes' CEL URL library: kube's validation_test cases, net/url's accepted forms and errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CelURL, URL_LIBRARY } from '../../../src/cel/lib/url.js';
import { CelMap, celEquals, type CelValue } from '../../../src/cel/value.js';
import { typeString } from '../../../src/cel/types.js';
import { libraryCaller } from '../../helpers/cel-library.js';

const { overload, call, evalError } = libraryCaller(URL_LIBRARY);

const url = (s: string): CelValue => call('string_to_url', s);
const get = (accessor: string, s: string): CelValue => call(`url_get_${accessor}`, url(s));
const query = (s: string): Record<string, CelValue> => {
  const m = get('query', s);
  assert.ok(m instanceof CelMap);
  return Object.fromEntries([...m.pairs()].map(([k, v]) => [String(k), v]));
};
const ERR = 'URL parse error during conversion from string: ';

test("declarations: kube's function names, overload ids and signatures", () => {
  const sigs = URL_LIBRARY.flatMap((d) =>
    d.overloads.map((o) => `${o.id}: ${o.target ? `${typeString(o.target)}.` : ''}${d.name}(${o.params.map(typeString).join(', ')}) -> ${typeString(o.result)}`),
  );
  assert.deepEqual(sigs, [
    'string_to_url: url(string) -> kubernetes.URL',
    'url_get_scheme: kubernetes.URL.getScheme() -> string',
    'url_get_host: kubernetes.URL.getHost() -> string',
    'url_get_hostname: kubernetes.URL.getHostname() -> string',
    'url_get_port: kubernetes.URL.getPort() -> string',
    'url_get_escaped_path: kubernetes.URL.getEscapedPath() -> string',
    'url_get_query: kubernetes.URL.getQuery() -> map(string, list(string))',
    'is_url_string: isURL(string) -> bool',
  ]);
});

test("kube's validation_test 'URL parsing' cases", () => {
  assert.equal(get('scheme', '/path'), '');
  assert.equal(get('scheme', 'https://example.com/'), 'https');
  assert.equal(get('host', 'https://example.com:80/'), 'example.com:80');
  assert.equal(get('host', 'https://example.com/'), 'example.com');
  assert.equal(get('host', 'https://[::1]:80/'), '[::1]:80');
  assert.equal(get('host', 'https://[::1]/'), '[::1]');
  assert.equal(get('host', '/path'), '');
  assert.equal(get('hostname', 'https://example.com:80/'), 'example.com');
  assert.equal(get('hostname', 'https://127.0.0.1/'), '127.0.0.1');
  assert.equal(get('hostname', 'https://[::1]/'), '::1');
  assert.equal(get('hostname', '/path'), '');
  assert.equal(get('port', 'https://example.com:80/'), '80');
  assert.equal(get('port', 'https://example.com/'), '');
  assert.equal(get('port', '/path'), '');
  assert.equal(get('escaped_path', 'https://example.com/path'), '/path');
  assert.equal(get('escaped_path', 'https://example.com/with space/'), '/with%20space/');
  assert.equal(get('escaped_path', 'https://example.com'), '');
  assert.deepEqual(query('https://example.com/path?k1=a&k2=b&k2=c'), { k1: ['a'], k2: ['b', 'c'] });
  assert.deepEqual(query('https://example.com/path?key with spaces=value with spaces'), { 'key with spaces': ['value with spaces'] });
  assert.deepEqual(query('https://example.com/path?'), {});
  assert.deepEqual(query('https://example.com/path'), {});

  const full = 'https://user:pass@kubernetes.io:80/docs/home?k1=a&k2=b&k2=c#anchor';
  assert.equal(get('scheme', full), 'https');
  assert.equal(get('host', full), 'kubernetes.io:80');
  assert.equal(get('hostname', full), 'kubernetes.io');
  assert.equal(get('port', full), '80');
  assert.equal(get('escaped_path', full), '/docs/home');
  assert.deepEqual(query(full), { k1: ['a'], k2: ['b', 'c'] });

  assert.equal(call('is_url_string', 'https://user:pass@example.com:80/path?query=val#fragment'), true);
  assert.equal(call('is_url_string', '/path'), true);
  assert.equal(call('is_url_string', 'https://a:b:c/'), false);
  assert.equal(call('is_url_string', '../relative-path'), false);
  // kube's cost test parses this: after the scheme the rest has no leading '/', so it is opaque.
  assert.equal(get('hostname', 'https:://kubernetes.io/'), '');
});

test("urls.go's documented examples", () => {
  assert.ok(url('https://user:pass@example.com:80/path?query=val#fragment') instanceof CelURL);
  assert.equal(get('hostname', 'https://[::1]:80/'), '::1');
  assert.equal(get('escaped_path', 'https://example.com/path with spaces/'), '/path%20with%20spaces/');
  assert.equal(evalError('string_to_url', 'https://a:b:c/'), `${ERR}parse "https://a:b:c/": invalid port ":c" after host`);
  assert.equal(evalError('string_to_url', '../relative-path'), `${ERR}parse "../relative-path": invalid URI for request`);
});

test("net/url's errors, word for word (Go 1.25, with the CVE-2025-47912 bracket check)", () => {
  const cases: [string, string][] = [
    ['', 'empty url'],
    ['://x', 'missing protocol scheme'],
    ['http://x/\x01', 'net/url: invalid control character in URL'],
    ['relative/path', 'invalid URI for request'],
    ['https://example.com:abc/x', 'invalid port ":abc" after host'],
    ['https://ü@example.com/', 'net/url: invalid userinfo'],
    ['https://example.com/%zz', 'invalid URL escape "%zz"'],
    ['https://example.com/%zé', 'invalid URL escape "%z\\xc3"'],
    ['https://a{b}/', 'invalid character "{" in host name'],
    ['https://%41/', 'invalid URL escape "%41"'],
    ['http://[::1', "missing ']' in host"],
    ['http://[::1]x/', 'invalid port "x" after host'],
    ['https://[1.2.3.4]/', 'invalid IP-literal'],
    ['https://a[::1]/', 'invalid IP-literal'],
    ['https://[v1.x]/', 'invalid host: ParseAddr("v1.x"): unexpected character (at "v1.x")'],
  ];
  for (const [input, message] of cases) {
    const quoted = JSON.stringify(input).replace('\\u0001', '\\x01').replace('ü', 'ü');
    assert.equal(evalError('string_to_url', input), `${ERR}parse ${quoted}: ${message}`, input);
    assert.equal(call('is_url_string', input), false, input);
  }
});

test('accepted forms: absolute paths, opaque URIs, zones, userinfo with @', () => {
  assert.equal(get('escaped_path', '/absolute-path'), '/absolute-path');
  assert.equal(get('escaped_path', '*'), '*');
  assert.equal(get('scheme', 'MAILTO:someone@example.com'), 'mailto', 'the scheme is lowercased');
  assert.equal(get('host', 'mailto:someone@example.com'), '', 'a rootless path is opaque');
  assert.equal(get('host', 'http://[fe80::1%25en0]:8080/'), '[fe80::1%en0]:8080');
  assert.equal(get('hostname', 'http://[fe80::1%25en0]:8080/'), 'fe80::1%en0');
  assert.equal(get('host', 'http://user:p@ss@example.com/'), 'example.com', 'the last @ ends the userinfo');
  assert.equal(get('host', 'http://EXAMPLE.com/'), 'EXAMPLE.com', 'the host keeps its case');
  assert.equal(get('port', 'http://example.com:/'), '', 'an empty port is valid and empty');
  assert.equal(get('host', 'http://[::ffff:1.2.3.4]/'), '[::ffff:1.2.3.4]', 'IPv4-mapped IPv6 may be bracketed');
  assert.equal(get('escaped_path', 'http://example.com/a%2Fb'), '/a%2Fb', 'a valid escaping is kept as written');
  assert.equal(get('escaped_path', 'http://example.com/caf%C3%A9'), '/caf%C3%A9');
  assert.equal(get('escaped_path', 'http://example.com/café'), '/caf%C3%A9', 'non-ASCII is escaped as UTF-8 bytes');
  assert.equal(get('host', 'http://ex%C3%A4mple.com/'), 'exämple.com', 'hosts may escape non-ASCII bytes');
});

test('url.Parse, not ParseRequestURI, builds the value: "//host/path" gains a host, and can still fail', () => {
  // ParseRequestURI reads "//host/path" as a path; url.Parse, which kube keeps, reads an authority.
  assert.equal(call('is_url_string', '//example.com/path'), true);
  assert.equal(get('host', '//example.com/path'), 'example.com');
  assert.equal(get('escaped_path', '//example.com/path'), '/path');
  assert.equal(call('is_url_string', '//[bad/path'), true);
  assert.equal(evalError('string_to_url', '//[bad/path'), `${ERR}parse "//[bad/path": missing ']' in host`);
});

test('the fragment is cut before parsing, but a bad one in a query still fails (ParseRequestURI passed it)', () => {
  assert.equal(get('escaped_path', 'https://example.com/a#b/c'), '/a');
  assert.deepEqual(query('https://example.com/?a=1#b=2'), { a: ['1'] });
  assert.equal(call('is_url_string', '/a?b#%zz'), true);
  assert.equal(evalError('string_to_url', '/a?b#%zz'), `${ERR}parse "/a?b#%zz": invalid URL escape "%zz"`);
  assert.equal(evalError('string_to_url', 'https://example.com/#%zz'), `${ERR}parse "https://example.com/#%zz": invalid URL escape "%zz"`);
});

test('getQuery: + is a space, bad pairs and semicolons are dropped, empty values kept', () => {
  assert.deepEqual(query('/p?a=1+2&b=%41&c&=d&e=%zz&f;g=1&&a=3'), { a: ['1 2', '3'], b: ['A'], c: [''], '': ['d'] });
  assert.deepEqual(query('/p?k=a&k=a'), { k: ['a', 'a'] });
  const many = `/p?${Array.from({ length: 10001 }, (_, i) => `k${i}=v`).join('&')}`;
  assert.deepEqual(query(many), {}, "over Go's 10000-parameter limit the query reads as empty");
  assert.equal(Object.keys(query(`/p?${Array.from({ length: 10000 }, (_, i) => `k${i}=v`).join('&')}`)).length, 10000);
});

test("equality compares Go's re-serialized URLs", () => {
  assert.ok(celEquals(url('https://example.com/with space'), url('https://example.com/with%20space')));
  assert.ok(celEquals(url('HTTPS://example.com/'), url('https://example.com/')));
  assert.ok(!celEquals(url('https://example.com/a'), url('https://example.com/b')));
  assert.ok(!celEquals(url('https://Example.com/'), url('https://example.com/')));
  assert.equal(String(url('https://u:p%40@example.com/a?b#c d')), 'https://u:p%40@example.com/a?b#c%20d');
});

test("kube's runtime costs: url() is a string traversal, isURL and the accessors the flat 1", () => {
  assert.equal(overload('string_to_url').cost?.(['https://kubernetes.io/docs/home?query=x']), 3, 'ceil(39 × 0.1) = 4');
  assert.equal(overload('is_url_string').cost, undefined);
  assert.equal(overload('url_get_host').cost, undefined);
});
