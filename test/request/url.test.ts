/**
 * Tests for parseRequestTarget, the single canonical parse of a request target: Go
 * `url.ParseRequestURI` behaviour (decoding, no cleaning, `#` kept, absolute-form, `*`), Go
 * `url.ParseQuery` semantics for the query, and doorman's fail-closed extras (UTF-8).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DoormanError } from '../../src/errors.js';
import { parseRequestTarget } from '../../src/request/index.js';

function rejects(raw: string, message: string): void {
  assert.throws(
    () => parseRequestTarget(raw),
    (e: unknown) => e instanceof DoormanError && e.code === 'REQUEST_INVALID' && e.message === message,
    `expected ${JSON.stringify(raw)} to be rejected with ${message}`,
  );
}

test('origin-form: path, raw query and requestURI as sent', () => {
  const u = parseRequestTarget('/api/v1/pods?watch=1&labelSelector=a%3Db');
  assert.equal(u.path, '/api/v1/pods');
  assert.equal(u.rawQuery, 'watch=1&labelSelector=a%3Db');
  assert.equal(u.requestURI, '/api/v1/pods?watch=1&labelSelector=a%3Db');
  assert.equal(u.query.get('labelSelector'), 'a=b');
  assert.ok(Object.isFrozen(u));

  const plain = parseRequestTarget('/livez');
  assert.deepEqual([plain.path, plain.rawQuery, plain.requestURI, plain.query.size], ['/livez', '', '/livez', 0]);
});

test('path is percent-decoded like Go URL.Path', () => {
  assert.equal(parseRequestTarget('/api/v1/namespaces/a%2Fb').path, '/api/v1/namespaces/a/b');
  assert.equal(parseRequestTarget('/a%2fb').path, '/a/b', 'lower-case hex');
  assert.equal(parseRequestTarget('/a+b').path, '/a+b', '+ stays + in a path');
  assert.equal(parseRequestTarget('/a%2Bb').path, '/a+b');
  assert.equal(parseRequestTarget('/a%20b').path, '/a b');
  assert.equal(parseRequestTarget('/%6Civez').path, '/livez');
  assert.equal(parseRequestTarget('/a%25b').path, '/a%b');
  // requestURI keeps the encoding as sent.
  assert.equal(parseRequestTarget('/a%2Fb').requestURI, '/a%2Fb');
});

test('no path cleaning; trailing slash and case kept', () => {
  for (const p of ['/api/../apis', '//x', '/a/./b', '/api/v1/', '/API/V1/Pods', '/a//b/', '/..', '/%2e%2e/x']) {
    const expected = p.replace(/%2e/g, '.');
    assert.equal(parseRequestTarget(p).path, expected, p);
  }
});

test('invalid percent-escapes are errors worded as Go words them', () => {
  rejects('/a%zz', 'parse "/a%zz": invalid URL escape "%zz"');
  rejects('/a%zzz', 'parse "/a%zzz": invalid URL escape "%zz"');
  rejects('/a%4', 'parse "/a%4": invalid URL escape "%4"');
  rejects('/a%', 'parse "/a%": invalid URL escape "%"');
  rejects('/a%g1/b', 'parse "/a%g1/b": invalid URL escape "%g1"');
  rejects('/a%4/b', 'parse "/a%4/b": invalid URL escape "%4/"');
});

test('a bad escape in the query does not fail the parse: Go drops that pair', () => {
  const u = parseRequestTarget('/api/v1/pods?watch=%zz&limit=5');
  assert.equal(u.rawQuery, 'watch=%zz&limit=5');
  assert.equal(u.query.has('watch'), false);
  assert.equal(u.query.get('limit'), '5');
});

test('decoded path must be valid UTF-8 (fail closed)', () => {
  assert.equal(parseRequestTarget('/%C3%A9').path, '/é');
  assert.equal(parseRequestTarget('/%F0%9F%98%80').path, '/😀');
  rejects('/%FF', 'parse "/%FF": invalid UTF-8 in decoded URL path');
  rejects('/%C3', 'parse "/%C3": invalid UTF-8 in decoded URL path');
  rejects('/%C0%AF', 'parse "/%C0%AF": invalid UTF-8 in decoded URL path'); // overlong '/'
  rejects('/%ED%A0%80', 'parse "/%ED%A0%80": invalid UTF-8 in decoded URL path'); // surrogate
  // A leading BOM is data, not something to strip.
  assert.equal(parseRequestTarget('/%EF%BB%BFx').path, '/\uFEFFx');
});

test('raw non-ASCII is read as UTF-8; unpaired surrogates are refused', () => {
  const u = parseRequestTarget('/api/v1/namespaces/é?x=ü');
  assert.equal(u.path, '/api/v1/namespaces/é');
  assert.equal(u.requestURI, '/api/v1/namespaces/é?x=ü');
  assert.equal(u.query.get('x'), 'ü');
  assert.throws(() => parseRequestTarget('/a\uD800'), DoormanError);
});

test('# is not a fragment delimiter in a request target (Go ParseRequestURI)', () => {
  const a = parseRequestTarget('/livez#x');
  assert.equal(a.path, '/livez#x');
  const b = parseRequestTarget('/a?x=1#y');
  assert.equal(b.path, '/a');
  assert.equal(b.rawQuery, 'x=1#y');
  assert.equal(b.query.get('x'), '1#y');
  assert.equal(parseRequestTarget('/a%23b').path, '/a#b');
});

test('query starts at the first ?', () => {
  assert.deepEqual(
    [parseRequestTarget('/a?').rawQuery, parseRequestTarget('/a?').path, parseRequestTarget('/a?').requestURI],
    ['', '/a', '/a?'],
  );
  const u = parseRequestTarget('/a?b?c=d/e');
  assert.equal(u.path, '/a');
  assert.equal(u.rawQuery, 'b?c=d/e');
  assert.equal(u.query.get('b?c'), 'd/e');
});

test('query follows Go url.ParseQuery', () => {
  const u = parseRequestTarget('/p?a=1&a=2&b&=x&&c=a+b%2Bc&d=1;e=2&f=%zz&g%=1&h=%41');
  assert.deepEqual(u.query.getAll('a'), ['1', '2']);
  assert.equal(u.query.get('b'), '');
  assert.equal(u.query.get(''), 'x');
  assert.equal(u.query.get('c'), 'a b+c', '+ is a space in a query');
  assert.equal(u.query.has('d'), false, 'a pair with ; is dropped');
  assert.equal(u.query.has('e'), false);
  assert.equal(u.query.has('f'), false, 'bad escape in value drops the pair');
  assert.equal(u.query.has('g%'), false, 'bad escape in key drops the pair');
  assert.equal(u.query.get('h'), 'A');
  assert.deepEqual([...u.query.keys()], ['a', 'a', 'b', '', 'c', 'h']);
  // Bytes that are not UTF-8 become U+FFFD in values (Go would keep them raw).
  assert.equal(parseRequestTarget('/p?x=%FF').query.get('x'), '\uFFFD');
});

test('absolute-form takes path and query; requestURI is the origin-form part', () => {
  const u = parseRequestTarget('http://example.com:8443/api/v1/pods?watch=1');
  assert.deepEqual([u.path, u.rawQuery, u.requestURI], ['/api/v1/pods', 'watch=1', '/api/v1/pods?watch=1']);
  assert.equal(parseRequestTarget('HTTPS://h/x').path, '/x', 'scheme is case-insensitive');
  assert.equal(parseRequestTarget('https://user:p%40ss@h/x').path, '/x');
  assert.equal(parseRequestTarget('http://[::1]:6443/livez').path, '/livez');
  assert.equal(parseRequestTarget('http://h/a%2Fb').path, '/a/b');
  assert.equal(parseRequestTarget('http://h//x').path, '//x');
  const bare = parseRequestTarget('http://h');
  assert.deepEqual([bare.path, bare.requestURI], ['', '/']);
  const q = parseRequestTarget('http://h?x=1');
  assert.deepEqual([q.path, q.rawQuery, q.requestURI], ['', 'x=1', '/?x=1']);
  assert.equal(parseRequestTarget('http:///p').path, '/p', 'empty authority, as Go allows');
});

test('absolute-form authority is checked like Go parseHost', () => {
  rejects('http://h:x/p', 'parse "http://h:x/p": invalid port ":x" after host');
  rejects('http://h h/p', 'parse "http://h h/p": invalid character " " in host name');
  rejects('http://[::1/p', 'parse "http://[::1/p": missing \']\' in host');
  rejects('http://[::1]x/p', 'parse "http://[::1]x/p": invalid port "x" after host');
  rejects('http://%41/p', 'parse "http://%41/p": invalid URL escape "%41"');
  rejects('http://a{b@h/p', 'parse "http://a{b@h/p": net/url: invalid userinfo');
  rejects('http://h/a%zz', 'parse "http://h/a%zz": invalid URL escape "%zz"');
  assert.equal(parseRequestTarget('http://h%C3%A9/p').path, '/p', 'non-ASCII escapes are fine in a host');
});

test('asterisk-form', () => {
  const u = parseRequestTarget('*');
  assert.deepEqual([u.path, u.requestURI, u.rawQuery], ['*', '*', '']);
  rejects('*x', 'parse "*x": invalid URI for request');
});

test('anything else is refused', () => {
  rejects('', 'parse "": empty url');
  rejects('a/b', 'parse "a/b": invalid URI for request');
  rejects('api/v1', 'parse "api/v1": invalid URI for request');
  rejects(':x', 'parse ":x": missing protocol scheme');
  rejects('ftp://h/p', 'parse "ftp://h/p": invalid URI for request');
  rejects('foo:bar', 'parse "foo:bar": invalid URI for request');
  rejects('http:/p', 'parse "http:/p": invalid URI for request');
  rejects('?x=1', 'parse "?x=1": invalid URI for request');
  rejects('/a\x00b', 'parse "/a\\x00b": net/url: invalid control character in URL');
  rejects('/a\x7f', 'parse "/a\\x7f": net/url: invalid control character in URL');
  rejects('/a?x=\t', 'parse "/a?x=\\t": net/url: invalid control character in URL');
  rejects('/a b\n', 'parse "/a b\\n": net/url: invalid control character in URL');
});

// Characters that encodeURIComponent leaves alone: they may appear raw in a path.
const RAW_SAFE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!*\'()';
const rawSegment = fc.string({ unit: fc.constantFrom(...RAW_SAFE), maxLength: 12 });

test('property: encoding any segments then parsing yields the decoded path', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 10 }), { maxLength: 6 }), (segs) => {
      const path = '/' + segs.join('/');
      const u = parseRequestTarget('/' + segs.map(encodeURIComponent).join('/'));
      assert.equal(u.path, path);
    }),
  );
});

test('property: a path of safe raw segments parses to itself, requestURI unchanged', () => {
  fc.assert(
    fc.property(fc.array(rawSegment, { maxLength: 8 }), fc.boolean(), (segs, trailing) => {
      const raw = '/' + segs.join('/') + (trailing ? '/' : '');
      const u = parseRequestTarget(raw);
      assert.equal(u.path, raw);
      assert.equal(u.requestURI, raw);
      assert.equal(u.rawQuery, '');
    }),
  );
});

test('property: query values survive encodeURIComponent round trips', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 5 }), (pairs) => {
      const raw = '/p?' + pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      const u = parseRequestTarget(raw);
      // Every pair has an `=`, so even `=` alone is kept (key '', value '') as Go keeps it.
      assert.deepEqual([...u.query], pairs);
    }),
  );
});

test('property: parseRequestTarget either returns or throws DoormanError, never anything else', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      for (const raw of [s, '/' + s, 'http://h/' + s]) {
        try {
          const u = parseRequestTarget(raw);
          assert.equal(typeof u.path, 'string');
        } catch (e) {
          assert.ok(e instanceof DoormanError && e.code === 'REQUEST_INVALID', String(e));
        }
      }
    }),
  );
});

test('more than 10000 query parameters parse as none (Go urlmaxqueryparams)', () => {
  const at = parseRequestTarget('/api/v1/pods?watch=1' + '&x'.repeat(9999));
  assert.equal(at.query.get('watch'), '1', '10000 parameters are still parsed');
  const over = parseRequestTarget('/api/v1/pods?watch=1' + '&x'.repeat(10000));
  assert.equal(over.query.size, 0);
  assert.equal(over.rawQuery.length, 'watch=1'.length + 20000, 'the raw query is kept');
});
