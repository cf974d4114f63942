/**
 * Tests for the selector pieces RequestInfo depends on: field-selector parsing with
 * `RequiresExactMatch("metadata.name")`, label-selector validity, Go int64 parsing and path
 * segment names. Expectations follow k8s.io/apimachinery's fields and labels packages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  fieldSelectorExactMatch,
  INVALID_SELECTOR,
  isGoInt64,
  isValidLabelSelector,
  isValidPathSegmentName,
} from '../../src/request/selectors.js';

test('field selector: which metadata.name is pinned', () => {
  const cases: Array<[string, string | undefined | typeof INVALID_SELECTOR]> = [
    ['', undefined],
    [',,', undefined],
    ['metadata.name=x', 'x'],
    ['metadata.name==x', 'x'],
    ['metadata.name=', ''],
    ['metadata.name!=x', undefined],
    ['spec.nodeName=n1,metadata.name=web', 'web'],
    ['metadata.name=b,metadata.name=a', 'a'], // upstream sorts the terms; the first pin wins
    ['metadata.name=c,metadata.name==b', 'b'], // sorted: "metadata.name==b" < "metadata.name=c"
    ['metadata.name=a\\,b', 'a,b'],
    ['metadata.name=a\\=b\\\\', 'a=b\\'],
    ['metadata.namespace=x', undefined],
    [' metadata.name=x', undefined], // the left side is taken verbatim
    ['metadata.name=name1,foo', INVALID_SELECTOR],
    ['metadata.name', INVALID_SELECTOR],
    ['metadata.name=a=b', INVALID_SELECTOR],
    ['metadata.name===x', INVALID_SELECTOR],
    ['metadata.name=a\\x', INVALID_SELECTOR],
    ['metadata.name=a\\', INVALID_SELECTOR],
    ['x!=a=b', INVALID_SELECTOR],
    ['a=1,,b=2', undefined],
  ];
  for (const [selector, want] of cases) {
    assert.equal(fieldSelectorExactMatch(selector, 'metadata.name'), want, selector);
  }
});

test('label selector validity follows labels.Parse', () => {
  const valid = [
    '',
    '   ',
    'x',
    '!x',
    'x=a',
    'x==a',
    'x!=a',
    'x=',
    'x= ',
    'x=,z= ',
    'x=a,y=b,z=c',
    'x=a,!y,z',
    'x in (a)',
    'x in (a,b)',
    'x notin (a, b)',
    'x in ()',
    'x in (,)',
    'x in (a,)',
    'x in (,a)',
    'x in (a,,b)',
    'x in (,,,)',
    'x>1',
    'x<1',
    'x>01',
    'in in (in, notin)',
    'example.com/app=web',
    'app=web-1.a_b',
    'x=a \x00garbage here', // NUL reads as end of input where a token would start
    'x=a\x00',
    'a'.repeat(63) + '=' + 'b'.repeat(63),
  ];
  const invalid = [
    ',',
    'x=a,',
    'x=a||y=b',
    'x==a==b',
    '!x=a',
    'x<a',
    'x>',
    'x>-1', // integer, but not a label value
    'x>1,z<a',
    'x in a',
    'x in (a b)',
    'x notin',
    'x in (',
    'x in (a,,)',
    'x in (,,)',
    'x in (a',
    'x in (a,',
    'x a',
    '-x=a',
    'x=-a',
    'a/b/c=x',
    '/x=a',
    'Example.com/x=a',
    'x=' + 'b'.repeat(64),
    'a'.repeat(64) + '=b',
    'x=é',
    '!',
    '(',
    'x=(a)',
    'x=a\x00garbage', // ...but inside a token it only ends that token
  ];
  for (const s of valid) assert.equal(isValidLabelSelector(s), true, `valid: ${JSON.stringify(s)}`);
  for (const s of invalid) assert.equal(isValidLabelSelector(s), false, `invalid: ${JSON.stringify(s)}`);
});

test('Go strconv.ParseInt(s, 10, 64)', () => {
  for (const s of ['0', '-0', '+5', '007', '9223372036854775807', '-9223372036854775808', '000009223372036854775807']) {
    assert.equal(isGoInt64(s), true, s);
  }
  for (const s of ['', '+', '-', ' 1', '1 ', '1_000', '0x10', '9223372036854775808', '-9223372036854775809', '1e3', '١']) {
    assert.equal(isGoInt64(s), false, s);
  }
});

test('path segment names', () => {
  for (const s of ['', 'a', '...', 'a.b', 'é']) assert.equal(isValidPathSegmentName(s), true, s);
  for (const s of ['.', '..', 'a/b', 'a%b', '%']) assert.equal(isValidPathSegmentName(s), false, s);
});

test('property: selector functions never throw', () => {
  const alphabet = fc.constantFrom(...'ab=!(),<>\\ \tin notin.-/0\x00é'.split(''));
  fc.assert(
    fc.property(fc.string({ unit: fc.oneof(alphabet, fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 30 }), (s) => {
      isValidLabelSelector(s);
      fieldSelectorExactMatch(s, 'metadata.name');
      isGoInt64(s);
    }),
  );
});

test('property: an escaped metadata.name value is pinned exactly', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 12 }), fc.boolean(), (name, double) => {
      const escaped = name.replace(/[\\,=]/g, (c) => '\\' + c);
      const sel = `metadata.name${double ? '==' : '='}${escaped}`;
      assert.equal(fieldSelectorExactMatch(sel, 'metadata.name'), name);
    }),
  );
});

/**
 * A reference label-selector checker that mirrors the upstream parser's control flow one to
 * one (scan every token first, then lookahead/consume by position, sets of values), kept
 * deliberately naive so that the streaming implementation can be compared against it.
 */
