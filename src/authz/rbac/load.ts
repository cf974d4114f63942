/**
 * Loads RBAC objects from YAML/JSON files and folders, so the manifests an operator applies with
 * kubectl, and the output of `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A
 * -o yaml`, load as they are. A file may hold several documents, `kind: List` documents and typed
 * lists (`ClusterRoleList`, whose items carry no kind). Other kinds are skipped with a warning;
 * an RBAC object kube-apiserver would refuse stops the load with an error naming the file, the
 * document and the field. Objects are decoded strictly (unknown fields are errors) except
 * metadata, where every ObjectMeta field a server writes (uid, managedFields, ...) is accepted and
 * ignored.
 *
 * The result keeps load order: paths in the order given, a folder's `.yaml`, `.yml` and `.json`
 * files sorted by name (not recursive), documents and list items in file order. A later object of
 * the same kind, namespace and name replaces the earlier one in place, with a warning, as a later
 * `kubectl apply` would.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DoormanError, FieldErrorList, type FieldError } from '../../errors.js';
import { decodeStrict, parseDocuments, readConfigFile, type Schema } from '../../config/decode.js';
import { goQuote } from '../../util/goquote.js';
import {
  RBAC_API_VERSION,
  RBAC_GROUP,
  type ClusterRole,
  type ClusterRoleBinding,
  type ObjectMeta,
  type RbacObjects,
  type Role,
  type RoleBinding,
} from './types.js';
import {
  defaultBinding,
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
} from './validate.js';

const STRING: Schema = { type: 'string' };
const ANY: Schema = { type: 'any' };
const STRINGS: Schema = { type: 'array', items: STRING };
const STRING_MAP: Schema = { type: 'map', values: STRING };

const OBJECT_META: Schema = {
  type: 'object',
  goType: 'ObjectMeta',
  fields: {
    name: STRING,
    namespace: STRING,
    labels: STRING_MAP,
    annotations: STRING_MAP,
    // Read by nothing in doorman, written by every API server.
    generateName: ANY,
    selfLink: ANY,
    uid: ANY,
    resourceVersion: ANY,
    generation: ANY,
    creationTimestamp: ANY,
    deletionTimestamp: ANY,
    deletionGracePeriodSeconds: ANY,
    ownerReferences: ANY,
    finalizers: ANY,
    managedFields: ANY,
  },
};

const POLICY_RULE: Schema = {
  type: 'object',
  goType: 'PolicyRule',
  fields: { verbs: STRINGS, apiGroups: STRINGS, resources: STRINGS, resourceNames: STRINGS, nonResourceURLs: STRINGS },
};

const SUBJECT: Schema = {
  type: 'object',
  goType: 'Subject',
  fields: { kind: STRING, apiGroup: STRING, name: STRING, namespace: STRING },
};

const ROLE_REF: Schema = { type: 'object', goType: 'RoleRef', fields: { apiGroup: STRING, kind: STRING, name: STRING } };

const LABEL_SELECTOR: Schema = {
  type: 'object',
  goType: 'LabelSelector',
  fields: {
    matchLabels: STRING_MAP,
    matchExpressions: {
      type: 'array',
      items: { type: 'object', goType: 'LabelSelectorRequirement', fields: { key: STRING, operator: STRING, values: STRINGS } },
    },
  },
};

const TYPE_FIELDS = { apiVersion: STRING, kind: STRING, metadata: OBJECT_META };

const SCHEMAS = {
  Role: { type: 'object', goType: 'Role', fields: { ...TYPE_FIELDS, rules: { type: 'array', items: POLICY_RULE } } },
  ClusterRole: {
    type: 'object',
    goType: 'ClusterRole',
    fields: {
      ...TYPE_FIELDS,
      rules: { type: 'array', items: POLICY_RULE },
      aggregationRule: {
        type: 'object',
        goType: 'AggregationRule',
        fields: { clusterRoleSelectors: { type: 'array', items: LABEL_SELECTOR } },
      },
    },
  },
  RoleBinding: {
    type: 'object',
    goType: 'RoleBinding',
    fields: { ...TYPE_FIELDS, subjects: { type: 'array', items: SUBJECT }, roleRef: ROLE_REF },
  },
  ClusterRoleBinding: {
    type: 'object',
    goType: 'ClusterRoleBinding',
    fields: { ...TYPE_FIELDS, subjects: { type: 'array', items: SUBJECT }, roleRef: ROLE_REF },
  },
} as const satisfies Record<string, Schema & { type: 'object' }>;

type RbacKind = keyof typeof SCHEMAS;
const RBAC_KINDS: readonly string[] = Object.keys(SCHEMAS);

function isRbacKind(kind: string): kind is RbacKind {
  return RBAC_KINDS.includes(kind);
}

/** What {@link loadRbacObjects} and {@link parseRbacDocuments} return. */
export interface LoadedRbac {
  readonly objects: RbacObjects;
  readonly warnings: readonly string[];
}

