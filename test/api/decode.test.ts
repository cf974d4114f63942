/**
 * Request bodies of the review APIs: Go's JSON error wording, the serializer's and scheme's 400s,
 * 413/415, CreateOptions, strict-decoding warnings, YAML, and the protobuf kubectl sends.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { GoJSONSyntaxError, parseGoJSON } from '../../src/api/gojsonparse.js';
import { apiRuntime, json, message, post, send, SSAR, SSR } from './helpers.js';

const rt = apiRuntime();
after(() => rt.authentication.close());

function goError(text: string): string {
  try {
    parseGoJSON(Buffer.from(text, 'latin1'));
  } catch (e) {
    if (e instanceof GoJSONSyntaxError) return e.message;
    throw e;
  }
  return 'ok';
}

test("Go's JSON syntax errors, word for word", () => {
  const cases: [string, string][] = [
    ['', 'unexpected end of JSON input'],
    ['   ', 'unexpected end of JSON input'],
    ['{', 'unexpected end of JSON input'],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{} x', "invalid character 'x' after top-level value"],
    ['01', "invalid character '1' after top-level value"],
    ['-', "invalid character ' ' in numeric literal"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['1.', "invalid character ' ' after decimal point in numeric literal"],
    ['1e+', "invalid character ' ' in exponent of numeric literal"],
    ['tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['nul!', "invalid character '!' in literal null (expecting 'l')"],
    ['"a\u0001"', "invalid character '\\x01' in string literal"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ["'x'", "invalid character '\\'' looking for beginning of value"],
    ['{"a":1}', 'ok'],
    ['[1.5e-3, -0, "\\ud83d\\ude00", null, true]', 'ok'],
  ];
  for (const [input, want] of cases) assert.equal(goError(input), want, JSON.stringify(input));
});

test('415 for a body the serializer does not take; JSON when no Content-Type is given', async () => {
  const form = await send(rt, SSR, { method: 'POST', token: 'alice-token', body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(form.response.status, 415);
  assert.equal(
    form.response.body,
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf","reason":"UnsupportedMediaType","code":415}\n',
  );
  const bare = await send(rt, SSR, { method: 'POST', token: 'alice-token', body: '{}' });
  assert.equal(bare.response.status, 201);
  const charset = await send(rt, SSR, { method: 'POST', token: 'alice-token', body: '{}', headers: { 'content-type': 'Application/JSON; charset=utf-8' } });
  assert.equal(charset.response.status, 201);
});

test('413 above 3 MiB', async () => {
  const d = await post(rt, SSR, `{"x":"${'a'.repeat(3 * 1024 * 1024)}"}`, 'alice-token');
  assert.equal(d.response.status, 413);
  assert.equal(d.response.body, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","code":413}\n');
});

test('400 when the body is not a recognizable object: the decoder error and a summary of the body', async () => {
  assert.equal(
    message(await post(rt, SSAR, '{"spec":{', 'alice-token')),
    'the object provided is unrecognized (must be of type SelfSubjectAccessReview): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"spec":{)',
  );
  assert.equal(
    message(await post(rt, SSAR, 'not json at all, and longer than thirty bytes', 'alice-token')),
    "the object provided is unrecognized (must be of type SelfSubjectAccessReview): couldn't get version/kind; json parse error: invalid character 'o' in literal null (expecting 'u') (6e6f74206a736f6e20617420616c6c2c20616e64206c6f6e676572207468 ...)",
  );
  assert.equal(
    message(await post(rt, SSAR, '[1]', 'alice-token')),
    'the object provided is unrecognized (must be of type SelfSubjectAccessReview): couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b315d)',
  );
  assert.equal(
    message(await post(rt, SSAR, '{"kind":5}', 'alice-token')),
    'the object provided is unrecognized (must be of type SelfSubjectAccessReview): couldn\'t get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of type string ({"kind":5})',
  );
  assert.equal(
    message(await post(rt, SSAR, '{"apiVersion":"a/b/c"}', 'alice-token')),
    'the object provided is unrecognized (must be of type SelfSubjectAccessReview): unexpected GroupVersion string: a/b/c ({"apiVersion":"a/b/c"})',
  );
});

test('400 for the wrong kind or version, in the scheme and converter words', async () => {
  assert.equal(
    message(await post(rt, SSAR, { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1' }, 'alice-token')),
    'SubjectAccessReview in version "v1" cannot be handled as a SelfSubjectAccessReview: converting (v1.SubjectAccessReview) to (authorization.SelfSubjectAccessReview): unknown conversion',
  );
  assert.equal(
    message(await post(rt, SSAR, { kind: 'Pod', apiVersion: 'v1' }, 'alice-token')),
    'Pod in version "v1" cannot be handled as a SelfSubjectAccessReview: converting (v1.Pod) to (authorization.SelfSubjectAccessReview): unknown conversion',
  );
  assert.equal(
    message(await post(rt, SSAR, { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v2' }, 'alice-token')),
    'SelfSubjectAccessReview in version "v2" cannot be handled as a SelfSubjectAccessReview: no kind "SelfSubjectAccessReview" is registered for version "authorization.k8s.io/v2" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"',
  );
  assert.equal(
    message(await post(rt, SSAR, { kind: 'selfsubjectaccessreview' }, 'alice-token')),
    'selfsubjectaccessreview in version "v1" cannot be handled as a SelfSubjectAccessReview: no kind "selfsubjectaccessreview" is registered for version "authorization.k8s.io/v1" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"',
  );
  assert.equal(
    message(await post(rt, SSAR, { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1beta1', spec: {} }, 'alice-token')),
    'the API version in the data (authorization.k8s.io/v1beta1) does not match the expected API version (authorization.k8s.io/v1)',
  );
  // Sniffing apiVersion/kind matches names case-insensitively, as encoding/json does.
  assert.match(message(await post(rt, SSAR, '{"Kind":"X"}', 'alice-token')), /^X in version "v1" cannot be handled as a SelfSubjectAccessReview: no kind "X" is registered/);
  // Omitted kind and apiVersion default to the endpoint's.
  assert.equal((await post(rt, SSAR, { spec: { nonResourceAttributes: { path: '/x' } } }, 'alice-token')).response.status, 201);
});

test("400 for a field of the wrong type, in encoding/json's words", async () => {
  assert.equal(
    message(await post(rt, SSAR, { spec: { resourceAttributes: 'pods' } }, 'alice-token')),
    'SelfSubjectAccessReview in version "v1" cannot be handled as a SelfSubjectAccessReview: json: cannot unmarshal string into Go struct field SelfSubjectAccessReviewSpec.spec.resourceAttributes of type v1.ResourceAttributes',
  );
  assert.equal(
    message(await post(rt, '/apis/authorization.k8s.io/v1/subjectaccessreviews', { spec: { groups: ['a', 1] } }, 'admin-token')),
    'SubjectAccessReview in version "v1" cannot be handled as a SubjectAccessReview: json: cannot unmarshal number into Go struct field SubjectAccessReviewSpec.spec.groups of type string',
  );
  assert.equal(
    message(await post(rt, SSAR, { metadata: { generation: 1.5 } }, 'alice-token')),
    'SelfSubjectAccessReview in version "v1" cannot be handled as a SelfSubjectAccessReview: json: cannot unmarshal number 1.5 into Go struct field ObjectMeta.metadata.generation of type int64',
  );
});

test('unknown and duplicate fields: warnings by default, a 400 with fieldValidation=Strict, nothing with Ignore', async () => {
  const body = '{"spec":{"nonResourceAttributes":{"path":"/x","path":"/livez","verb":"get"},"extra":1},"Metadata":{}}';
  const warn = await post(rt, SSAR, body, 'alice-token');
  assert.equal(warn.response.status, 201);
  assert.deepEqual(warn.warnings, ['duplicate field "spec.nonResourceAttributes.path"', 'unknown field "spec.extra"', 'unknown field "Metadata"']);
  assert.equal((json(warn) as { spec: { nonResourceAttributes: { path: string } } }).spec.nonResourceAttributes.path, '/livez');
  const strict = await post(rt, `${SSAR}?fieldValidation=Strict`, body, 'alice-token');
  assert.equal(strict.response.status, 400);
  assert.equal(
    message(strict),
    'SelfSubjectAccessReview in version "v1" cannot be handled as a SelfSubjectAccessReview: strict decoding error: duplicate field "spec.nonResourceAttributes.path", unknown field "spec.extra", unknown field "Metadata"',
  );
  const ignore = await post(rt, `${SSAR}?fieldValidation=Ignore`, body, 'alice-token');
  assert.deepEqual(ignore.warnings, []);
  const bogus = await post(rt, `${SSAR}?fieldValidation=Maybe`, body, 'alice-token');
  assert.equal(bogus.response.status, 422);
  assert.equal(message(bogus), 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Maybe": supported values: "", "Ignore", "Strict", "Warn"');
  assert.equal(message(await post(rt, `${SSAR}?dryRun=Some`, body, 'alice-token')), 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: supported values: "All"');
});

test('YAML bodies are accepted', async () => {
  const d = await send(rt, SSAR, {
    method: 'POST',
    token: 'alice-token',
    headers: { 'content-type': 'application/yaml' },
    body: 'apiVersion: authorization.k8s.io/v1\nkind: SelfSubjectAccessReview\nspec:\n  resourceAttributes:\n    namespace: default\n    verb: get\n    resource: pods\n',
  });
  assert.equal(d.response.status, 201);
  assert.equal((json(d) as { status: { allowed: boolean } }).status.allowed, true);
});

/** A minimal protobuf writer: fields as [number, string | bytes | message]. */
type PB = readonly (readonly [number, string | Uint8Array | PB | boolean])[];
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
function pb(fields: PB): Buffer {
  const parts: Buffer[] = [];
  for (const [num, v] of fields) {
    if (typeof v === 'boolean') {
      parts.push(Buffer.from([...varint(num << 3), v ? 1 : 0]));
      continue;
    }
    const bytes = typeof v === 'string' ? Buffer.from(v) : v instanceof Uint8Array ? Buffer.from(v) : pb(v);
    parts.push(Buffer.from([...varint((num << 3) | 2), ...varint(bytes.length)]), bytes);
  }
  return Buffer.concat(parts);
}
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer => Buffer.concat([Buffer.from('k8s\0', 'latin1'), pb([[1, [[1, apiVersion], [2, kind]]], [2, raw]])]);
const PROTOBUF = { 'content-type': 'application/vnd.kubernetes.protobuf' };