function referenceLabelSelectorValid(sel: string): boolean {
  const SPECIAL = '=!(),><';
  const SPACE = ' \t\r\n';
  const ops = new Set([')', ',', '!', '==', '=', '>', '<', '!=', '(']);
  let pos = 0;
  const read = (): string => (pos < sel.length ? sel[pos++]! : '\0');
  const items: Array<[string, string]> = []; // [kind, literal]; kind: EOS, ID, IN, NOTIN or the operator
  for (;;) {
    let ch = read();
    while (SPACE.includes(ch) && ch !== '\0') ch = read();
    if (ch === '\0') {
      items.push(['EOS', '']);
      break;
    }
    pos--;
    if (SPECIAL.includes(ch)) {
      let buf = '';
      let last = '';
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (!SPECIAL.includes(c)) {
          pos--;
          break;
        }
        buf += c;
        if (ops.has(buf)) last = buf;
        else if (last !== '') {
          pos--;
          break;
        }
      }
      items.push([last, last]);
    } else {
      let buf = '';
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (SPECIAL.includes(c) || SPACE.includes(c)) {
          pos--;
          break;
        }
        buf += c;
      }
      items.push([buf === 'in' ? 'IN' : buf === 'notin' ? 'NOTIN' : 'ID', buf]);
    }
  }
  let p = 0;
  const look = (values: boolean): string => {
    const k = items[p]![0];
    return values && (k === 'IN' || k === 'NOTIN') ? 'ID' : k;
  };
  const consume = (values: boolean): [string, string] => {
    const k = look(values);
    return [k, items[p++]![1]];
  };
  const keyOK = (k: string): boolean => {
    const parts = k.split('/');
    const name = parts.length === 1 ? parts[0]! : parts.length === 2 ? parts[1]! : '';
    if (parts.length === 2 && !(parts[0]!.length > 0 && parts[0]!.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(parts[0]!))) return false;
    return name.length > 0 && name.length <= 63 && /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name);
  };
  const valueOK = (v: string): boolean => v === '' || (v.length <= 63 && /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(v));
  const requirement = (): boolean => {
    let [t, key] = consume(true);
    let op = '';
    if (t === '!') {
      op = 'doesnotexist';
      [t, key] = consume(true);
    }
    if (t !== 'ID' || !keyOK(key)) return false;
    if (look(true) === 'EOS' || look(true) === ',') {
      if (op !== 'doesnotexist') op = 'exists';
    }
    if (op !== '') return true;
    const [o] = consume(false);
    let values: Set<string>;
    if (o === 'IN' || o === 'NOTIN') {
      if (consume(true)[0] !== '(') return false;
      const first = look(true);
      if (first === ')') {
        consume(true);
        values = new Set(['']);
      } else if (first === 'ID' || first === ',') {
        values = new Set();
        list: for (;;) {
          const [k, lit] = consume(true);
          if (k === 'ID') {
            values.add(lit);
            const n = look(true);
            if (n === ',') continue;
            if (n === ')') break list;
            return false;
          } else if (k === ',') {
            if (values.size === 0) values.add('');
            const n = look(true);
            if (n === ')') {
              values.add('');
              break list;
            }
            if (n === ',') {
              consume(true);
              values.add('');
            }
          } else {
            return false;
          }
        }
        if (consume(true)[0] !== ')') return false;
      } else {
        return false;
      }
    } else if (['=', '==', '!=', '>', '<'].includes(o)) {
      const n = look(true);
      if (n === 'EOS' || n === ',') values = new Set(['']);
      else {
        const [k, lit] = consume(true);
        if (k !== 'ID') return false;
        values = new Set([lit]);
      }
      if ((o === '>' || o === '<') && ![...values].every((v) => /^[+-]?[0-9]+$/.test(v) && BigInt(v) <= 2n ** 63n - 1n && BigInt(v) >= -(2n ** 63n))) return false;
    } else {
      return false;
    }
    return [...values].every(valueOK);
  };
  for (;;) {
    const t = look(true);
    if (t === 'EOS') return true;
    if (t !== 'ID' && t !== '!') return false;
    if (!requirement()) return false;
    const [n] = consume(true);
    if (n === 'EOS') return true;
    if (n !== ',') return false;
    const a = look(true);
    if (a !== 'ID' && a !== '!') return false;
  }
}

test('property: label selector validity agrees with a one-to-one port of the upstream parser', () => {
  const atoms = ['a', 'b1', 'x.y', 'ex.com/k', 'in', 'notin', '=', '==', '!=', '!', '(', ')', ',', '>', '<', ' ', '1', '-1', '\x00', 'é', '-', '_'];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...atoms), { maxLength: 12 }), (parts) => {
      const s = parts.join('');
      assert.equal(isValidLabelSelector(s), referenceLabelSelectorValid(s), JSON.stringify(s));
    }),
    { numRuns: 20000 },
  );
});
