/**
 * `--feature-gates` as kube-apiserver parses it, per release: defaults, explicit values, AllAlpha,
 * locked GA gates, gates a release does not have, the `kube:` prefix of 1.31+, and bad syntax.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFeatureGates } from '../../src/validate/featuregates.js';

const ANON = 'AnonymousAuthConfigurableEndpoints';

test('defaults follow the release; explicit values and AllAlpha override them', () => {
  assert.equal(parseFeatureGates([], 31).gates.enabled(ANON), false);
  assert.equal(parseFeatureGates([], 32).gates.enabled(ANON), true);
  assert.equal(parseFeatureGates([`${ANON}=true`], 31).gates.enabled(ANON), true);
  assert.equal(parseFeatureGates(['AllAlpha=true'], 31).gates.enabled(ANON), true);
  assert.equal(parseFeatureGates(['AllBeta=false'], 32).gates.enabled(ANON), false);
  assert.equal(parseFeatureGates(['AllAlpha=true', `${ANON}=false`], 31).gates.enabled(ANON), false, 'a named gate wins over AllAlpha');
  assert.equal(parseFeatureGates([], 29).gates.enabled('StructuredAuthenticationConfiguration'), false);
  assert.equal(parseFeatureGates(['StructuredAuthenticationConfiguration=true'], 29).gates.enabled('StructuredAuthenticationConfiguration'), true);
});

test('locked GA gates cannot be turned off; setting one on is a warning', () => {
  const off = parseFeatureGates([`${ANON}=false`], 34);
  assert.deepEqual(off.errors, [`cannot set feature gate ${ANON} to false, feature is locked to true`]);
  const on = parseFeatureGates([`${ANON}=true`], 35);
  assert.deepEqual(on.errors, []);
  assert.deepEqual(on.warnings, [`Setting GA feature gate ${ANON}=true. It will be removed in a future release.`]);
});

test('a known gate the release lacks is unrecognized; pflag wraps the error before 1.31', () => {
  assert.deepEqual(parseFeatureGates([`${ANON}=true`], 30).errors, [`invalid argument "${ANON}=true" for "--feature-gates" flag: unrecognized feature gate: ${ANON}`]);
  assert.deepEqual(parseFeatureGates(['StructuredAuthenticationConfigurationEgressSelector=true'], 33).errors, ['unrecognized feature gate: StructuredAuthenticationConfigurationEgressSelector']);
});

test('a misspelled gate gets a did-you-mean warning; an unknown one passes with a warning', () => {
  const typo = parseFeatureGates(['AnonymousAuthConfigurableEnpoints=true'], 33);
  assert.deepEqual(typo.errors, []);
  assert.match(typo.warnings[0] ?? '', /did you mean AnonymousAuthConfigurableEndpoints\?/);
  const other = parseFeatureGates(['InPlacePodVerticalScaling=true'], 33);
  assert.match(other.warnings[0] ?? '', /InPlacePodVerticalScaling is not one doorman knows; it is not checked/);
});

test('syntax: missing value, bad bool, kube: prefix and other components', () => {
  assert.deepEqual(parseFeatureGates([ANON], 32).errors, [`missing bool value for ${ANON}`]);
  assert.deepEqual(parseFeatureGates([`${ANON}=maybe`], 32).errors, [`invalid value of ${ANON}=maybe, err: strconv.ParseBool: parsing "maybe": invalid syntax`]);
  assert.deepEqual(parseFeatureGates([`${ANON}=maybe`], 30).errors, [`invalid argument "${ANON}=maybe" for "--feature-gates" flag: invalid value of ${ANON}=maybe, err: strconv.ParseBool: parsing "maybe": invalid syntax`]);
  assert.equal(parseFeatureGates([`kube:${ANON}=true`], 31).gates.enabled(ANON), true);
  assert.deepEqual(parseFeatureGates([`wardle:${ANON}=true`], 31).errors, ['component not registered: wardle']);
  assert.equal(parseFeatureGates([`${ANON}=T,,`], 31).gates.enabled(ANON), true, 'Go booleans; empty items skipped');
});
