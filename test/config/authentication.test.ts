/** AuthenticationConfiguration loading and validation, with kube-apiserver's messages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadAuthenticationConfiguration,
  parseAuthenticationConfiguration,
  resolveAnonymous,
  validateAuthenticationConfiguration,
} from '../../src/config/authentication.js';
import { fieldErrorString, aggregateMessages } from '../../src/errors.js';

const doc = (body: string, v = 'v1') => `apiVersion: apiserver.config.k8s.io/${v}\nkind: AuthenticationConfiguration\n${body}`;
const validate = (text: string) => aggregateMessages(validateAuthenticationConfiguration(parseAuthenticationConfiguration(text)).map(fieldErrorString));

test('every version loads the anonymous section', () => {
  for (const v of ['v1alpha1', 'v1beta1', 'v1']) {
    const c = parseAuthenticationConfiguration(doc('anonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n', v));
    assert.deepEqual(c.anonymous, { enabled: true, conditions: [{ path: '/livez' }] });
  }
});

test('JSON files load too', () => {
  const c = parseAuthenticationConfiguration('{"apiVersion":"apiserver.config.k8s.io/v1","kind":"AuthenticationConfiguration","anonymous":{"enabled":false}}');
  assert.deepEqual(c.anonymous, { enabled: false });
});

test('enabled false with conditions: the capitalised internal JSON in the message', () => {
  assert.equal(
    validate(doc('anonymous:\n  enabled: false\n  conditions:\n  - path: /livez\n  - path: /readyz\n')),
    'anonymous.conditions: Invalid value: [{"Path":"/livez"},{"Path":"/readyz"}]: enabled should be set to true when conditions are defined',
  );
  assert.equal(validate(doc('anonymous:\n  conditions:\n  - path: /livez\n')), 'anonymous.conditions: Invalid value: [{"Path":"/livez"}]: enabled should be set to true when conditions are defined');
});

test('anything else about conditions is accepted: duplicates, empty, relative, wildcard', () => {
  assert.equal(validate(doc('anonymous:\n  enabled: true\n  conditions:\n  - path: /livez\n  - path: /livez\n  - path: ""\n  - path: livez\n  - path: /livez/*\n')), '');
});

test('strict decoding: unknown and duplicate fields are errors', () => {
  assert.throws(() => parseAuthenticationConfiguration(doc('anonymous:\n  enabled: true\n  paths: [/livez]\n')), {
    message: 'strict decoding error: unknown field "anonymous.paths"',
  });
  assert.throws(() => parseAuthenticationConfiguration(doc('anonymous:\n  enabled: true\n  enabled: false\n')), {
    message: 'strict decoding error: yaml: unmarshal errors:\n  line 5: key "enabled" already set in map',
  });
  // encoding/json names the innermost struct, the path from the root, and the versioned type.
  assert.throws(() => parseAuthenticationConfiguration(doc('anonymous:\n  enabled: "yes"\n')), {
    message: 'json: cannot unmarshal string into Go struct field AnonymousAuthConfig.anonymous.enabled of type bool',
  });

});

test('empty, malformed, wrong kind, wrong version', () => {
  assert.throws(() => parseAuthenticationConfiguration(''), { message: 'empty config data' });
  assert.throws(() => parseAuthenticationConfiguration('anonymous: [\n'), { message: /^yaml: line 2: / });
  assert.throws(() => parseAuthenticationConfiguration('apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\n'), {
    message: 'expected AuthenticationConfiguration, got *apiserver.AuthorizationConfiguration',
  });
  assert.throws(() => parseAuthenticationConfiguration('apiVersion: apiserver.config.k8s.io/v2\nkind: AuthenticationConfiguration\n'), /no kind "AuthenticationConfiguration" is registered for version "apiserver.config.k8s.io\/v2"/);
  assert.throws(() => parseAuthenticationConfiguration('apiVersion: apiserver.config.k8s.io/v1\n'), /Object 'Kind' is missing/);
});

test('a missing file names the path and the OS error, wrapped as kube-apiserver wraps it', () => {
  assert.throws(() => loadAuthenticationConfiguration('/nonexistent/authn.yaml'), {
    message: 'failed to load authentication configuration from file "/nonexistent/authn.yaml": open /nonexistent/authn.yaml: no such file or directory',
  });
  const dir = mkdtempSync(join(tmpdir(), 'doorman-authn-'));
  const f = join(dir, 'empty.yaml');
  writeFileSync(f, '');
  assert.throws(() => loadAuthenticationConfiguration(f), { message: `failed to load authentication configuration from file ${JSON.stringify(f)}: empty config data` });
});

test('--anonymous-auth with an anonymous section refuses, whatever its value', () => {
  const file = parseAuthenticationConfiguration(doc('anonymous:\n  enabled: true\n'));
  for (const value of [true, false]) {
    assert.throws(() => resolveAnonymous(file, { set: true, value }), {
      message: 'anonymous: Forbidden: --anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file',
    });
  }
  assert.deepEqual(resolveAnonymous(file, { set: false, value: true }), { enabled: true, paths: [], source: 'file' });
  const noAnon = parseAuthenticationConfiguration(doc('jwt: []\n'));
  assert.deepEqual(resolveAnonymous(noAnon, { set: true, value: false }), { enabled: false, paths: [], source: 'flag' });
  assert.deepEqual(resolveAnonymous(undefined, { set: false, value: true }), { enabled: true, paths: [], source: 'flag' });
});

test('JWT structural rules', () => {
  const jwt = (issuer: string, mappings = 'claimMappings:\n      username:\n        claim: sub\n        prefix: ""\n') => `  - issuer:\n${issuer}\n    ${mappings}`;
  assert.equal(
    validate(doc(`jwt:\n${jwt('      url: http://issuer.example\n      audiences: []')}`)),
    '[jwt[0].issuer.url: Invalid value: "http://issuer.example": URL scheme must be https, jwt[0].issuer.audiences: Required value: at least one jwt[0].issuer.audiences is required]',
  );
  assert.equal(
    validate(doc(`jwt:\n${jwt('      url: https://a.example\n      audiences: [x, z]')}`)),
    'jwt[0].issuer.audienceMatchPolicy: Invalid value: "": audienceMatchPolicy must be MatchAny for multiple audiences',
  );
  assert.equal(
    validate(doc(`jwt:\n${jwt('      url: https://a.example\n      audiences: [x]')}${jwt('      url: https://a.example\n      audiences: [x]')}`)),
    'jwt[1].issuer.url: Duplicate value: "https://a.example"',
  );
  assert.equal(
    validate(doc(`jwt:\n${jwt('      url: https://a.example\n      audiences: [x]', 'claimMappings:\n      username:\n        claim: sub\n')}`)),
    'jwt[0].claimMappings.username.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing',
  );
});

test('type errors as encoding/json words them for the versioned Go types', () => {
  const cases: [string, string, string][] = [
    ['v1', 'jwt: {}\n', 'json: cannot unmarshal object into Go struct field AuthenticationConfiguration.jwt of type []v1.JWTAuthenticator'],
    ['v1beta1', 'jwt:\n- issuer: []\n', 'json: cannot unmarshal array into Go struct field JWTAuthenticator.jwt.issuer of type v1beta1.Issuer'],
    ['v1alpha1', 'jwt:\n- issuer:\n    audiences: [a, 5]\n', 'json: cannot unmarshal number into Go struct field Issuer.jwt.issuer.audiences of type string'],
    ['v1', 'jwt:\n- issuer:\n    audienceMatchPolicy: 1\n', 'json: cannot unmarshal number into Go struct field Issuer.jwt.issuer.audienceMatchPolicy of type v1.AudienceMatchPolicyType'],
    ['v1', 'jwt:\n- issuer:\n    egressSelectorType: [x]\n', 'json: cannot unmarshal array into Go struct field Issuer.jwt.issuer.egressSelectorType of type v1.EgressSelectorType'],
    ['v1', 'jwt:\n- claimMappings:\n    username: x\n', 'json: cannot unmarshal string into Go struct field ClaimMappings.jwt.claimMappings.username of type v1.PrefixedClaimOrExpression'],
    ['v1', 'jwt:\n- claimMappings:\n    extra:\n    - key: 1\n', 'json: cannot unmarshal number into Go struct field ExtraMapping.jwt.claimMappings.extra.key of type string'],
    ['v1', 'anonymous: 5\n', 'json: cannot unmarshal number into Go struct field AuthenticationConfiguration.anonymous of type v1.AnonymousAuthConfig'],
    ['v1', 'anonymous:\n  conditions:\n  - path: [x]\n', 'json: cannot unmarshal array into Go struct field AnonymousAuthCondition.anonymous.conditions.path of type string'],
  ];
  for (const [v, body, message] of cases) assert.throws(() => parseAuthenticationConfiguration(doc(body, v)), { message }, body);
});

test('YAML 1.1 scalars, as sigs.k8s.io/yaml reads them', () => {
  // yes/on/y are booleans: fine for `enabled`, a type error where a string is wanted.
  assert.deepEqual(parseAuthenticationConfiguration(doc('anonymous:\n  enabled: yes\n')).anonymous, { enabled: true });
  assert.deepEqual(parseAuthenticationConfiguration(doc('anonymous:\n  enabled: On\n')).anonymous, { enabled: true });
  assert.deepEqual(parseAuthenticationConfiguration(doc('anonymous:\n  enabled: n\n')).anonymous, { enabled: false });
  assert.throws(() => parseAuthenticationConfiguration(doc('jwt:\n- issuer:\n    audiences: [x, y]\n')), {
    message: 'json: cannot unmarshal bool into Go struct field Issuer.jwt.issuer.audiences of type string',
  });
  assert.throws(() => parseAuthenticationConfiguration(doc('anonymous:\n  conditions:\n  - path: off\n')), {
    message: 'json: cannot unmarshal bool into Go struct field AnonymousAuthCondition.anonymous.conditions.path of type string',
  });
  // Timestamps and base-60 numbers stay strings; quoted scalars are strings.
  const c = parseAuthenticationConfiguration(doc('jwt:\n- issuer:\n    audiences: ["yes", 2001-12-14, 1:20]\n'));
  assert.deepEqual(c.jwt?.[0]?.issuer.audiences, ['yes', '2001-12-14', '1:20']);
});

test('duplicate keys: every one, in go-yaml order, before unknown fields; a type error wins', () => {
  // The last of duplicate keys is what gets decoded (go-yaml's non-strict pass); the line is the value's.
  assert.throws(() => parseAuthenticationConfiguration(doc('anonymous:\n  enabled: true\nanonymous:\n  bogus: 1\n  enabled: true\n  enabled: false\n')), {
    message:
      'strict decoding error: yaml: unmarshal errors:\n  line 8: key "enabled" already set in map\n  line 6: key "anonymous" already set in map, unknown field "anonymous.bogus"',
  });
  assert.throws(() => parseAuthenticationConfiguration(doc('anonymous:\n  enabled: 1\n  enabled: 2\n')), {
    message: 'json: cannot unmarshal number into Go struct field AnonymousAuthConfig.anonymous.enabled of type bool',
  });
});

test('missing kind or apiVersion quotes the file as read', () => {
  assert.throws(() => parseAuthenticationConfiguration('apiVersion: apiserver.config.k8s.io/v1\n'), { message: "Object 'Kind' is missing in 'apiVersion: apiserver.config.k8s.io/v1\n'" });
  assert.throws(() => parseAuthenticationConfiguration('kind: AuthenticationConfiguration\n'), { message: "Object 'apiVersion' is missing in 'kind: AuthenticationConfiguration\n'" });
});
