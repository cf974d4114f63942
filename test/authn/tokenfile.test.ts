/** The static token file: CSV rules, start-up messages, constant-time lookup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, parseTokenFile } from '../../src/authn/tokenfile.js';

test('CSV: quotes, escaped quotes, blank lines, CRLF', () => {
  assert.deepEqual(parseCsv('a,b,c\n\n"x,y","say ""hi""",z\r\nlast,,\n'), [
    ['a', 'b', 'c'],
    ['x,y', 'say "hi"', 'z'],
    ['last', '', ''],
  ]);
  assert.throws(() => parseCsv('a"b,c'), /bare " in non-quoted field/);
  assert.throws(() => parseCsv('"abc'), /extraneous or missing " in quoted-field/);
});

test('rows: user, uid, groups split on commas without trimming; extra columns ignored', async () => {
  const tf = parseTokenFile('tok,alice,42,"dev, ops",ignored\nsolo,bob,7\n', 'f.csv');
  const a = await tf.authenticator.authenticateToken('tok');
  assert.ok(a.kind === 'authenticated');
  assert.deepEqual(a.user, { name: 'alice', uid: '42', groups: ['dev', ' ops'], extra: {} });
  const b = await tf.authenticator.authenticateToken('solo');
  assert.ok(b.kind === 'authenticated');
  assert.deepEqual(b.user.groups, []);
  assert.deepEqual(await tf.authenticator.authenticateToken('tokX'), { kind: 'none' });
  assert.deepEqual(await tf.authenticator.authenticateToken(''), { kind: 'none' });
});

test('fewer than three columns refuses to start with kube-apiserver words', () => {
  assert.throws(() => parseTokenFile('tok,alice\n', '/etc/tokens.csv'), {
    message: "token file '/etc/tokens.csv' must have at least 3 columns (token, user name, user uid), found 2",
  });
});

test('empty and duplicate tokens warn; the later duplicate wins', async () => {
  const tf = parseTokenFile(',nobody,1\ndup,first,1\ndup,second,2\n', 't.csv');
  assert.deepEqual(tf.warnings, [
    "empty token has been found in token file 't.csv', record number '1'",
    "duplicate token has been found in token file 't.csv', record number '3'",
  ]);
  const r = await tf.authenticator.authenticateToken('dup');
  assert.ok(r.kind === 'authenticated' && r.user.name === 'second');
});