/** One decoded object with where it came from, before de-duplication. */
interface Entry {
  readonly kind: RbacKind;
  readonly key: string;
  readonly where: string;
  readonly object: Role | ClusterRole | RoleBinding | ClusterRoleBinding;
}

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: JsonObject, k: string): string {
  const v = o[k];
  return typeof v === 'string' ? v : '';
}

class Collector {
  readonly entries: Entry[] = [];
  readonly warnings: string[] = [];

  /** Adds one document or list item; `where` names file, document and item for messages. */
  add(value: unknown, where: string, inherited?: { readonly apiVersion: string; readonly kind: RbacKind }): void {
    if (!isObject(value)) throw new DoormanError('CONFIG_DECODE', `${where}: expected an object, got ${Array.isArray(value) ? 'a list' : typeof value}`);
    const apiVersion = str(value, 'apiVersion') || (inherited?.apiVersion ?? '');
    const kind = str(value, 'kind') || (inherited?.kind ?? '');
    if (kind === '') throw new DoormanError('CONFIG_DECODE', `${where}: Object 'Kind' is missing (every document needs apiVersion and kind)`);

    if (kind === 'List' || (kind.endsWith('List') && isRbacKind(kind.slice(0, -4)) && apiVersion.startsWith(`${RBAC_GROUP}/`))) {
      this.#addList(value, where, apiVersion, kind);
      return;
    }
    if (apiVersion === '' && isRbacKind(kind)) {
      throw new DoormanError('CONFIG_DECODE', `${where}: Object 'apiVersion' is missing (expected ${RBAC_API_VERSION} for kind ${kind})`);
    }
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    if (!isRbacKind(kind) || group !== RBAC_GROUP) {
      this.warnings.push(`${where}: skipping ${kind} (apiVersion ${goQuote(apiVersion)}): not an RBAC object`);
      return;
    }
    if (apiVersion !== RBAC_API_VERSION) {
      throw new DoormanError(
        'CONFIG_DECODE',
        `${where}: no matches for kind ${goQuote(kind)} in version ${goQuote(apiVersion)} (RBAC is served as ${RBAC_API_VERSION} since Kubernetes 1.22)`,
      );
    }
    // Typed-list items carry no apiVersion/kind; the strict decoder must not see them as missing.
    const withType = { ...value, apiVersion, kind };
    this.#addObject(kind, withType, where);
  }

  #addList(value: JsonObject, where: string, apiVersion: string, kind: string): void {
    const items = value['items'];
    if (items === undefined || items === null) return;
    if (!Array.isArray(items)) throw new DoormanError('CONFIG_DECODE', `${where}: ${kind}.items: expected a list`);
    const itemKind = kind === 'List' ? undefined : (kind.slice(0, -4) as RbacKind);
    items.forEach((item: unknown, i) => {
      this.add(item, `${where}, items[${i}]`, itemKind ? { apiVersion, kind: itemKind } : undefined);
    });
  }

  #addObject(kind: RbacKind, value: JsonObject, where: string): void {
    let decoded: Role | ClusterRole | RoleBinding | ClusterRoleBinding;
    try {
      decoded = decodeStrict<Role | ClusterRole | RoleBinding | ClusterRoleBinding>(value, SCHEMAS[kind]);
    } catch (e) {
      if (e instanceof DoormanError) throw new DoormanError(e.code, `${where}: ${e.message}`, { cause: e });
      throw e;
    }
    const name = decoded.metadata?.name ?? '';
    const label = `${kind}.${RBAC_GROUP} ${goQuote(name)}`;
    const meta = pickMeta(decoded.metadata);
    let object: Role | ClusterRole | RoleBinding | ClusterRoleBinding;
    let errors: FieldError[];
    const namespaced = kind === 'Role' || kind === 'RoleBinding';
    if (namespaced && (meta.namespace ?? '') === '') {
      this.warnings.push(`${where}: ${kind} ${goQuote(name)} has no metadata.namespace; using "default", as kubectl apply would in the default context`);
      meta.namespace = 'default';
    }
    // The API server clears the namespace of cluster-scoped objects.
    if (!namespaced) delete meta.namespace;
    switch (kind) {
      case 'Role': {
        const role: Role = { ...(decoded as Role), metadata: meta };
        errors = validateRole(role);
        object = role;
        break;
      }
      case 'ClusterRole': {
        const role: ClusterRole = { ...(decoded as ClusterRole), metadata: meta };
        errors = validateClusterRole(role);
        object = role;
        break;
      }
      case 'RoleBinding': {
        const raw = decoded as Partial<RoleBinding>;
        const b = defaultBinding<RoleBinding>({ ...raw, metadata: meta, roleRef: completeRef(raw.roleRef) });
        errors = validateRoleBinding(b);
        object = b;
        break;
      }
      case 'ClusterRoleBinding': {
        const raw = decoded as Partial<ClusterRoleBinding>;
        const b = defaultBinding<ClusterRoleBinding>({ ...raw, metadata: meta, roleRef: completeRef(raw.roleRef) });
        errors = validateClusterRoleBinding(b);
        object = b;
        break;
      }
    }
    if (errors.length > 0) {
      throw new FieldErrorList(errors, `${where}: ${label} is invalid: `);
    }
    this.entries.push({ kind, key: `${meta.namespace ?? ''}/${name}`, where, object: deepFreeze(object) });
  }
}