test('protobuf bodies, as kubectl sends them: empty strings and a false status included', async () => {
  // metadata {}, spec { resourceAttributes { namespace, verb, group "", version "", resource, subresource "", name "" } }, status { allowed false }
  const ra: PB = [[1, 'default'], [2, 'get'], [3, ''], [4, ''], [5, 'pods'], [6, ''], [7, '']];
  const raw = pb([[1, []], [2, [[1, ra]]], [3, [[1, false]]]]);
  const d = await send(rt, SSAR, { method: 'POST', token: 'alice-token', headers: { ...PROTOBUF, 'user-agent': 'kubectl/v1.32.4' }, body: envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', raw) });
  assert.equal(d.response.status, 201);
  const body = json(d) as { metadata: { managedFields: { fieldsV1: unknown }[] }; spec: unknown; status: { allowed: boolean } };
  assert.deepEqual(body.spec, { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } });
  assert.equal(body.status.allowed, true);
  assert.deepEqual(body.metadata.managedFields[0]?.fieldsV1, { 'f:spec': { 'f:resourceAttributes': { '.': {}, 'f:namespace': {}, 'f:resource': {}, 'f:verb': {} } } });
  // A SubjectAccessReview's extra travels as map<string, ExtraValue{items}>.
  const sar = pb([[2, [[2, [[1, '/x'], [2, 'get']]], [3, 'bob'], [5, [[1, 'scopes'], [2, [[1, 'a'], [1, 'b']]]]]]]]);
  const s = await send(rt, '/apis/authorization.k8s.io/v1/subjectaccessreviews', { method: 'POST', token: 'admin-token', headers: PROTOBUF, body: envelope('authorization.k8s.io/v1', 'SubjectAccessReview', sar) });
  assert.deepEqual((json(s) as { spec: unknown }).spec, { nonResourceAttributes: { path: '/x', verb: 'get' }, user: 'bob', extra: { scopes: ['a', 'b'] } });
});

test('protobuf errors: the serializer and gogo-protobuf words', async () => {
  const go = (body: Uint8Array) => send(rt, SSR, { method: 'POST', token: 'alice-token', headers: PROTOBUF, body }).then(message);
  assert.equal(await go(Buffer.alloc(0)), 'the object provided is unrecognized (must be of type SelfSubjectReview): empty data (<empty>)');
  assert.equal(await go(Buffer.from('{}')), 'the object provided is unrecognized (must be of type SelfSubjectReview): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({})');
  assert.equal(await go(Buffer.from('k8s\0', 'latin1')), 'the object provided is unrecognized (must be of type SelfSubjectReview): empty body (6b387300)');
  assert.equal(
    await go(envelope('authentication.k8s.io/v1', 'SelfSubjectReview', Buffer.from([0x0a, 0x05, 0x01]))),
    'SelfSubjectReview in version "v1" cannot be handled as a SelfSubjectReview: unexpected EOF',
  );
  assert.equal(
    await go(envelope('authentication.k8s.io/v1', 'SelfSubjectReview', Buffer.from([0x08, 0x01]))),
    'SelfSubjectReview in version "v1" cannot be handled as a SelfSubjectReview: proto: wrong wireType = 0 for field Metadata',
  );
  assert.equal((await send(rt, SSR, { method: 'POST', token: 'alice-token', headers: PROTOBUF, body: envelope('', '', pb([])) })).response.status, 201);
});
