/**
 * Reading Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), which kubectl
 * and client-go send for built-in kinds: the `k8s\0` prefix, the runtime.Unknown envelope
 * (typeMeta, raw, contentEncoding, contentType) and the object message itself, driven by the same
 * struct table as JSON. Only decoding: doorman always answers in JSON. Malformed input raises
 * {@link ProtobufError} with gogo-protobuf's wording where it has one.
 */
import { parseGoJSON } from './gojsonparse.js';
import { RawJSON, isObject, type GoObject, type GoType, type GoValue, type StructType } from './gotypes.js';
import { PROTO_TYPE_META } from './kinds.js';

/** The four bytes every Kubernetes protobuf body starts with. */
export const PROTOBUF_PREFIX = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

const UNEXPECTED_EOF = 'unexpected EOF';

class Cursor {
  pos: number;
  constructor(
    readonly b: Uint8Array,
    start = 0,
    readonly end = b.length,
  ) {
    this.pos = start;
  }
  get done(): boolean {
    return this.pos >= this.end;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (shift >= 64n) throw new ProtobufError('proto: integer overflow');
      if (this.pos >= this.end) throw new ProtobufError(UNEXPECTED_EOF);
      const byte = this.b[this.pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
      shift += 7n;
    }
  }
  bytes(): Uint8Array {
    const len = this.varint();
    if (len < 0n || len > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtobufError('proto: negative length found during unmarshaling');
    const n = Number(len);
    if (this.pos + n > this.end) throw new ProtobufError(UNEXPECTED_EOF);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number, typeName: string, tag: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new ProtobufError(`proto: ${typeName}: illegal tag ${tag} (wire type ${wire})`);
    }
  }
  private advance(n: number): void {
    if (this.pos + n > this.end) throw new ProtobufError(UNEXPECTED_EOF);
    this.pos += n;
  }
}

const utf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

function wireTypeOf(t: GoType): number {
  return t.t === 'bool' || t.t === 'int' ? 0 : 2;
}

/** Decodes one message of struct type `s`. */
function decodeMessage(b: Uint8Array, s: StructType): GoObject {
  const c = new Cursor(b);
  const out: GoObject = {};
  while (!c.done) {
    const key = c.varint();
    const tag = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (tag <= 0) throw new ProtobufError(`proto: ${s.name}: illegal tag ${tag} (wire type ${wire})`);
    const f = s.fields.find((x) => x.proto === tag);
    if (!f) {
      c.skip(wire, s.name, tag);
      continue;
    }
    const elemType = f.type.t === 'ptr' ? f.type.elem : f.type;
    // Repeated fields take one element per occurrence.
    const itemType = elemType.t === 'slice' ? elemType.elem : elemType;
    const expected = wireTypeOf(itemType);
    if (wire !== expected) throw new ProtobufError(`proto: wrong wireType = ${wire} for field ${goFieldName(f.json)}`);
    if (elemType.t === 'slice') {
      const prev = out[f.json];
      const list = Array.isArray(prev) ? [...(prev as GoValue[])] : [];
      list.push(scalarOrMessage(c, itemType));
      out[f.json] = list;
    } else if (elemType.t === 'map') {
      const [k, v] = mapEntry(c.bytes(), elemType.elem);
      const prev = out[f.json];
      out[f.json] = { ...(isObject(prev) ? prev : {}), [k]: v };
    } else {
      out[f.json] = scalarOrMessage(c, elemType);
    }
  }
  return out;
}

/** Go field names in gogo's wireType errors are the Go names (`Name`, `ResourceAttributes`). */
function goFieldName(json: string): string {
  if (json === 'uid') return 'UID';
  return json.charAt(0).toUpperCase() + json.slice(1);
}

