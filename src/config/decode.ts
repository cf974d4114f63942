/**
 * Strict decoding of Kubernetes-style config files (YAML or JSON) against a small schema, the way
 * kube-apiserver's strict codec behaves: unknown fields and duplicate keys are errors, a value of
 * the wrong type is an error naming the Go struct field, nothing is silently defaulted.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, type Node as YamlNode, type Tags } from 'yaml';
import { DoormanError } from '../errors.js';

/** A schema for one config value. `goType` names the Go type in messages, as kube-apiserver's decoder does. */
export type Schema =
  /** `goType` names a named string type (`AudienceMatchPolicyType`), for messages. */
  | { readonly type: 'string'; readonly goType?: string }
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

/** A type as Go's reflect.Type.String prints it; named types carry `pkg.` when a package is given. */
function goTypeName(s: Schema, pkg?: string): string {
  const named = (name: string): string => (pkg === undefined ? name : `${pkg}.${name}`);
  if (s.type === 'object') return named(s.goType);
  if (s.type === 'string' && s.goType !== undefined) return named(s.goType);
  if (s.type === 'array') return `[]${goTypeName(s.items, pkg)}`;
  if (s.type === 'map') return `map[string]${goTypeName(s.values, pkg)}`;
  return GO_KIND[s.type];
}

/** How decoding words its errors. */
export interface DecodeOptions {
  /**
   * Word type errors exactly as encoding/json does for Go structs of this package (`v1`): the
   * innermost struct's name, the field path from the root without list indexes, and named types
   * qualified with the package (`[]v1.JWTAuthenticator`).
   */
  readonly goPackage?: string;
  /** Strict errors found before decoding (duplicate YAML keys), listed before unknown fields. */
  readonly strictErrors?: readonly string[];
}

interface DecodeState {
  readonly unknown: string[];
  readonly goPackage?: string;
  typeError?: string;
}

function decodeValue(v: unknown, schema: Schema, path: string, structName: string, st: DecodeState, goPath = path): unknown {
  if (v === null || v === undefined) return undefined;
  const mismatch = (): undefined => {
    st.typeError ??=
      st.goPackage === undefined
        ? `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${structName}.${path} of type ${goTypeName(schema)}`
        : `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${structName}.${goPath} of type ${goTypeName(schema, st.goPackage)}`;
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
      return v.map((item, i) => decodeValue(item, schema.items, `${path}[${i}]`, structName, st, goPath));
    }
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) return mismatch();
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = decodeValue(item, schema.values, `${path}[${k}]`, structName, st, goPath);
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
        // encoding/json names the struct that holds the field, and the path without indexes.
        const decoded =
          st.goPackage === undefined
            ? decodeValue(item, fieldSchema, childPath, structName, st)
            : decodeValue(item, fieldSchema, childPath, schema.goType, st, goPath ? `${goPath}.${k}` : k);
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
export function decodeStrict<T>(value: unknown, schema: Schema & { type: 'object' }, options: DecodeOptions = {}): T {
  const st: DecodeState = { unknown: [], ...(options.goPackage !== undefined ? { goPackage: options.goPackage } : {}) };
  const out = decodeValue(value, schema, '', schema.goType, st);
  // A type error is fatal and reported alone; strict errors are collected.
  if (st.typeError) throw new DoormanError('CONFIG_DECODE', st.typeError);
  const strict = [...(options.strictErrors ?? []), ...st.unknown.map((f) => `unknown field "${f}"`)];
  if (strict.length > 0) throw new DoormanError('CONFIG_DECODE', `strict decoding error: ${strict.join(', ')}`);
  return (out ?? {}) as T;
}

/**
 * The YAML 1.1 scalars go-yaml v2 (under sigs.k8s.io/yaml, which every kube config file goes
 * through) resolves: `yes`/`no`/`on`/`off`/`y`/`n` are booleans, `0755` is octal, `1_000` is a
 * number; timestamps and base-60 numbers stay strings.
 */
function goYamlTags(tags: Tags): Tags {
  return tags.filter((t) => {
    const tag = (t as { tag?: string; format?: string }).tag;
    const format = (t as { format?: string }).format;
    return tag !== 'tag:yaml.org,2002:timestamp' && format !== 'TIME';
  });
}

/** go-yaml v2's `%#v` of a map key. */
function goKey(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * The duplicate keys go-yaml v2's strict mode reports, in its order: a value is decoded before its
 * key is checked, and the line is that of the value.
 */
function duplicateKeyErrors(node: unknown, lines: LineCounter, out: string[]): void {
  if (isSeq(node)) {
    for (const item of node.items) duplicateKeyErrors(item, lines, out);
    return;
  }
  if (!isMap(node)) return;
  const seen = new Set<string>();
  for (const pair of node.items) {
    duplicateKeyErrors(pair.value, lines, out);
    const key: unknown = isScalar(pair.key) ? pair.key.value : pair.key;
    const id = `${typeof key}:${String(key)}`;
    if (seen.has(id)) {
      const at = (pair.value as YamlNode | null)?.range?.[0] ?? (pair.key as YamlNode | null)?.range?.[0] ?? 0;
      out.push(`line ${lines.linePos(at).line}: key ${goKey(key)} already set in map`);
    }
    seen.add(id);
  }
}

/**
 * The documents of a kube config file as sigs.k8s.io/yaml reads them (YAML 1.1 scalars, `<<`
 * merges, the last of duplicate keys wins), with the duplicate keys its strict mode reports per
 * document (`yaml: unmarshal errors:\n  line N: key "k" already set in map`).
 */
export function parseGoYamlDocuments(text: string): { docs: unknown[]; strictErrors: string[][] } {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { version: '1.1', customTags: goYamlTags, uniqueKeys: false, prettyErrors: true, merge: true, lineCounter: lines });
  if (!Array.isArray(parsed)) return { docs: [], strictErrors: [] };
  const docs: unknown[] = [];
  const strictErrors: string[][] = [];
  for (const doc of parsed) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line;
      const where = line !== undefined ? `line ${line}: ` : '';
      throw new DoormanError('CONFIG_DECODE', `yaml: ${where}${(err.message.split('\n')[0] ?? '').replace(/:$/, '')}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const dups: string[] = [];
    duplicateKeyErrors(doc.contents, lines, dups);
    docs.push(value);
    strictErrors.push(dups.length > 0 ? [`yaml: unmarshal errors:\n  ${dups.join('\n  ')}`] : []);
  }
  return { docs, strictErrors };
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
