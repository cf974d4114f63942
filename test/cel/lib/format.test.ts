/** Kubernetes' format library: kube's format_test cases, apimachinery's messages, Go's url.ParseRequestURI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CelNamedFormat, FORMAT, FORMAT_TYPE, NAMED_FORMATS } from '../../../src/cel/lib/format.js';
import { parseRequestURIError } from '../../../src/util/gourl.js';
import type { Overload } from '../../../src/cel/decl.js';
import { CelEvalError, CelOptional, celEquals, type CelValue } from '../../../src/cel/value.js';

function overload(id: string): Overload {
  for (const d of FORMAT) for (const o of d.overloads) if (o.id === id) return o;
  throw new Error(`no overload ${id}`);
}

const formatOf = (key: string): CelValue => overload(`format.${key}`).impl([]);
const named = (name: string): CelValue => overload('format-named').impl([name]);
const validate = (key: string, s: string): CelValue => overload('format-validate').impl([formatOf(key), s]);

/** The messages of a failed validation (the optional's list). */
function messages(key: string, s: string): CelValue {
  const r = validate(key, s);
  assert.ok(r instanceof CelOptional && r.present, `${key}.validate(${JSON.stringify(s)}) should fail`);
  return r.inner;
}

function valid(key: string, s: string): void {
  assert.equal(validate(key, s), CelOptional.NONE, `${key}.validate(${JSON.stringify(s)}) should pass`);
}

const KEYS = [
  'dns1123Label', 'dns1123Subdomain', 'dns1035Label', 'qualifiedName', 'dns1123LabelPrefix', 'dns1123SubdomainPrefix',
  'dns1035LabelPrefix', 'labelValue', 'uri', 'uuid', 'byte', 'date', 'datetime',
];

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

test('declares format.<name>(), format.named and validate', () => {
  assert.deepEqual(
    FORMAT.map((d) => d.name),
    [...KEYS.map((k) => `format.${k}`), 'format.named', 'validate'],
  );
  for (const k of KEYS) {
    const o = overload(`format.${k}`);
    assert.deepEqual(o.params, []);
    assert.equal(o.target, undefined);
    assert.deepEqual(o.result, FORMAT_TYPE);
  }
  assert.deepEqual(FORMAT_TYPE, { kind: 'object', name: 'kubernetes.NamedFormat' });
  assert.deepEqual(overload('format-named').result, { kind: 'optional', elem: FORMAT_TYPE });
  const v = overload('format-validate');
  assert.deepEqual(v.target, FORMAT_TYPE);
  assert.deepEqual(v.result, { kind: 'optional', elem: { kind: 'list', elem: { kind: 'scalar', name: 'string' } } });
  assert.deepEqual([...NAMED_FORMATS.keys()], KEYS);
});

test("kube's example usages validate", () => {
  valid('dns1123Label', 'my-label-name');
  valid('dns1123Subdomain', 'apiextensions.k8s.io');
  valid('qualifiedName', 'apiextensions.k8s.io/v1beta1');
  valid('dns1123LabelPrefix', 'my-label-prefix-');
  valid('dns1123SubdomainPrefix', 'mysubdomain.prefix.-');
  valid('dns1035LabelPrefix', 'my-label-prefix-');
  valid('uri', 'http://example.com');
  valid('uuid', '123e4567-e89b-12d3-a456-426614174000');
  valid('byte', 'aGVsbG8=');
  valid('date', '2021-01-01');
  valid('datetime', '2021-01-01T00:00:00Z');
  valid('dns1123Subdomain', 'example.com');
  valid('dns1035Label', 'my-label-name');
  valid('qualifiedName', 'my.name');
  valid('date', '2020-01-01');
  valid('datetime', '2020-01-01T00:00:00Z');
  valid('labelValue', 'my-cool-label-Value');
});

test("kube's failure cases, message for message", () => {
  assert.deepEqual(messages('dns1123Label', 'contains a space'), [LABEL_MSG]);
  assert.deepEqual(messages('dns1123Subdomain', 'contains a space'), [SUBDOMAIN_MSG]);
  assert.deepEqual(messages('dns1035Label', 'contains a space'), [DNS1035_MSG]);
  assert.deepEqual(messages('qualifiedName', 'contains a space'), [NAME_PART_MSG]);
  assert.deepEqual(messages('dns1123LabelPrefix', 'contains a space-'), [LABEL_MSG]);
  assert.deepEqual(messages('dns1123SubdomainPrefix', 'contains a space-'), [SUBDOMAIN_MSG]);
  assert.deepEqual(messages('dns1035LabelPrefix', 'contains a space-'), [DNS1035_MSG]);
  assert.deepEqual(messages('byte', 'aGVsbG8'), ['invalid base64']);
  assert.deepEqual(messages('date', '2020-01-32'), ['invalid date']);
  assert.deepEqual(messages('datetime', '2020-01-32T00:00:00Z'), ['invalid datetime']);
  assert.deepEqual(messages('labelValue', 'my-cool-label-Value!!\n\n!!!'), [LABEL_VALUE_MSG]);
});