/** The metadata fields RBAC reads; server-written fields (uid, managedFields, ...) are dropped. */
function pickMeta(m: ObjectMeta | undefined): { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] } {
  const out: { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] } = {};
  if (m?.name !== undefined) out.name = m.name;
  if (m?.namespace !== undefined) out.namespace = m.namespace;
  if (m?.labels !== undefined) out.labels = m.labels;
  if (m?.annotations !== undefined) out.annotations = m.annotations;
  return out;
}

/** A roleRef with every field present (missing fields are empty, as Go's zero value). */
function completeRef(ref: Partial<RoleBinding['roleRef']> | undefined): RoleBinding['roleRef'] {
  return { apiGroup: ref?.apiGroup ?? '', kind: ref?.kind ?? '', name: ref?.name ?? '' };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function parseInto(c: Collector, text: string, source: string): void {
  let docs: unknown[];
  try {
    docs = parseDocuments(text);
  } catch (e) {
    if (e instanceof DoormanError) throw new DoormanError(e.code, `${source}: ${e.message}`, { cause: e });
    throw e;
  }
  docs.forEach((doc, i) => c.add(doc, `${source}: document ${i + 1}`));
}

function finish(c: Collector): LoadedRbac {
  const warnings = [...c.warnings];
  const lists: Record<RbacKind, Entry[]> = { Role: [], ClusterRole: [], RoleBinding: [], ClusterRoleBinding: [] };
  const seen = new Map<string, { readonly list: Entry[]; readonly index: number }>();
  for (const e of c.entries) {
    const id = `${e.kind}\u0000${e.key}`;
    const prev = seen.get(id);
    if (prev) {
      const old = prev.list[prev.index] as Entry;
      warnings.push(`${e.where}: ${e.kind} ${goQuote(e.key.startsWith('/') ? e.key.slice(1) : e.key)} replaces the one from ${old.where}`);
      prev.list[prev.index] = e;
      continue;
    }
    const list = lists[e.kind];
    seen.set(id, { list, index: list.length });
    list.push(e);
  }
  const objects: RbacObjects = Object.freeze({
    roles: Object.freeze(lists.Role.map((e) => e.object as Role)),
    clusterRoles: Object.freeze(lists.ClusterRole.map((e) => e.object as ClusterRole)),
    roleBindings: Object.freeze(lists.RoleBinding.map((e) => e.object as RoleBinding)),
    clusterRoleBindings: Object.freeze(lists.ClusterRoleBinding.map((e) => e.object as ClusterRoleBinding)),
  });
  return { objects, warnings };
}

/**
 * Parses RBAC objects from the text of one file (YAML or JSON, several documents allowed).
 * `source` names the file in messages.
 *
 * @example
 * const { objects } = parseRbacDocuments(yamlText, 'rbac.yaml');
 */
export function parseRbacDocuments(text: string, source: string): LoadedRbac {
  const c = new Collector();
  parseInto(c, text, source);
  return finish(c);
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * Loads RBAC objects from files and folders (a folder's `.yaml`/`.yml`/`.json` files, sorted by
 * name, not recursive). Throws a DoormanError (`CONFIG_READ`, `CONFIG_DECODE` or
 * `CONFIG_INVALID`) naming the file and document on the first bad object.
 *
 * @example
 * const { objects, warnings } = loadRbacObjects(['/etc/doorman/rbac/', 'extra.yaml']);
 * for (const w of warnings) console.warn(w);
 */
export function loadRbacObjects(paths: readonly string[]): LoadedRbac {
  const c = new Collector();
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      // readConfigFile below reports a missing or unreadable path with the OS reason.
    }
    if (!isDir) {
      parseInto(c, readConfigFile(p), p);
      continue;
    }
    const files = readdirSync(p, { withFileTypes: true })
      .filter((d) => !d.isDirectory() && EXTENSIONS.some((ext) => d.name.endsWith(ext)))
      .map((d) => d.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (files.length === 0) c.warnings.push(`${p}: no .yaml, .yml or .json files in this folder`);
    for (const f of files) {
      const file = join(p, f);
      parseInto(c, readConfigFile(file), file);
    }
  }
  return finish(c);
}
