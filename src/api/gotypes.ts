/**
 * Go struct descriptions of the API objects doorman decodes and encodes, and the two directions
 * kube-apiserver's serializer takes over them. Decoding a parsed JSON document follows
 * sigs.k8s.io/json: exact (case-sensitive) field names, the first type mismatch reported in
 * encoding/json's words (`json: cannot unmarshal string into Go struct field
 * SelfSubjectAccessReviewSpec.spec.resourceAttributes of type v1.ResourceAttributes`), and unknown
 * or duplicate fields collected as strict-decoding errors (`unknown field "spec.foo"`). Encoding
 * writes fields in struct order with Go's omitempty rules, maps with sorted keys.
 *
 * Decoded values are plain objects keyed by JSON name; a missing key is Go's zero value.
 */
import { jsonKindWord, type JsonNode } from './gojsonparse.js';

/** A Go type as far as JSON, protobuf and error messages need it. */
export type GoType =
  | { readonly t: 'string'; readonly name?: string }
  | { readonly t: 'bool' }
  | { readonly t: 'int' ; readonly name: 'int64' | 'int32' }
  | { readonly t: 'slice'; readonly elem: GoType; readonly name?: string }
  | { readonly t: 'map'; readonly elem: GoType }
  | { readonly t: 'struct'; readonly s: StructType }
  | { readonly t: 'ptr'; readonly elem: GoType }
  /** metav1.Time: RFC 3339 in JSON, a Timestamp message in protobuf. */
  | { readonly t: 'time' }
  /** Kept as the raw JSON node (metav1.FieldsV1). */
  | { readonly t: 'raw'; readonly name: string };

export interface GoField {
  readonly json: string;
  readonly type: GoType;
  readonly omitempty?: boolean;
  /** Go 1.24 `omitzero` (metav1.ObjectMeta.creationTimestamp since Kubernetes 1.34). */
  readonly omitzero?: boolean;
  /** Protobuf field number. */
  readonly proto?: number;
}

export interface StructType {
  /** Go type name without package, e.g. `ResourceAttributes`. */
  readonly name: string;
  /** Package name as reflect prints it, e.g. `v1`. */
  readonly pkg: string;
  readonly fields: readonly GoField[];
}

/** A kept raw JSON value (metav1.FieldsV1). */
export class RawJSON {
  constructor(readonly node: JsonNode) {}
}

/** A decoded Go value: plain objects, arrays, strings, booleans, numbers, raw JSON. */
export type GoValue = string | boolean | number | null | GoObject | readonly GoValue[] | RawJSON;
export interface GoObject {
  [field: string]: GoValue | undefined;
}

export const STRING: GoType = { t: 'string' };
export const BOOL: GoType = { t: 'bool' };
export const STRINGS: GoType = { t: 'slice', elem: STRING };

/** `reflect.Type.String()` of a type, as encoding/json prints it in errors. */
export function goTypeString(t: GoType): string {
  switch (t.t) {
    case 'string':
      return t.name ?? 'string';
    case 'bool':
      return 'bool';
    case 'int':
      return t.name;
    case 'slice':
      return t.name ?? `[]${goTypeString(t.elem)}`;
    case 'map':
      return `map[string]${goTypeString(t.elem)}`;
    case 'struct':
      return `${t.s.pkg}.${t.s.name}`;
    case 'ptr':
      return `*${goTypeString(t.elem)}`;
    case 'time':
      return 'v1.Time';
    case 'raw':
      return t.name;
  }
}

/** What decoding found besides the value. */
export interface DecodeOutcome {
  /** The first type mismatch, as encoding/json's UnmarshalTypeError prints it. */
  readonly typeError?: string;
  /** Strict-decoding errors in input order (`unknown field "x"`, `duplicate field "x"`). */
  readonly strict: readonly string[];
}