test('format.named looks formats up; formats compare by name', () => {
  assert.equal(named('unknown'), CelOptional.NONE);
  for (const k of KEYS) {
    const r = named(k);
    assert.ok(r instanceof CelOptional && r.present);
    assert.ok(celEquals(r.inner, formatOf(k)), `format.named("${k}").value() == format.${k}()`);
    for (const other of KEYS) if (other !== k) assert.ok(!celEquals(formatOf(k), formatOf(other)), `format.${k}() != format.${other}()`);
  }
  const f = formatOf('dns1123Label');
  assert.ok(f instanceof CelNamedFormat);
  assert.equal(f.typeName, 'kubernetes.NamedFormat');
  assert.equal(f.name, 'DNS1123Label');
  assert.equal((formatOf('uuid') as CelNamedFormat).name, 'uuid');
});

test('DNS names: lengths, dots, the prefix variants', () => {
  assert.deepEqual(messages('dns1123Label', 'a'.repeat(64)), ['must be no more than 63 characters']);
  valid('dns1123Label', 'a'.repeat(63));
  assert.deepEqual(messages('dns1123Label', 'a.b'), ['must not contain dots']);
  assert.deepEqual(messages('dns1123Label', `${'a'.repeat(63)}-`), ['must be no more than 63 characters', LABEL_MSG]);
  assert.deepEqual(messages('dns1123Label', ''), [LABEL_MSG]);
  assert.deepEqual(messages('dns1123Subdomain', 'a'.repeat(254)), ['must be no more than 253 characters']);
  assert.deepEqual(messages('dns1035Label', '1abc'), [DNS1035_MSG]);
  assert.deepEqual(messages('dns1035Label', 'a'.repeat(64)), ['must be no more than 63 characters']);
  // maskTrailingDash drops two bytes and appends 'a': "ab-" is checked as "aa", "a.-" as "aa".
  valid('dns1123LabelPrefix', 'ab-');
  valid('dns1123LabelPrefix', 'a.-');
  valid('dns1123LabelPrefix', 'a-');
  // On a lone "-" Go's slice expression panics; cel-go turns that into an internal error.
  assert.throws(
    () => validate('dns1123LabelPrefix', '-'),
    (e: unknown) => e instanceof CelEvalError && e.message === 'internal error: runtime error: slice bounds out of range [:-1]',
  );
});

