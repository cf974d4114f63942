/**
 * The `metadata.managedFields` entry kube-apiserver's field manager writes on a create: manager
 * (the `fieldManager` option, else the User-Agent up to its first `/`), operation `Update`, the
 * request's apiVersion, the time, and a FieldsV1 set of every field the request set that differs
 * from a new, empty object of the kind. kubectl sees it in the answers of the review APIs that
 * return the submitted object (SelfSubjectAccessReview, SubjectAccessReview,
 * LocalSubjectAccessReview, TokenReview).
 *
 * The set follows structured-merge-diff: an added struct or map is a member (`".":{}`) with all
 * of its fields; a changed scalar or list (lists are atomic here) is a leaf; children sort by
 * name; apiVersion, kind and the system metadata fields are stripped.
 */
import { parseGoJSON } from './gojsonparse.js';
import { encodeStruct, RawJSON, type GoObject, type StructType } from './gotypes.js';

/** kube's FieldManagerMaxLength. */
const MAX_MANAGER_LENGTH = 128;

/** managerOrUserAgent: the option, else the User-Agent before its first `/`, printable only. */
export function managerName(fieldManager: string, userAgent: string | undefined): string {
  if (fieldManager !== '') return fieldManager;
  const prefix = (userAgent ?? '').split('/')[0] ?? '';
  let out = '';
  for (const ch of prefix) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    if (Buffer.byteLength(out + ch) > MAX_MANAGER_LENGTH) break;
    out += ch;
  }
  return out;
}

type Json = unknown;
interface FieldSet {
  [key: string]: FieldSet;
}

const isMap = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function sameJSON(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Every path under an added value: the container itself plus all its fields. */
function addedSet(v: Json): FieldSet {
  if (!isMap(v)) return {};
  const out: FieldSet = { '.': {} };
  for (const k of Object.keys(v)) out[`f:${k}`] = addedSet(v[k]);
  return out;
}

/** Paths added or changed going from `live` to `next`; undefined when nothing changed. */
function changed(live: Json, next: Json): FieldSet | undefined {
  if (isMap(live) && isMap(next)) {
    const out: FieldSet = {};
    for (const k of Object.keys(next)) {
      if (!(k in live)) out[`f:${k}`] = addedSet(next[k]);
      else {
        const c = changed(live[k], next[k]);
        if (c) out[`f:${k}`] = c;
      }
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return sameJSON(live, next) ? undefined : isMap(next) ? addedSet(next) : {};
}

/** stripMetaManager's set, under `metadata`. */
const STRIPPED_METADATA = ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'];

function sortSet(s: FieldSet): FieldSet {
  const out: FieldSet = {};
  const keys = Object.keys(s).sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) out[k] = sortSet(s[k] as FieldSet);
  return out;
}

/** The FieldsV1 of a create request's object, or undefined when it sets nothing. */
export function fieldsV1For(type: StructType, object: GoObject): FieldSet | undefined {
  const strip = (o: GoObject): GoObject => {
    const { kind: _k, apiVersion: _a, ...rest } = o;
    return rest;
  };
  const set = changed(encodeStruct(type, {}), encodeStruct(type, strip(object)));
  if (!set) return undefined;
  delete set['f:kind'];
  delete set['f:apiVersion'];
  const meta = set['f:metadata'];
  if (meta) {
    delete meta['.'];
    for (const f of STRIPPED_METADATA) delete meta[`f:${f}`];
    if (Object.keys(meta).length === 0) delete set['f:metadata'];
  }
  return Object.keys(set).length > 0 ? sortSet(set) : undefined;
}

/** RFC 3339 at second precision in UTC, as metav1.Time marshals. */
export function rfc3339Seconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The managedFields list kube's field manager puts on a created object.
 *
 * @example
 * managedFieldsFor(SELF_SUBJECT_ACCESS_REVIEW, obj, 'authorization.k8s.io/v1', 'kubectl', new Date())
 * // [{ manager: 'kubectl', operation: 'Update', apiVersion: 'authorization.k8s.io/v1', time: '...', fieldsType: 'FieldsV1', fieldsV1: {...} }]
 */
export function managedFieldsFor(type: StructType, object: GoObject, apiVersion: string, manager: string, now: Date): GoObject[] {
  const fields = fieldsV1For(type, object);
  if (!fields) return [];
  const fieldsV1 = new RawJSON(parseGoJSON(Buffer.from(JSON.stringify(fields))));
  return [{ manager, operation: 'Update', apiVersion, time: rfc3339Seconds(now), fieldsType: 'FieldsV1', fieldsV1 }];
}
