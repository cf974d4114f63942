/**
 * `--requests` files: shell-like word splitting, comments and blank lines skipped, line numbers
 * kept, an unterminated quote reported with its line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRequestLines, splitWords } from '../../src/check/requests.js';

test('words split like a shell: quotes keep spaces, backslash escapes', () => {
  assert.deepEqual(splitWords(`GET /apis -H 'User-Agent: curl/8.5.0' --token "a b"`), ['GET', '/apis', '-H', 'User-Agent: curl/8.5.0', '--token', 'a b']);
  assert.deepEqual(splitWords(`GET /a\\ b -H "x: \\"q\\""  ''`), ['GET', '/a b', '-H', 'x: "q"', '']);
  assert.deepEqual(splitWords("-H 'it''s'"), ['-H', 'its']);
});

test('blank lines and # comments are skipped; line numbers are the file\'s', () => {
  assert.deepEqual(readRequestLines('# c\n\nGET /livez\r\n  \n  GET /apis --token t\n'), [
    { line: 3, words: ['GET', '/livez'] },
    { line: 5, words: ['GET', '/apis', '--token', 't'] },
  ]);
});

test('an unterminated quote names its line', () => {
  assert.throws(() => readRequestLines("GET /livez\nGET /apis -H 'oops\n"), /^Error: line 2: unterminated ' quote$|line 2: unterminated ' quote/);
  assert.throws(() => splitWords('GET "x'), /unterminated " quote/);
});