test('qualified names and label values (api/validate/content)', () => {
  valid('qualifiedName', 'simple');
  valid('qualifiedName', 'example.com/Uppercase_Is_OK_123');
  valid('qualifiedName', `${'a'.repeat(253)}/${'b'.repeat(63)}`);
  assert.deepEqual(messages('qualifiedName', 'only/one/slash'), [
    `a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
  ]);
  assert.deepEqual(messages('qualifiedName', '/simple'), ['prefix part must be non-empty']);
  assert.deepEqual(messages('qualifiedName', 'example.com/'), ['name part must be non-empty', NAME_PART_MSG]);
  assert.deepEqual(messages('qualifiedName', 'Example.com/abc'), [`prefix part ${SUBDOMAIN_MSG}`]);
  assert.deepEqual(messages('qualifiedName', 'a'.repeat(64)), ['name part must be no more than 63 bytes']);
  assert.deepEqual(messages('qualifiedName', `${'a'.repeat(254)}/abc`), ['prefix part must be no more than 253 bytes']);
  valid('labelValue', '');
  valid('labelValue', 'a'.repeat(63));
  assert.deepEqual(messages('labelValue', 'a'.repeat(64)), ['must be no more than 63 bytes']);
  assert.deepEqual(messages('labelValue', 'Tama-nui-te-rā.is.Māori.sun'), [LABEL_VALUE_MSG]);
});

test('uuid, byte, date and datetime (kube-openapi strfmt)', () => {
  valid('uuid', '123E4567-E89B-12D3-A456-426614174000');
  valid('uuid', '123e4567e89b12d3a456426614174000');
  assert.deepEqual(messages('uuid', '123e4567-e89b-12d3-a456-42661417400'), ['does not match the UUID format']);
  assert.deepEqual(messages('uuid', 'not-a-uuid'), ['does not match the UUID format']);
  valid('byte', 'aGVsbG8gd29ybGQ=');
  valid('byte', 'ab+/');
  assert.deepEqual(messages('byte', ''), ['invalid base64']);
  assert.deepEqual(messages('byte', 'aGVsbG8-'), ['invalid base64']);
  valid('date', '2024-02-29');
  assert.deepEqual(messages('date', '2023-02-29'), ['invalid date']);
  assert.deepEqual(messages('date', '2023-13-01'), ['invalid date']);
  assert.deepEqual(messages('date', '2023-1-01'), ['invalid date']);
  assert.deepEqual(messages('date', '2023-01-01T00:00:00Z'), ['invalid date']);
  valid('datetime', '2021-01-01T23:59:59.123+05:30');
  valid('datetime', '2021-01-01t00:00:00z');
  assert.deepEqual(messages('datetime', '2021-01-01T24:00:00Z'), ['invalid datetime']);
  assert.deepEqual(messages('datetime', '2021-01-01T00:00:00'), ['invalid datetime']);
  assert.deepEqual(messages('datetime', '2021-01-01'), ['invalid datetime']);
});

test("uri: Go's url.ParseRequestURI and its error text", () => {
  valid('uri', '/path');
  valid('uri', '*');
  valid('uri', 'mailto:someone@example.com');
  valid('uri', 'https://user:pass@example.com:80/path?query=val#fragment');
  valid('uri', 'http://[::1]:80/');
  valid('uri', 'http://[fe80::1%25en0]/');
  valid('uri', 'https://example.com/with space/');
  const err = (u: string): CelValue => messages('uri', u);
  assert.deepEqual(err('foo'), ['parse "foo": invalid URI for request']);
  assert.deepEqual(err('../relative-path'), ['parse "../relative-path": invalid URI for request']);
  assert.deepEqual(err(''), ['parse "": empty url']);
  assert.deepEqual(err('://x'), ['parse "://x": missing protocol scheme']);
  assert.deepEqual(err('http://x\n'), ['parse "http://x\\n": net/url: invalid control character in URL']);
  assert.deepEqual(err('http://a b.com/'), ['parse "http://a b.com/": invalid character " " in host name']);
  assert.deepEqual(err('https://a{b}/'), ['parse "https://a{b}/": invalid character "{" in host name']);
  assert.deepEqual(err('http://ex#ample.com/'), ['parse "http://ex#ample.com/": invalid character "#" in host name']);
  assert.deepEqual(err('https://a:b:c/'), ['parse "https://a:b:c/": invalid port ":c" after host']);
  assert.deepEqual(err('https://example.com:abc/x'), ['parse "https://example.com:abc/x": invalid port ":abc" after host']);
  assert.deepEqual(err('https://ü@example.com/'), ['parse "https://ü@example.com/": net/url: invalid userinfo']);
  assert.deepEqual(err('https://example.com/%zz'), ['parse "https://example.com/%zz": invalid URL escape "%zz"']);
  assert.deepEqual(err('https://example.com/%zé'), ['parse "https://example.com/%zé": invalid URL escape "%z\\xc3"']);
  assert.deepEqual(err('https://example.com/%4'), ['parse "https://example.com/%4": invalid URL escape "%4"']);
  assert.deepEqual(err('http://%41.com/'), ['parse "http://%41.com/": invalid URL escape "%41"']);
  assert.deepEqual(err('http://[::1/'), [`parse "http://[::1/": missing ']' in host`]);
  assert.deepEqual(err('https://[1.2.3.4]/'), ['parse "https://[1.2.3.4]/": invalid IP-literal']);
  assert.deepEqual(err('https://a[::1]/'), ['parse "https://a[::1]/": invalid IP-literal']);
  assert.deepEqual(err('https://[v1.x]/'), ['parse "https://[v1.x]/": invalid host: ParseAddr("v1.x"): unexpected character (at "v1.x")']);
  assert.deepEqual(err('https://[::1::2]/'), ['parse "https://[::1::2]/": invalid host: ParseAddr("::1::2"): multiple :: in address (at ":2")']);
  assert.deepEqual(err('https://[::1]x/'), ['parse "https://[::1]x/": invalid port "x" after host']);
  assert.equal(parseRequestURIError('https://example.com'), undefined);
});