class Decoder {
  typeError: string | undefined;
  readonly strict: string[] = [];
  /** Field names for type errors (Go's errorContext.FieldStack). */
  private readonly fieldStack: string[] = [];
  private structName = '';
  /** Path for strict errors (sigs.k8s.io/json's strictFieldStack, with `[i]` for indices). */
  private readonly strictPath: string[] = [];

  private saveTypeError(what: string, type: GoType): void {
    if (this.typeError !== undefined) return;
    const t = type.t === 'ptr' ? type.elem : type;
    this.typeError =
      this.fieldStack.length > 0
        ? `json: cannot unmarshal ${what} into Go struct field ${this.structName}.${this.fieldStack.join('.')} of type ${goTypeString(t)}`
        : `json: cannot unmarshal ${what} into Go value of type ${goTypeString(t)}`;
  }

  private strictPathWith(key: string): string {
    return this.strictPath.length > 0 ? `${this.strictPath.join('')}.${key}` : key;
  }

  /** Decodes `node` into a value of `type`, merging into `into` for structs as Go does. */
  value(node: JsonNode, type: GoType, into: GoValue | undefined): GoValue | undefined {
    if (node.k === 'null') {
      // null clears pointers, slices and maps; it leaves every other kind untouched.
      return type.t === 'ptr' || type.t === 'slice' || type.t === 'map' || type.t === 'raw' ? undefined : into;
    }
    switch (type.t) {
      case 'string':
        if (node.k === 'string') return node.v;
        return this.mismatch(node, type, into);
      case 'bool':
        if (node.k === 'bool') return node.v;
        return this.mismatch(node, type, into);
      case 'int':
        if (node.k === 'number' && /^-?\d+$/.test(node.raw)) return Number(node.raw);
        // A number that does not fit the integer is named with its text, as Go does.
        if (node.k === 'number') {
          this.saveTypeError(`number ${node.raw}`, type);
          return into;
        }
        return this.mismatch(node, type, into);
      case 'time':
        if (node.k === 'string') return node.v;
        return this.mismatch(node, type, into);
      case 'raw':
        return new RawJSON(node);
      case 'ptr':
        return this.value(node, type.elem, into);
      case 'slice': {
        if (node.k !== 'array') return this.mismatch(node, type, into);
        const out: GoValue[] = [];
        node.items.forEach((item, i) => {
          this.strictPath.push(`[${i}]`);
          out.push(this.value(item, type.elem, undefined) ?? zeroOf(type.elem));
          this.strictPath.pop();
        });
        return out;
      }
      case 'map': {
        if (node.k !== 'object') return this.mismatch(node, type, into);
        const out: GoObject = isObject(into) ? { ...into } : {};
        const seen = new Set<string>();
        for (const [key, v] of node.entries) {
          if (seen.has(key)) this.strict.push(`duplicate field ${JSON.stringify(this.strictPathWith(key))}`);
          seen.add(key);
          this.strictPath.push(this.strictPath.length > 0 ? `.${key}` : key);
          out[key] = this.value(v, type.elem, out[key]) ?? zeroOf(type.elem);
          this.strictPath.pop();
        }
        return out;
      }
      case 'struct':
        return this.struct(node, type.s, into);
    }
  }

  private mismatch(node: JsonNode, type: GoType, into: GoValue | undefined): GoValue | undefined {
    this.saveTypeError(jsonKindWord(node), type);
    return into;
  }

  private struct(node: JsonNode, s: StructType, into: GoValue | undefined): GoValue | undefined {
    if (node.k !== 'object') return this.mismatch(node, { t: 'struct', s }, into);
    const out: GoObject = isObject(into) ? { ...into } : {};
    const seen = new Set<string>();
    for (const [key, v] of node.entries) {
      const f = s.fields.find((x) => x.json === key);
      if (!f) {
        this.strict.push(`unknown field ${JSON.stringify(this.strictPathWith(key))}`);
        continue;
      }
      if (seen.has(key)) this.strict.push(`duplicate field ${JSON.stringify(this.strictPathWith(key))}`);
      seen.add(key);
      const savedStruct = this.structName;
      this.fieldStack.push(key);
      this.structName = s.name;
      this.strictPath.push(this.strictPath.length > 0 ? `.${key}` : key);
      const decoded = this.value(v, f.type, out[key]);
      if (decoded === undefined) delete out[key];
      else out[key] = decoded;
      this.strictPath.pop();
      this.fieldStack.pop();
      this.structName = savedStruct;
    }
    return out;
  }
}

