/**
 * The `--oidc-*` flags as `doorman serve` parses them, checked against kube-apiserver's own test
 * tables (test/fixtures/kube-oidc-flags-cases.json, from authentication_test.go): the JWT
 * authenticator they map onto, the signing algorithms, the validation messages, and pflag's flag
 * syntax (MapStringStringNoSplit, StringSlice read as CSV).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { addServeFlags, serveOptionsFrom } from '../../src/cli/serve-flags.js';
import { readGoCSV } from '../../src/cli/flags.js';
import { jwtFromOIDCFlags, validateOIDCFlags, DEFAULT_OIDC_FLAGS } from '../../src/config/authentication.js';
import type { ServeOptions } from '../../src/snapshot.js';

interface Cases {
  readonly toAuthenticationConfig: readonly { name: string; args: string[]; jwt: unknown; signingAlgs: string[] }[];
  readonly validateOIDCOptions: readonly { name: string; args: string[]; expectErr: string }[];
  readonly flagSyntax: readonly { name: string; args: string[]; expectErr: string }[];
}

const cases = JSON.parse(readFileSync(new URL('../fixtures/kube-oidc-flags-cases.json', import.meta.url), 'utf8')) as Cases;

/** Parses `args` as `doorman serve` does; throws commander's error for a bad value. */
function parse(args: readonly string[]): ServeOptions {
  const cmd = addServeFlags(new Command('serve'))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  cmd.parse([...args], { from: 'user' });
  return serveOptionsFrom(cmd);
}

test('kube TestToAuthenticationConfig_OIDC: the flags map onto one JWT authenticator', () => {
  for (const c of cases.toAuthenticationConfig) {
    const o = parse(c.args);
    const oidc = o.oidc ?? DEFAULT_OIDC_FLAGS;
    assert.deepEqual(validateOIDCFlags(oidc, false), [], c.name);
    assert.deepEqual(jwtFromOIDCFlags(oidc), c.jwt, c.name);
    assert.deepEqual(oidc.signingAlgs, c.signingAlgs, c.name);
  }
});

test('kube TestValidateOIDCOptions: the flag-validation messages', () => {
  for (const c of cases.validateOIDCOptions) {
    const o = parse(c.args);
    const errs = validateOIDCFlags(o.oidc, Boolean(o.authenticationConfig));
    assert.deepEqual(errs, c.expectErr === '' ? [] : [c.expectErr], c.name);
  }
});

test('flag syntax: pflag\'s errors for a malformed pair and malformed CSV', () => {
  for (const c of cases.flagSyntax) {
    assert.throws(() => parse(c.args), (e: Error) => e.message.includes(c.expectErr), c.name);
  }
});

test('readGoCSV reads one record as encoding/csv does', () => {
  assert.deepEqual(readGoCSV(''), []);
  assert.deepEqual(readGoCSV(','), ['', '']);
  assert.deepEqual(readGoCSV('RS256, ES256'), ['RS256', ' ES256']);
  assert.deepEqual(readGoCSV('"a,b","c""d",'), ['a,b', 'c"d', '']);
  assert.deepEqual(readGoCSV('a,b\nc'), ['a', 'b']);
  assert.throws(() => readGoCSV('é"'), { message: 'parse error on line 1, column 3: bare " in non-quoted-field' });
});
