/**
 * cel-go's optional library (kube's OptionalTypes, 1.28+): `optional.of`, `optional.ofNonZeroValue`,
 * `optional.none`, `optional.unwrap`, and the methods `hasValue`, `value`, `orValue`, `or`. The
 * `.?`/`[?]` syntax and `optMap`/`optFlatMap` are handled by the parser and interpreter.
 */
import { decl, fail, fn, method, type FunctionDecl } from './decl.js';
import { BOOL, FREE, listOf, optionalOf, param } from './types.js';
import { CelDuration, CelMap, CelOptional, CelTimestamp, CelUint, type CelValue } from './value.js';

const A = param('A');
const OPT_A = optionalOf(A);
const opt = (v: CelValue | undefined): CelOptional => v as CelOptional;

/** The zero value of a CEL type, which `ofNonZeroValue` treats as absent. */
function isZero(v: CelValue): boolean {
  if (v === null || v === false || v === 0n || v === 0 || v === '') return true;
  if (v instanceof CelUint) return v.value === 0n;
  if (v instanceof Uint8Array || Array.isArray(v)) return v.length === 0;
  if (v instanceof CelMap) return v.size === 0;
  if (v instanceof CelDuration || v instanceof CelTimestamp) return v.nanos === 0n;
  return false;
}

export const OPTIONAL: readonly FunctionDecl[] = [
  decl('optional.of', fn('optional_of', [A], OPT_A, ([v]) => CelOptional.of(v as CelValue))),
  decl('optional.ofNonZeroValue', fn('optional_ofNonZeroValue', [A], OPT_A, ([v]) => (isZero(v as CelValue) ? CelOptional.NONE : CelOptional.of(v as CelValue)))),
  decl('optional.none', fn('optional_none', [], optionalOf(FREE), () => CelOptional.NONE)),
  decl(
    'optional.unwrap',
    fn('optional_unwrap', [listOf(OPT_A)], listOf(A), ([l]) => (l as readonly CelValue[]).filter((o) => opt(o).present).map((o) => opt(o).inner)),
  ),
  decl('hasValue', method('optional_hasValue', OPT_A, [], BOOL, ([o]) => opt(o).present)),
  decl('value', method('optional_value', OPT_A, [], A, ([o]) => (opt(o).present ? opt(o).inner : fail('optional.none() dereference')))),
  decl('orValue', method('optional_orValue_value', OPT_A, [A], A, ([o, v]) => (opt(o).present ? opt(o).inner : (v as CelValue)))),
  decl('or', method('optional_or_optional', OPT_A, [OPT_A], OPT_A, ([o, p]) => (opt(o).present ? (o as CelValue) : (p as CelValue)))),
];
