/** Every `jwt` validation rule of AuthenticationConfiguration with kube-apiserver's message, and the `--oidc-*` mapping. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_OIDC_FLAGS,
  jwtFromOIDCFlags,
  parseAuthenticationConfiguration,
  validateAndCompileAuthenticationConfiguration,
  validateAuthenticationConfiguration,
  validateOIDCFlags,
  type JWTAuthenticatorConfig,
} from '../../src/config/authentication.js';
import { fieldErrorString } from '../../src/errors.js';
import { issueCertificate } from '../../src/util/pki.js';

const HEADER = 'apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\n';
const errorsOf = (jwt: readonly JWTAuthenticatorConfig[], disallowedIssuers: readonly string[] = []): string[] =>
  validateAuthenticationConfiguration({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'AuthenticationConfiguration', jwt }, { disallowedIssuers }).map(fieldErrorString);

const base = (over: Partial<JWTAuthenticatorConfig> = {}): JWTAuthenticatorConfig => ({
  issuer: { url: 'https://issuer.example', audiences: ['k8s'] },
  claimMappings: { username: { claim: 'sub', prefix: '' } },
  ...over,
});
const one = (over: Partial<JWTAuthenticatorConfig>): string[] => errorsOf([base(over)]);

test('a minimal authenticator is valid, and CEL is compiled for it', () => {
  assert.deepEqual(one({}), []);
  const r = validateAndCompileAuthenticationConfiguration({
    jwt: [base({ claimMappings: { username: { expression: "'u:' + claims.sub" }, groups: { expression: 'claims.groups' } }, userValidationRules: [{ expression: "user.username != ''" }] })],
  });
  assert.deepEqual(r.errors, []);
  assert.equal(r.jwt[0]?.username?.expression, "'u:' + claims.sub");
  assert.equal(r.jwt[0]?.userValidation.length, 1);
});

test('issuer url and discoveryURL', () => {
  assert.deepEqual(one({ issuer: { audiences: ['k8s'] } }), ['jwt[0].issuer.url: Required value']);
  assert.deepEqual(one({ issuer: { url: 'http://auth.example.com', audiences: ['k8s'] } }), ['jwt[0].issuer.url: Invalid value: "http://auth.example.com": URL scheme must be https']);
  assert.deepEqual(one({ issuer: { url: 'https://u:p@a.example', audiences: ['k8s'] } }), ['jwt[0].issuer.url: Invalid value: "https://u:p@a.example": URL must not contain a username or password']);
  assert.deepEqual(one({ issuer: { url: 'https://a.example?x=1', audiences: ['k8s'] } }), ['jwt[0].issuer.url: Invalid value: "https://a.example?x=1": URL must not contain a query']);
  assert.deepEqual(one({ issuer: { url: 'https://a.example#f', audiences: ['k8s'] } }), ['jwt[0].issuer.url: Invalid value: "https://a.example#f": URL must not contain a fragment']);
  assert.deepEqual(one({ issuer: { url: 'https://a.example/%zz', audiences: ['k8s'] } }), ['jwt[0].issuer.url: Invalid value: "https://a.example/%zz": parse "https://a.example/%zz": invalid URL escape "%zz"']);
  assert.deepEqual(errorsOf([base()], ['https://issuer.example', 'https://b']), [
    'jwt[0].issuer.url: Invalid value: "https://issuer.example": URL must not overlap with disallowed issuers: [https://b https://issuer.example]',
  ]);
  assert.deepEqual(one({ issuer: { url: 'https://a.example', discoveryURL: 'https://a.example/', audiences: ['k8s'] } }), [
    'jwt[0].issuer.discoveryURL: Invalid value: "https://a.example/": discoveryURL must be different from URL',
  ]);
  assert.deepEqual(one({ issuer: { url: 'https://a.example', discoveryURL: 'http://d.example', audiences: ['k8s'] } }), [
    'jwt[0].issuer.discoveryURL: Invalid value: "http://d.example": URL scheme must be https',
  ]);
});

test('duplicate issuers and discovery URLs; at most 64 authenticators', () => {
  const d = { url: 'https://a.example', discoveryURL: 'https://d.example/x', audiences: ['k8s'] };
  assert.deepEqual(errorsOf([base({ issuer: d }), base({ issuer: d })]), [
    'jwt[1].issuer.url: Duplicate value: "https://a.example"',
    'jwt[1].issuer.discoveryURL: Duplicate value: "https://d.example/x"',
  ]);
  const many = Array.from({ length: 65 }, (_, i) => base({ issuer: { url: `https://i${i}.example`, audiences: ['k8s'] } }));
  assert.deepEqual(errorsOf(many), ['jwt: Too many: 65: must have at most 64 items']);
});

test('audiences and audienceMatchPolicy', () => {
  assert.deepEqual(one({ issuer: { url: 'https://a.example', audiences: [] } }), ['jwt[0].issuer.audiences: Required value: at least one jwt[0].issuer.audiences is required']);
  assert.deepEqual(one({ issuer: { url: 'https://a.example', audiences: ['a', ''], audienceMatchPolicy: 'MatchAny' } }), ['jwt[0].issuer.audiences[1]: Required value']);
  assert.deepEqual(one({ issuer: { url: 'https://a.example', audiences: ['a', 'a'], audienceMatchPolicy: 'MatchAny' } }), ['jwt[0].issuer.audiences[1]: Duplicate value: "a"']);
  assert.deepEqual(one({ issuer: { url: 'https://a.example', audiences: ['a', 'b'] } }), [
    'jwt[0].issuer.audienceMatchPolicy: Invalid value: "": audienceMatchPolicy must be MatchAny for multiple audiences',
  ]);
  assert.deepEqual(one({ issuer: { url: 'https://a.example', audiences: ['a'], audienceMatchPolicy: 'MatchAll' } }), [
    'jwt[0].issuer.audienceMatchPolicy: Invalid value: "MatchAll": audienceMatchPolicy must be empty or MatchAny for single audience',
  ]);
});

test('certificateAuthority and egressSelectorType', () => {
  assert.deepEqual(one({ issuer: { url: 'https://a.example', audiences: ['a'], certificateAuthority: 'not pem' } }), [
    'jwt[0].issuer.certificateAuthority: Invalid value: "<omitted>": data does not contain any valid RSA or ECDSA certificates',
  ]);
  const ca = issueCertificate({ subject: { commonName: 'ca' }, isCA: true }).certPem;
  assert.deepEqual(one({ issuer: { url: 'https://a.example', audiences: ['a'], certificateAuthority: ca } }), []);
  assert.deepEqual(one({ issuer: { url: 'https://a.example', audiences: ['a'], certificateAuthority: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' } }), [
    'jwt[0].issuer.certificateAuthority: Invalid value: "<omitted>": x509: malformed certificate',
  ]);
  assert.deepEqual(one({ issuer: { url: 'https://a.example', audiences: ['a'], egressSelectorType: 'etcd' } }), [
    'jwt[0].issuer.egressSelectorType: Invalid value: "etcd": egress selector must be either controlplane or cluster',
  ]);
});

test('claimValidationRules', () => {
  const r = (rules: NonNullable<JWTAuthenticatorConfig['claimValidationRules']>): string[] => one({ claimValidationRules: rules });
  assert.deepEqual(r([{ claim: 'hd', expression: 'true' }]), ['jwt[0].claimValidationRules[0]: Invalid value: "hd": claim and expression can\'t both be set']);
  assert.deepEqual(r([{}]), ['jwt[0].claimValidationRules[0]: Required value: claim or expression is required']);
  assert.deepEqual(r([{ claim: 'hd', message: 'm' }]), ['jwt[0].claimValidationRules[0].message: Invalid value: "m": may not be specified when claim is set']);
  assert.deepEqual(r([{ claim: 'hd' }, { claim: 'hd' }]), ['jwt[0].claimValidationRules[1].claim: Duplicate value: "hd"']);
  assert.deepEqual(r([{ expression: 'true', requiredValue: 'x' }]), ['jwt[0].claimValidationRules[0].requiredValue: Invalid value: "x": may not be specified when expression is set']);
  assert.deepEqual(r([{ expression: 'true' }, { expression: 'true' }]), ['jwt[0].claimValidationRules[1].expression: Duplicate value: "true"']);
  assert.deepEqual(r([{ expression: 'claims.hd' }]), ['jwt[0].claimValidationRules[0].expression: Invalid value: "claims.hd": must evaluate to bool']);
  const [compile] = r([{ expression: "user.username == 'x'" }]);
  assert.match(compile ?? '', /^jwt\[0\]\.claimValidationRules\[0\]\.expression: Invalid value: "user\.username == 'x'": compilation failed: ERROR: <input>:1:1: undeclared reference to 'user'/);
});

test('claimMappings: username, groups, uid', () => {
  const m = (claimMappings: NonNullable<JWTAuthenticatorConfig['claimMappings']>): string[] => one({ claimMappings });
  assert.deepEqual(m({ username: { claim: 'sub', expression: 'claims.sub' } }), ['jwt[0].claimMappings.username: Invalid value: "": claim and expression can\'t both be set']);
  assert.deepEqual(m({}), ['jwt[0].claimMappings.username: Required value: claim or expression is required']);
  assert.deepEqual(m({ username: { expression: 'claims.sub', prefix: 'x:' } }), ['jwt[0].claimMappings.username.prefix: Invalid value: "x:": may not be specified when expression is set']);
  assert.deepEqual(m({ username: { claim: 'sub' } }), [
    'jwt[0].claimMappings.username.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing',
  ]);
  assert.deepEqual(m({ username: { claim: 'sub', prefix: '' }, groups: { claim: 'groups' } }), [
    'jwt[0].claimMappings.groups.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing',
  ]);
  assert.deepEqual(m({ username: { claim: 'sub', prefix: '' }, groups: { claim: 'g', expression: 'claims.g' } }), [
    'jwt[0].claimMappings.groups: Invalid value: "": claim and expression can\'t both be set',
  ]);
  assert.deepEqual(m({ username: { claim: 'sub', prefix: '' }, uid: { claim: 'sub', expression: 'claims.sub' } }), [
    'jwt[0].claimMappings.uid: Invalid value: "": claim and expression can\'t both be set',
  ]);
  const [bad] = m({ username: { claim: 'sub', prefix: '' }, uid: { expression: 'claims.sub +' } });
  assert.match(bad ?? '', /^jwt\[0\]\.claimMappings\.uid\.expression: Invalid value: "claims\.sub \+": compilation failed: ERROR: <input>:1:\d+: Syntax error:/);
});

test('claimMappings.extra keys and expressions', () => {
  const e = (extra: NonNullable<NonNullable<JWTAuthenticatorConfig['claimMappings']>['extra']>): string[] => one({ claimMappings: { username: { claim: 'sub', prefix: '' }, extra } });
  assert.deepEqual(e([{ key: 'foo', valueExpression: 'claims.x' }]), ['jwt[0].claimMappings.extra[0].key: Invalid value: "foo": must be a domain-prefixed path (such as "acme.io/foo")']);
  assert.deepEqual(e([{ key: '', valueExpression: 'claims.x' }]), ['jwt[0].claimMappings.extra[0].key: Required value']);
  assert.deepEqual(e([{ key: 'Example.com/Foo', valueExpression: 'claims.x' }]), [
    "jwt[0].claimMappings.extra[0].key: Invalid value: \"Example.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    'jwt[0].claimMappings.extra[0].key: Invalid value: "Example.com/Foo": must be lowercase',
  ]);
  assert.deepEqual(e([{ key: 'team.kubernetes.io/x', valueExpression: 'claims.x' }]), [
    'jwt[0].claimMappings.extra[0].key: Invalid value: "team.kubernetes.io/x": k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use',
  ]);
  assert.deepEqual(e([{ key: 'example.com/a', valueExpression: 'claims.x' }, { key: 'example.com/a', valueExpression: 'claims.y' }]), [
    'jwt[0].claimMappings.extra[1].key: Duplicate value: "example.com/a"',
  ]);
  assert.deepEqual(e([{ key: 'example.com/a' }]), ['jwt[0].claimMappings.extra[0].valueExpression: Required value']);
});

test('the email_verified rule for a username expression', () => {
  const msg =
    'jwt[0].claimMappings.username.expression: Invalid value: "claims.email": claims.email_verified must be used in claimMappings.username.expression or claimMappings.extra[*].valueExpression or claimValidationRules[*].expression when claims.email is used in claimMappings.username.expression';
  assert.deepEqual(one({ claimMappings: { username: { expression: 'claims.email' } } }), [msg]);
  assert.deepEqual(one({ claimValidationRules: [{ claim: 'foo', requiredValue: 'bar' }], claimMappings: { username: { expression: 'claims.email' } } }), [msg]);
  assert.deepEqual(one({ claimMappings: { username: { expression: "claims.email_verified ? claims.email : ''" } } }), []);
  assert.deepEqual(one({ claimValidationRules: [{ expression: 'claims.email_verified == true' }], claimMappings: { username: { expression: 'claims.email' } } }), []);
  assert.deepEqual(
    one({ claimMappings: { username: { expression: 'claims.email' }, extra: [{ key: 'example.com/v', valueExpression: 'string(claims.email_verified)' }] } }),
    [],
  );
  // A claim mapping of `email` is checked at request time instead.
  assert.deepEqual(one({ claimMappings: { username: { claim: 'email', prefix: '' } } }), []);
});

test('userValidationRules', () => {
  assert.deepEqual(one({ userValidationRules: [{ message: 'm' }] }), ['jwt[0].userValidationRules[0].expression: Required value']);
  assert.deepEqual(one({ userValidationRules: [{ expression: 'true' }, { expression: 'true' }] }), ['jwt[0].userValidationRules[1].expression: Duplicate value: "true"']);
  assert.deepEqual(one({ userValidationRules: [{ expression: 'user.username' }] }), ['jwt[0].userValidationRules[0].expression: Invalid value: "user.username": must evaluate to bool']);
  assert.match(one({ userValidationRules: [{ expression: 'claims.sub == "x"' }] })[0] ?? '', /undeclared reference to 'claims'/);
});

test('errors accumulate in kube order across a whole file', () => {
  const c = parseAuthenticationConfiguration(
    `${HEADER}jwt:\n- issuer:\n    url: http://a.example\n    audiences: []\n  claimMappings:\n    username:\n      claim: sub\n  userValidationRules:\n  - expression: "1"\n`,
  );
  assert.deepEqual(validateAuthenticationConfiguration(c).map(fieldErrorString), [
    'jwt[0].issuer.url: Invalid value: "http://a.example": URL scheme must be https',
    'jwt[0].issuer.audiences: Required value: at least one jwt[0].issuer.audiences is required',
    'jwt[0].claimMappings.username.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing',
    'jwt[0].userValidationRules[0].expression: Invalid value: "1": must evaluate to bool',
  ]);
});

test('--oidc-* flags: validation messages', () => {
  assert.deepEqual(validateOIDCFlags(undefined, true), []);
  assert.deepEqual(validateOIDCFlags({ ...DEFAULT_OIDC_FLAGS, set: true, issuerURL: 'https://a' }, true), ['authentication-config file and oidc-* flags are mutually exclusive']);
  assert.deepEqual(validateOIDCFlags({ ...DEFAULT_OIDC_FLAGS, set: true, issuerURL: 'https://a' }, false), [
    'oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set',
  ]);
  assert.deepEqual(validateOIDCFlags({ ...DEFAULT_OIDC_FLAGS, set: true, groupsClaim: 'g' }, false), [
    'oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set',
  ]);
  assert.deepEqual(validateOIDCFlags({ ...DEFAULT_OIDC_FLAGS, set: true, issuerURL: 'https://a', clientID: 'c' }, false), []);
});

test('--oidc-* flags map onto one JWT authenticator as kube maps them', () => {
  const f = { ...DEFAULT_OIDC_FLAGS, set: true, issuerURL: 'https://idp.example', clientID: 'k8s' };
  assert.equal(jwtFromOIDCFlags({ ...f, clientID: '' }), undefined);
  assert.deepEqual(jwtFromOIDCFlags(f), { issuer: { url: 'https://idp.example', audiences: ['k8s'] }, claimMappings: { username: { claim: 'sub', prefix: 'https://idp.example#' } } });
  assert.deepEqual(jwtFromOIDCFlags({ ...f, usernameClaim: 'email' })?.claimMappings?.username, { claim: 'email', prefix: '' });
  assert.deepEqual(jwtFromOIDCFlags({ ...f, usernamePrefix: '-' })?.claimMappings?.username, { claim: 'sub', prefix: '' });
  assert.deepEqual(jwtFromOIDCFlags({ ...f, usernamePrefix: 'oidc:' })?.claimMappings?.username, { claim: 'sub', prefix: 'oidc:' });
  assert.deepEqual(jwtFromOIDCFlags({ ...f, groupsClaim: 'groups' })?.claimMappings?.groups, { claim: 'groups', prefix: '' });
  assert.deepEqual(jwtFromOIDCFlags({ ...f, groupsClaim: 'groups', groupsPrefix: 'g:' })?.claimMappings?.groups, { claim: 'groups', prefix: 'g:' });
  assert.equal(jwtFromOIDCFlags({ ...f, groupsPrefix: 'g:' })?.claimMappings?.groups, undefined);
  assert.deepEqual(
    jwtFromOIDCFlags({
      ...f,
      requiredClaims: [
        ['hd', 'example.com'],
        ['tier', 'a'],
        ['hd', 'example.org'],
      ],
    })?.claimValidationRules,
    [
      { claim: 'hd', requiredValue: 'example.org' },
      { claim: 'tier', requiredValue: 'a' },
    ],
  );
  const dir = mkdtempSync(join(tmpdir(), 'doorman-oidc-'));
  const ca = issueCertificate({ subject: { commonName: 'ca' }, isCA: true }).certPem;
  writeFileSync(join(dir, 'ca.pem'), ca);
  assert.equal(jwtFromOIDCFlags({ ...f, caFile: join(dir, 'ca.pem') })?.issuer.certificateAuthority, ca);
  assert.throws(() => jwtFromOIDCFlags({ ...f, caFile: join(dir, 'missing.pem') }), { message: `open ${join(dir, 'missing.pem')}: no such file or directory` });
  // The mapped authenticator goes through the same validation: https only.
  assert.deepEqual(errorsOf([jwtFromOIDCFlags({ ...f, issuerURL: 'http://idp.example' }) as JWTAuthenticatorConfig]), [
    'jwt[0].issuer.url: Invalid value: "http://idp.example": URL scheme must be https',
  ]);
});
