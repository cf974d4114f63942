/**
 * Kubernetes' regex library (k8s.io/apiserver/pkg/cel/library/regex.go), part of every
 * kube-apiserver CEL environment: `<string>.find(<string>)` returns the leftmost match (or ''),
 * `<string>.findAll(<string>[, <int>])` every successive non-overlapping match, at most n of them
 * when n >= 0, with Go's FindAllString rule that an empty match right after a previous match is
 * skipped. Patterns are RE2, compiled by `compileRE2`; a bad pattern fails with
 * "Illegal regex: <Go's parse error>". (Kubernetes also compiles a constant pattern when the
 * program is built and reports a bad one then, without the "Illegal regex" prefix; that is the
 * checker's business.)
 */
import { asString as str, decl, fail, method, type FunctionDecl } from '../decl.js';
import { INT, STRING, listOf } from '../types.js';
import { CelEvalError } from '../value.js';
import { compileRE2 } from './re2.js';


function compile(pattern: string): RegExp {
  try {
    return compileRE2(pattern);
  } catch (e) {
    if (e instanceof CelEvalError) fail(`Illegal regex: ${e.message}`);
    throw e;
  }
}

const globals = new WeakMap<RegExp, RegExp>();

function global(re: RegExp): RegExp {
  let g = globals.get(re);
  if (!g) {
    g = new RegExp(re.source, 'gu');
    globals.set(re, g);
  }
  return g;
}

/** Go's Regexp.FindString. */
export function findString(s: string, re: RegExp): string {
  return re.exec(s)?.[0] ?? '';
}

/** Go's Regexp.FindAllString(s, n): n < 0 means no limit. */
export function findAllString(s: string, re: RegExp, n: bigint): string[] {
  const out: string[] = [];
  if (n === 0n) return out;
  const limit = n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(n);
  const g = global(re);
  let pos = 0;
  let prevEnd = -1;
  while (out.length < limit && pos <= s.length) {
    g.lastIndex = pos;
    const m = g.exec(s);
    if (!m) break;
    const end = m.index + m[0].length;
    let accept = true;
    if (end === pos) {
      // An empty match: not allowed to abut the previous match; step over one code point.
      if (m.index === prevEnd) accept = false;
      const cp = s.codePointAt(pos);
      pos += cp === undefined ? 1 : cp > 0xffff ? 2 : 1;
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push(m[0]);
  }
  return out;
}

/** Kubernetes' `find` and `findAll`. */
export const REGEX: readonly FunctionDecl[] = [
  decl('find', method('string_find_string', STRING, [STRING], STRING, (a) => findString(str(a[0]), compile(str(a[1]))))),
  decl(
    'findAll',
    method('string_find_all_string', STRING, [STRING], listOf(STRING), (a) => findAllString(str(a[0]), compile(str(a[1])), -1n)),
    method('string_find_all_string_int', STRING, [STRING, INT], listOf(STRING), (a) => {
      const n = a[2];
      if (typeof n !== 'bigint') fail('no such overload');
      return findAllString(str(a[0]), compile(str(a[1])), n);
    }),
  ),
];
