/**
 * The per-release table behind `validate --kubernetes-version`: release parsing, which
 * AuthenticationConfiguration versions and fields each release has, gate stages, and the
 * messages whose wording changed between 1.29 and 1.36 (authn-health.md §1.4, §1.5, §8).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  anonymousFlagConflictDetail,
  anonymousGateDetail,
  authnVersionKnown,
  fieldsUnknownIn,
  gateAt,
  jwtCountError,
  minorFromImage,
  parseKubernetesMinor,
  wordingFor,
} from '../../src/validate/versions.js';

test('releases: 1.29 to 1.36 in the usual spellings, nothing else', () => {
  for (const [v, want] of [['1.29', 29], ['v1.33', 33], ['1.36.2', 36], ['v1.32.3-eks-1', 32]] as const) assert.equal(parseKubernetesMinor(v), want, v);
  for (const v of ['1.28', '1.37', '2.0', 'latest', '']) assert.equal(parseKubernetesMinor(v), undefined, v);
  assert.equal(minorFromImage('registry.k8s.io/kube-apiserver:v1.33.2'), 33);
  assert.equal(minorFromImage('localhost:5000/kube-apiserver:v1.31.0@sha256:abc'), 31);
  assert.equal(minorFromImage('registry.k8s.io/kube-apiserver'), undefined);
  assert.equal(minorFromImage(undefined), undefined);
});

test('AuthenticationConfiguration versions: v1alpha1 from 1.29, v1beta1 from 1.30, v1 from 1.34', () => {
  const v = (x: string) => `apiserver.config.k8s.io/${x}`;
  assert.ok(authnVersionKnown(v('v1alpha1'), 29));
  assert.ok(!authnVersionKnown(v('v1beta1'), 29));
  assert.ok(authnVersionKnown(v('v1beta1'), 30));
  assert.ok(!authnVersionKnown(v('v1'), 33));
  assert.ok(authnVersionKnown(v('v1'), 34));
  assert.ok(authnVersionKnown(v('v1alpha1'), 36), 'old versions stay loadable');
});

test('fields by release: discoveryURL/audienceMatchPolicy 1.30, anonymous 1.31, egressSelectorType 1.34', () => {
  const doc = {
    jwt: [{ issuer: { url: 'https://i', discoveryURL: 'https://d', audienceMatchPolicy: 'MatchAny', egressSelectorType: 'cluster' } }],
    anonymous: { enabled: true },
  };
  assert.deepEqual(fieldsUnknownIn(doc, 29), ['jwt[0].issuer.discoveryURL', 'jwt[0].issuer.audienceMatchPolicy', 'jwt[0].issuer.egressSelectorType', 'anonymous']);
  assert.deepEqual(fieldsUnknownIn(doc, 30), ['jwt[0].issuer.egressSelectorType', 'anonymous']);
  assert.deepEqual(fieldsUnknownIn(doc, 33), ['jwt[0].issuer.egressSelectorType']);
  assert.deepEqual(fieldsUnknownIn(doc, 34), []);
});

test('gate stages per release', () => {
  assert.deepEqual(gateAt('StructuredAuthenticationConfiguration', 29), { since: 29, stage: 'ALPHA', default: false });
  assert.equal(gateAt('StructuredAuthenticationConfiguration', 30)?.default, true);
  assert.equal(gateAt('StructuredAuthenticationConfiguration', 34)?.locked, true);
  assert.equal(gateAt('AnonymousAuthConfigurableEndpoints', 30), undefined, 'not in 1.30');
  assert.equal(gateAt('AnonymousAuthConfigurableEndpoints', 31)?.default, false);
  assert.equal(gateAt('AnonymousAuthConfigurableEndpoints', 32)?.stage, 'BETA');
  assert.equal(gateAt('AnonymousAuthConfigurableEndpoints', 36)?.stage, 'GA');
  assert.equal(gateAt('StructuredAuthenticationConfigurationEgressSelector', 33), undefined);
  assert.equal(gateAt('StructuredAuthenticationConfigurationEgressSelector', 34)?.default, true);
});

test('release wording: the --anonynous-auth typo in 1.31-1.33, the Enpoints typo in 1.31-1.34', () => {
  for (const m of [31, 32, 33]) assert.match(anonymousFlagConflictDetail(m), /^--anonynous-auth flag cannot be set/);
  for (const m of [34, 35, 36]) assert.equal(anonymousFlagConflictDetail(m), '--anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file');
  for (const m of [31, 34]) assert.equal(anonymousGateDetail(m), 'anonymous is not supported when AnonymousAuthConfigurableEnpoints feature gate is disabled');
  assert.equal(anonymousGateDetail(35), 'anonymous is not supported when AnonymousAuthConfigurableEndpoints feature gate is disabled');
});

test('JWT messages worded as 1.29-1.33 do', () => {
  const url = { field: 'jwt[0].issuer.url', type: 'Required value' } as const;
  assert.equal(wordingFor(url, 33).detail, 'URL is required');
  assert.equal(wordingFor(url, 34).detail, undefined);
  const prefix = { field: 'jwt[0].claimMappings.username.prefix', type: 'Invalid value', value: 'x', detail: 'may not be specified when expression is set' } as const;
  assert.equal(wordingFor(prefix, 29).detail, "prefix can't be set when expression is set");
  assert.equal(wordingFor({ field: 'jwt[1].issuer.audiences[0]', type: 'Required value' }, 30).detail, "audience can't be empty");
  assert.deepEqual(jwtCountError(0, 29), { field: 'jwt', type: 'Required value', detail: 'at least one jwt is required' });
  assert.deepEqual(jwtCountError(2, 29), { field: 'jwt', type: 'Too many', value: 2, detail: 'must have at most 1 item' });
  assert.equal(jwtCountError(0, 30), undefined);
  assert.equal(jwtCountError(1, 29), undefined);
});
