/**
 * Untrusted input never crashes doorman's CEL: any text compiles or is refused with a message,
 * and any compiled expression evaluated on any JSON claims gives a value or an error (fast-check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileExpression } from '../../src/cel/index.js';

const FRAGMENTS = [
  'claims', 'claims.a', 'claims.?a', "claims['a']", 'claims[?0]', '.', '?', ':', '(', ')', '[', ']', '{', '}', ',', '+', '-', '*', '/', '%',
  '==', '!=', '<', '>=', '&&', '||', '!', ' in ', '1', '1u', '1.5', '-9223372036854775808', "'s'", '"\\u00e9"', "b'\\xff'", 'r"\\d"', 'null', 'true',
  '.all(x, x)', '.exists(i, v, v)', '.map(x, x)', '.filter(x, x)', '.transformMap(k, v, v)', '.sortBy(x, x)', '.optMap(x, x)', 'has(', 'size(',
  'int(', 'string(', 'timestamp(', 'duration(', 'optional.of(', 'optional.none()', '.orValue(', '.size()', '.matches(', '.split(', '.format(',
  'ip(', 'cidr(', 'quantity(', 'semver(', 'url(', 'format.named(', 'sets.contains(', 'lists.range(', 'dyn(', 'type(',
];

const expression = fc.oneof(fc.string({ maxLength: 60 }), fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }).map((xs) => xs.join('')));
const json = fc.jsonValue({ maxDepth: 3 });

/** Well-formed expressions over `claims` (most check, since claims are dynamic), built from a small grammar. */
const { wellFormed } = fc.letrec<{ wellFormed: string }>((tie) => ({
  wellFormed: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('claims.a', 'claims.b', 'claims.groups', "claims.?a.orValue('')", "claims['email']", '1', '2.5', "'s'", 'true', 'null', '[]', '{}'),
    fc.tuple(tie('wellFormed'), fc.constantFrom(' + ', ' - ', ' * ', ' / ', ' % ', ' == ', ' < ', ' && ', ' || ', ' in '), tie('wellFormed')).map(([a, op, b]) => `(${a}${op}${b})`),
    tie('wellFormed').map((a) => `size(${a})`),
    tie('wellFormed').map((a) => `int(${a})`),
    tie('wellFormed').map((a) => `string(${a})`),
    tie('wellFormed').map((a) => `${a}[0]`),
    tie('wellFormed').map((a) => `${a}.map(x, x)`),
    tie('wellFormed').map((a) => `${a}.exists(k, v, v == k)`),
    tie('wellFormed').map((a) => `dyn(${a}).startsWith('s')`),
    fc.tuple(tie('wellFormed'), tie('wellFormed')).map(([a, b]) => `[${a}, ${b}]`),
    fc.tuple(tie('wellFormed'), tie('wellFormed'), tie('wellFormed')).map(([a, b, c]) => `(${a} ? ${b} : ${c})`),
  ),
}));

test('any text: compileExpression answers ok or a compile error, never throws', () => {
  fc.assert(
    fc.property(expression, fc.constantFrom('claims' as const, 'user' as const), fc.constantFrom('bool' as const, 'any' as const), (src, variable, returns) => {
      const r = compileExpression(src, variable, returns);
      if (!r.ok) assert.equal(typeof r.error.detail, 'string');
    }),
    { numRuns: 3000 },
  );
});

test('any compiled expression on any claims: a value or an error, never a throw', () => {
  let compiled = 0;
  fc.assert(
    fc.property(fc.oneof(expression, wellFormed, wellFormed), fc.dictionary(fc.constantFrom('a', 'b', 'groups', 'email'), json), (src, claims) => {
      const r = compileExpression(src, 'claims', 'any');
      if (!r.ok) return;
      compiled++;
      const v = r.program.evaluate(claims);
      assert.ok(v.ok || typeof v.error === 'string');
    }),
    { numRuns: 3000 },
  );
  assert.ok(compiled > 300, `only ${compiled} of the generated expressions compiled: the property says little`);
});
