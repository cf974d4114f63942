/**
 * The static types doorman's CEL checker reasons with, printed the way cel-go prints them in
 * compile errors (`map(string, any)`, `list(string)`, `kubernetes.UserInfo`), plus the
 * type parameters that library declarations use.
 */

export type ScalarName = 'bool' | 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'null_type';

export type CheckType =
  | { readonly kind: 'scalar'; readonly name: ScalarName }
  | { readonly kind: 'dyn' }
  /** google.protobuf.Any: how kube declares claim values; it checks like `dyn` but prints `any`. */
  | { readonly kind: 'any' }
  | { readonly kind: 'list'; readonly elem: CheckType }
  | { readonly kind: 'map'; readonly key: CheckType; readonly value: CheckType }
  | { readonly kind: 'object'; readonly name: string; readonly fields?: ReadonlyMap<string, CheckType> }
  | { readonly kind: 'type' }
  /** `optional_type(T)`. */
  | { readonly kind: 'optional'; readonly elem: CheckType }
  /** A type parameter of a declaration (`A` in `list(A).distinct() -> list(A)`), bound per call. */
  | { readonly kind: 'param'; readonly name: string }
  /** The type of an expression that already failed to check: it raises no further errors. */
  | { readonly kind: 'error' };

export const DYN: CheckType = { kind: 'dyn' };
/**
 * The element type of an empty literal (`[]`, `{}`) and of `optional.none()`: a type variable
 * cel-go would bind from its context. It fits anything, joins to the other side's type, and is
 * printed as `dyn`.
 */
export const FREE: CheckType = { kind: 'param', name: '_' };
export const ANY: CheckType = { kind: 'any' };
export const ERROR: CheckType = { kind: 'error' };
export const TYPE: CheckType = { kind: 'type' };
const scalar = (name: ScalarName): CheckType => ({ kind: 'scalar', name });
export const BOOL = scalar('bool');
export const INT = scalar('int');
export const UINT = scalar('uint');
export const DOUBLE = scalar('double');
export const STRING = scalar('string');
export const BYTES = scalar('bytes');
export const NULL = scalar('null_type');
export const listOf = (elem: CheckType): CheckType => ({ kind: 'list', elem });
export const optionalOf = (elem: CheckType): CheckType => ({ kind: 'optional', elem });
export const param = (name: string): CheckType => ({ kind: 'param', name });
/** An opaque library type (`net.IP`) or a well-known object type, by name. */
export const named = (name: string): CheckType => ({ kind: 'object', name });
export const TIMESTAMP = named('google.protobuf.Timestamp');
export const DURATION = named('google.protobuf.Duration');
export const mapOf = (key: CheckType, value: CheckType): CheckType => ({ kind: 'map', key, value });

/** cel-go's rendering of a type. */
export function typeString(t: CheckType): string {
  switch (t.kind) {
    case 'scalar':
      return t.name;
    case 'dyn':
      return 'dyn';
    case 'any':
      return 'any';
    case 'list':
      return `list(${typeString(t.elem)})`;
    case 'map':
      return `map(${typeString(t.key)}, ${typeString(t.value)})`;
    case 'object':
      return t.name;
    case 'type':
      return 'type';
    case 'optional':
      return `optional_type(${typeString(t.elem)})`;
    case 'param':
      return t.name === '_' ? 'dyn' : t.name;
    case 'error':
      return '*error*';
  }
}

/** True for the types that accept, and are accepted by, anything. */
export function isDynamic(t: CheckType): boolean {
  return t.kind === 'dyn' || t.kind === 'any' || t.kind === 'error' || t.kind === 'param';
}

/** Whether a value of type `arg` may be passed where `param` is expected. */
export function isAssignable(param: CheckType, arg: CheckType): boolean {
  if (isDynamic(param) || isDynamic(arg)) return true;
  switch (param.kind) {
    case 'scalar':
      return arg.kind === 'scalar' && arg.name === param.name;
    case 'list':
      return arg.kind === 'list' && isAssignable(param.elem, arg.elem);
    case 'map':
      return arg.kind === 'map' && isAssignable(param.key, arg.key) && isAssignable(param.value, arg.value);
    case 'object':
      // cel-go lets null stand for a message, and Timestamp and Duration are messages.
      if (arg.kind === 'scalar' && arg.name === 'null_type') return param.name === 'google.protobuf.Timestamp' || param.name === 'google.protobuf.Duration';
      return arg.kind === 'object' && arg.name === param.name;
    case 'type':
      return arg.kind === 'type';
    case 'optional':
      return arg.kind === 'optional' && isAssignable(param.elem, arg.elem);
    default:
      return true;
  }
}

export function sameType(a: CheckType, b: CheckType): boolean {
  return typeString(a) === typeString(b);
}

/** Whether two types are the same, a free type variable (`FREE`) matching anything. */
export function equivalent(a: CheckType, b: CheckType): boolean {
  if (isFree(a) || isFree(b)) return true;
  if (a.kind === 'list' && b.kind === 'list') return equivalent(a.elem, b.elem);
  if (a.kind === 'optional' && b.kind === 'optional') return equivalent(a.elem, b.elem);
  if (a.kind === 'map' && b.kind === 'map') return equivalent(a.key, b.key) && equivalent(a.value, b.value);
  return sameType(a, b);
}

function isFree(t: CheckType): boolean {
  return t.kind === 'param' && t.name === '_';
}

/** The more specific of two equivalent types (free variables bound from the other side). */
function bind(a: CheckType, b: CheckType): CheckType {
  if (isFree(a)) return b;
  if (isFree(b)) return a;
  if (a.kind === 'list' && b.kind === 'list') return listOf(bind(a.elem, b.elem));
  if (a.kind === 'optional' && b.kind === 'optional') return optionalOf(bind(a.elem, b.elem));
  if (a.kind === 'map' && b.kind === 'map') return mapOf(bind(a.key, b.key), bind(a.value, b.value));
  return a;
}

/** The most specific type all values fit: their common type (free variables bound), otherwise `dyn`. */
export function joinTypes(types: readonly CheckType[]): CheckType {
  let joined: CheckType | undefined;
  for (const t of types) {
    if (joined === undefined) joined = t;
    else if (equivalent(joined, t)) joined = bind(joined, t);
    else return DYN;
  }
  return joined ?? DYN;
}
