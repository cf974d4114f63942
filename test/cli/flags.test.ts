/**
 * Flag errors in pflag's words (kube-apiserver's), from commander's: unit cases for every shape,
 * and the real CLI for the common ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pflagMessage } from '../../src/cli/flags.js';
import { runCli } from '../helpers/cli.js';

test('commander messages become pflag messages', () => {
  const cases: [string, string][] = [
    ["error: unknown option '--foo'", 'unknown flag: --foo'],
    ["error: unknown option '--secure-prt=6443'\n(Did you mean --secure-port?)", 'unknown flag: --secure-prt'],
    ["error: unknown option '-x'", "unknown shorthand flag: 'x' in -x"],
    ["error: option '--secure-port <port>' argument missing", 'flag needs an argument: --secure-port'],
    ["error: option '-v, --v <level>' argument missing", 'flag needs an argument: --v'],
    [
      `error: option '--secure-port <port>' argument 'a"b' is invalid. strconv.ParseInt: parsing "a\\"b": invalid syntax`,
      'invalid argument "a\\"b" for "--secure-port" flag: strconv.ParseInt: parsing "a\\"b": invalid syntax',
    ],
    ["error: option '-v, --v <level>' argument 'x' is invalid. bad", 'invalid argument "x" for "-v, --v" flag: bad'],
    ["error: option '--anonymous-auth [bool]' argument 'maybe' is invalid. strconv.ParseBool: parsing \"maybe\": invalid syntax", 'invalid argument "maybe" for "--anonymous-auth" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
    ["error: too many arguments for 'serve'. Expected 0 arguments but got 1.", "too many arguments for 'serve'. Expected 0 arguments but got 1."],
  ];
  for (const [commander, pflag] of cases) assert.equal(pflagMessage(commander), pflag, commander);
});

test('doorman serve prints kube-apiserver\'s flag errors and exits 1', async () => {
  const [port, missing, bool] = await Promise.all([
    runCli(['serve', '--secure-port=abc']),
    runCli(['serve', '--authentication-config']),
    runCli(['serve', '--anonymous-auth=maybe']),
  ]);
  assert.equal(port.stderr, 'Error: invalid argument "abc" for "--secure-port" flag: strconv.ParseInt: parsing "abc": invalid syntax\n');
  assert.equal(missing.stderr, 'Error: flag needs an argument: --authentication-config\n');
  assert.equal(bool.stderr, 'Error: invalid argument "maybe" for "--anonymous-auth" flag: strconv.ParseBool: parsing "maybe": invalid syntax\n');
  for (const r of [port, missing, bool]) assert.equal(r.code, 1);
});