/** True for a decoded struct or map. */
export function isObject(v: GoValue | undefined): v is GoObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RawJSON);
}

function zeroOf(t: GoType): GoValue {
  switch (t.t) {
    case 'string':
    case 'time':
      return '';
    case 'bool':
      return false;
    case 'int':
      return 0;
    case 'struct':
      return {};
    default:
      return null;
  }
}

/**
 * Decodes a parsed document into `s` as kube's strict JSON serializer does.
 *
 * @example
 * const { value, outcome } = decodeStruct(parseGoJSON(body), SELF_SUBJECT_ACCESS_REVIEW);
 */
export function decodeStruct(node: JsonNode, s: StructType): { value: GoObject; outcome: DecodeOutcome } {
  const d = new Decoder();
  const v = d.value(node, { t: 'struct', s }, {});
  const value = isObject(v) ? v : {};
  return { value, outcome: d.typeError !== undefined ? { typeError: d.typeError, strict: d.strict } : { strict: d.strict } };
}

/** Go's omitempty test for a field value (structs are never empty). */
export function isEmptyValue(t: GoType, v: GoValue | undefined): boolean {
  if (v === undefined || v === null) return t.t !== 'struct';
  switch (t.t) {
    case 'string':
    case 'time':
      return v === '';
    case 'bool':
      return v === false;
    case 'int':
      return v === 0;
    case 'slice':
      return Array.isArray(v) && v.length === 0;
    case 'map':
      return isObject(v) && Object.keys(v).length === 0;
    default:
      return false;
  }
}

/** JSON value of a Go value of type `t`, field order and omitempty as encoding/json writes them. */
export function encodeValue(t: GoType, v: GoValue | undefined): unknown {
  switch (t.t) {
    case 'string':
      return typeof v === 'string' ? v : '';
    case 'bool':
      return v === true;
    case 'int':
      return typeof v === 'number' ? v : 0;
    case 'time':
      return typeof v === 'string' && v !== '' ? v : null;
    case 'raw':
      return v instanceof RawJSON ? rawToJSON(v.node) : null;
    case 'ptr':
      return v === undefined || v === null ? null : encodeValue(t.elem, v);
    case 'slice':
      return Array.isArray(v) ? v.map((x: GoValue) => encodeValue(t.elem, x)) : null;
    case 'map': {
      if (!isObject(v)) return null;
      const obj = v;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(obj).sort()) out[k] = encodeValue(t.elem, obj[k]);
      return out;
    }
    case 'struct':
      return encodeStruct(t.s, isObject(v) ? v : {});
  }
}

/** A struct as an ordered plain object. */
export function encodeStruct(s: StructType, v: GoObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of s.fields) {
    const val = v[f.json];
    if ((f.omitempty || f.omitzero) && isEmptyValue(f.type, val)) continue;
    out[f.json] = encodeValue(f.type, val);
  }
  return out;
}

/** Turns a kept raw node back into a JSON value (member order kept, last duplicate wins). */
export function rawToJSON(n: JsonNode): unknown {
  switch (n.k) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of n.entries) out[k] = rawToJSON(v);
      return out;
    }
    case 'array':
      return n.items.map(rawToJSON);
    case 'string':
      return n.v;
    case 'number':
      return Number(n.raw);
    case 'bool':
      return n.v;
    case 'null':
      return null;
  }
}
