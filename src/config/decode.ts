/**
 * Strict decoding of Kubernetes-style config files (YAML or JSON) against a small schema, the way
 * kube-apiserver's strict codec behaves: unknown fields and duplicate keys are errors, a value of
 * the wrong type is an error naming the Go struct field, nothing is silently defaulted.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments, isMap, isSeq, isScalar, type Node as YamlNode } from 'yaml';
import { DoormanError } from '../errors.js';

/** A schema for one config value. `goType` names the Go type in messages, as kube-apiserver's decoder does. */
export type Schema =
  | { readonly type: 'string' }
  | { readonly type: 'bool' }
  | { readonly type: 'int' }
  | { readonly type: 'any' }
  | { readonly type: 'array'; readonly items: Schema }
  | { readonly type: 'map'; readonly values: Schema }
  | { readonly type: 'object'; readonly goType: string; readonly fields: Readonly<Record<string, Schema>> };

const GO_KIND: Record<Schema['type'], string> = {
  string: 'string',
  bool: 'bool',
  int: 'int64',
  any: 'interface {}',
  array: '[]',
  map: 'map',
  object: 'struct',
};

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function goTypeName(s: Schema): string {
  if (s.type === 'object') return s.goType;
  if (s.type === 'array') return `[]${goTypeName(s.items)}`;
  if (s.type === 'map') return `map[string]${goTypeName(s.values)}`;
  return GO_KIND[s.type];
}

interface DecodeState {
  readonly unknown: string[];
  typeError?: string;
}

function decodeValue(v: unknown, schema: Schema, path: string, structName: string, st: DecodeState): unknown {
  if (v === null || v === undefined) return undefined;
  const mismatch = (): undefined => {
    st.typeError ??= `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${structName}.${path} of type ${goTypeName(schema)}`;
    return undefined;
  };
  switch (schema.type) {
    case 'any':
      return v;
    case 'string':
      return typeof v === 'string' ? v : mismatch();
    case 'bool':
      return typeof v === 'boolean' ? v : mismatch();
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? v : mismatch();
    case 'array': {
      if (!Array.isArray(v)) return mismatch();
      return v.map((item, i) => decodeValue(item, schema.items, `${path}[${i}]`, structName, st));
    }
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) return mismatch();
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = decodeValue(item, schema.values, `${path}[${k}]`, structName, st);
      return out;
    }
    case 'object': {
      if (typeof v !== 'object' || Array.isArray(v)) return mismatch();
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        const fieldSchema = schema.fields[k];
        const childPath = path ? `${path}.${k}` : k;
        if (!fieldSchema) {
          st.unknown.push(childPath);
          continue;
        }
        const decoded = decodeValue(item, fieldSchema, childPath, structName, st);
        if (decoded !== undefined) out[k] = decoded;
      }
      return out;
    }
  }
}

/**
 * Decodes `value` against an object schema. Throws a DoormanError worded like kube-apiserver's
 * strict decoder: `strict decoding error: unknown field "a.b", unknown field "c"`.
 */
export function decodeStrict<T>(value: unknown, schema: Schema & { type: 'object' }): T {
  const st: DecodeState = { unknown: [] };
  const out = decodeValue(value, schema, '', schema.goType, st);
  if (st.typeError) throw new DoormanError('CONFIG_DECODE', st.typeError);
  if (st.unknown.length > 0) {
    throw new DoormanError(
      'CONFIG_DECODE',
      `strict decoding error: ${st.unknown.map((f) => `unknown field "${f}"`).join(', ')}`,
    );
  }
  return (out ?? {}) as T;
}

/** The documents of one YAML/JSON file, as plain values. Duplicate keys and syntax errors throw with the line. */
export function parseDocuments(text: string): unknown[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true, merge: false });
  if (!Array.isArray(docs)) {
    // An empty stream comes back as an EmptyStream object, not an array.
    return [];
  }
  const out: unknown[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line;
      const where = line !== undefined ? `line ${line}: ` : '';
      const dup = /Map keys must be unique/.test(err.message);
      const key = dup ? duplicateKeyName(doc.contents, err.pos[0]) : undefined;
      const msg = dup && key !== undefined ? `key ${JSON.stringify(key)} already set in map` : (err.message.split('\n')[0] ?? '').replace(/:$/, '');
      throw new DoormanError('CONFIG_DECODE', `yaml: ${where}${msg}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    out.push(value);
  }
  return out;
}

function duplicateKeyName(node: YamlNode | null, pos: number): string | undefined {
  // Finds the key scalar at the error offset, so the message names the duplicated key.
  let found: string | undefined;
  const visit = (n: unknown): void => {
    if (found !== undefined) return;
    if (isMap(n)) {
      for (const pair of n.items) {
        if (isScalar(pair.key) && pair.key.range?.[0] === pos) found = String(pair.key.value);
        visit(pair.value);
      }
    } else if (isSeq(n)) n.items.forEach(visit);
  };
  visit(node);
  return found;
}

/** Reads a config file; a missing or unreadable file gives the path and the OS error. */
export function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT' ? 'no such file or directory' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    throw new DoormanError('CONFIG_READ', `open ${path}: ${reason}`, { cause: e });
  }
}

/** `apiVersion` and `kind` of a decoded document, for dispatching by type. */
export function typeMeta(doc: unknown): { apiVersion: string; kind: string } {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { apiVersion: '', kind: '' };
  const o = doc as Record<string, unknown>;
  return {
    apiVersion: typeof o['apiVersion'] === 'string' ? o['apiVersion'] : '',
    kind: typeof o['kind'] === 'string' ? o['kind'] : '',
  };
}
