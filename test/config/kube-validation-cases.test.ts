/**
 * kube-apiserver's AuthenticationConfiguration validation table, as data
 * (test/fixtures/kube-authn-validation-cases.json): every case is loaded through the strict
 * decoder and validated, and the field errors must match kube's, in kube's order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAuthenticationConfiguration, validateAuthenticationConfiguration } from '../../src/config/authentication.js';
import { aggregateMessages, fieldErrorString } from '../../src/errors.js';

interface Case {
  readonly source: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly disallowedIssuers?: readonly string[];
  readonly want: readonly string[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/kube-authn-validation-cases.json', import.meta.url), 'utf8')) as { cases: readonly Case[] };

test('the fixture carries the kube table', () => {
  assert.ok(fixture.cases.length >= 100, `only ${fixture.cases.length} cases`);
  const sources = new Set(fixture.cases.map((c) => c.source));
  for (const s of ['TestValidateAuthenticationConfiguration', 'TestValidateIssuerURL', 'TestValidateIssuerDiscoveryURL', 'TestValidateAudiences', 'TestValidateCertificateAuthority', 'TestValidateClaimValidationRules', 'TestValidateClaimMappings', 'TestValidateUserValidationRules']) {
    assert.ok(sources.has(s), s);
  }
  assert.ok(fixture.cases.some((c) => c.want.length === 0) && fixture.cases.some((c) => c.want.length > 1));
});

for (const c of fixture.cases) {
  test(`${c.source}: ${c.name}`, () => {
    // Through the loader, as a file would be: JSON is YAML, and decoding is strict.
    const config = parseAuthenticationConfiguration(JSON.stringify(c.config));
    const errors = validateAuthenticationConfiguration(config, { disallowedIssuers: c.disallowedIssuers ?? [] }).map(fieldErrorString);
    assert.deepEqual(errors, c.want);
    // The aggregate kube-apiserver prints after "invalid authentication configuration: ".
    assert.equal(aggregateMessages(errors), aggregateMessages(c.want));
  });
}