function scalarOrMessage(c: Cursor, t: GoType): GoValue {
  switch (t.t) {
    case 'bool':
      return c.varint() !== 0n;
    case 'int':
      return Number(BigInt.asIntN(64, c.varint()));
    case 'string':
      return utf8(c.bytes());
    case 'struct':
      return decodeMessage(c.bytes(), t.s);
    case 'ptr':
      return scalarOrMessage(c, t.elem);
    case 'time':
      return timestamp(c.bytes());
    case 'raw': {
      // metav1.FieldsV1 { bytes Raw = 1 } holding JSON.
      const inner = new Cursor(c.bytes());
      let raw: Uint8Array = new Uint8Array();
      while (!inner.done) {
        const key = inner.varint();
        if (Number(key >> 3n) === 1 && Number(key & 7n) === 2) raw = inner.bytes();
        else inner.skip(Number(key & 7n), 'FieldsV1', Number(key >> 3n));
      }
      try {
        return new RawJSON(parseGoJSON(raw));
      } catch {
        return null;
      }
    }
    case 'slice':
      // ExtraValue as a map value: message { repeated string items = 1 }.
      return extraValue(c.bytes());
    case 'map':
      throw new ProtobufError('proto: map inside a map is not a Kubernetes type');
  }
}

function extraValue(b: Uint8Array): GoValue {
  const c = new Cursor(b);
  const items: string[] = [];
  while (!c.done) {
    const key = c.varint();
    if (Number(key >> 3n) === 1 && Number(key & 7n) === 2) items.push(utf8(c.bytes()));
    else c.skip(Number(key & 7n), 'ExtraValue', Number(key >> 3n));
  }
  return items;
}

function mapEntry(b: Uint8Array, valueType: GoType): [string, GoValue] {
  const c = new Cursor(b);
  let k = '';
  let v: GoValue = valueType.t === 'string' ? '' : [];
  while (!c.done) {
    const key = c.varint();
    const tag = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (tag === 1 && wire === 2) k = utf8(c.bytes());
    else if (tag === 2 && wire === 2) v = scalarOrMessage(c, valueType);
    else c.skip(wire, 'map entry', tag);
  }
  return [k, v];
}

/** metav1.Time as google.protobuf.Timestamp-like {seconds = 1, nanos = 2}, rendered RFC 3339. */
function timestamp(b: Uint8Array): string {
  const c = new Cursor(b);
  let seconds = 0n;
  while (!c.done) {
    const key = c.varint();
    const tag = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (tag === 1 && wire === 0) seconds = BigInt.asIntN(64, c.varint());
    else c.skip(wire, 'Timestamp', tag);
  }
  if (seconds === 0n) return '';
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A decoded envelope: the GVK the client declared and the raw object message. */
export interface ProtobufEnvelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly raw: Uint8Array;
}

/**
 * Splits a protobuf request body into its declared apiVersion/kind and object bytes, with the
 * protobuf serializer's errors for empty or unprefixed bodies.
 *
 * @example
 * const env = decodeEnvelope(body); // { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', raw }
 */
export function decodeEnvelope(body: Uint8Array): ProtobufEnvelope {
  if (body.length === 0) throw new ProtobufError('empty data');
  const p = PROTOBUF_PREFIX;
  if (body.length < p.length || !p.equals(body.subarray(0, p.length))) {
    throw new ProtobufError(`provided data does not appear to be a protobuf message, expected prefix [${[...p].join(' ')}]`);
  }
  if (body.length === p.length) throw new ProtobufError('empty body');
  const c = new Cursor(body, p.length);
  let typeMeta: GoObject = {};
  let raw: Uint8Array = new Uint8Array();
  while (!c.done) {
    const key = c.varint();
    const tag = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (tag === 1 && wire === 2) typeMeta = decodeMessage(c.bytes(), PROTO_TYPE_META);
    else if (tag === 2 && wire === 2) raw = c.bytes();
    else if ((tag === 1 || tag === 2 || tag === 3 || tag === 4) && wire !== 2) throw new ProtobufError(`proto: wrong wireType = ${wire} for field ${['', 'TypeMeta', 'Raw', 'ContentEncoding', 'ContentType'][tag]}`);
    else c.skip(wire, 'Unknown', tag);
  }
  const s = (v: GoValue | undefined): string => (typeof v === 'string' ? v : '');
  return { apiVersion: s(typeMeta['apiVersion']), kind: s(typeMeta['kind']), raw };
}

/**
 * Decodes an object message into struct `s`.
 *
 * @example
 * const ssar = decodeProtobufObject(env.raw, SELF_SUBJECT_ACCESS_REVIEW);
 */
export function decodeProtobufObject(raw: Uint8Array, s: StructType): GoObject {
  return decodeMessage(raw, s);
}
