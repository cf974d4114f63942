/**
 * The body half of kube-apiserver's create handler (endpoints/handlers/create.go) for doorman's
 * review APIs: content-type negotiation (415), the body limit (413), CreateOptions from the query
 * (400/422), decoding JSON, YAML or protobuf into the endpoint's type with the serializer's and
 * scheme's error wording (400 `... cannot be handled as a ...`, `the object provided is
 * unrecognized ...`), strict-decoding warnings per `fieldValidation`, and the API version check.
 * The result is the decoded object, ready for the REST logic.
 */
import { parse as parseYAML } from 'yaml';
import type { HandlerContext } from '../engine.js';
import { RequestBodyTooLargeError, type FieldError } from '../errors.js';
import { goQuote } from '../util/goquote.js';
import { firstHeader } from '../request/headers.js';
import { badRequestStatus, entityTooLargeStatus, invalidStatus, unsupportedMediaTypeStatus } from './apierrors.js';
import { GoJSONSyntaxError, jsonKindWord, parseGoJSON, type JsonNode } from './gojsonparse.js';
import { decodeStruct, encodeStruct, type GoObject, type StructType } from './gotypes.js';
import { decodeEnvelope, decodeProtobufObject, ProtobufError } from './protobuf.js';
import type { EngineResponse } from './status.js';

/** The media types kube-apiserver's serializer accepts in request bodies, in its order. */
export const ACCEPTED_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'] as const;

/** The scheme kube-apiserver's errors name (legacyscheme's `runtime.NewScheme()` call site). */
export const LEGACY_SCHEME = 'k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30';

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** `group/version`, or just `version` for the core group (schema.GroupVersion.String()). */
export function groupVersionString(g: string, v: string): string {
  return g === '' ? v : `${g}/${v}`;
}

/** What the scheme knows: which kinds are registered in which group/version. */
export interface Scheme {
  /** Kinds registered for `group/version`, or undefined when the version is not registered at all. */
  kindsOf(group: string, version: string): ReadonlySet<string> | undefined;
}

/** The endpoint a body is decoded for. */
export interface DecodeTarget {
  /** The endpoint's external group/version/kind (scope.Kind). */
  readonly gvk: GroupVersionKind;
  readonly type: StructType;
  /** Package name of the internal type the codec converts into (`authorization`). */
  readonly internalPackage: string;
  readonly scheme: Scheme;
}

/** CreateOptions as the handler reads them from the query. */
export interface CreateOptions {
  readonly dryRun: readonly string[];
  readonly fieldManager: string;
  readonly fieldValidation: string;
}

export type DecodeResult =
  | { readonly ok: true; readonly object: GoObject; readonly options: CreateOptions; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly response: EngineResponse };

type Serializer = 'json' | 'yaml' | 'protobuf';

/** NegotiateInputSerializer: an empty Content-Type means JSON; parameters are ignored. */
function inputSerializer(contentType: string | undefined): Serializer | undefined {
  const raw = (contentType ?? '').trim();
  if (raw === '') return 'json';
  const mediaType = (raw.split(';')[0] ?? '').trim().toLowerCase();
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(mediaType)) return undefined;
  if (mediaType === 'application/json') return 'json';
  if (mediaType === 'application/yaml') return 'yaml';
  if (mediaType === 'application/vnd.kubernetes.protobuf') return 'protobuf';
  return undefined;
}

/** The first 30 bytes of a body as transformDecodeError quotes it. */
export function summarizeData(data: Uint8Array, maxLength = 30): string {
  if (data.length === 0) return '<empty>';
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, maxLength));
  const more = data.length > maxLength ? ' ...' : '';
  if (data[0] === 0x7b) return head.toString('utf8') + more;
  return head.toString('hex') + more;
}

const FIELD_VALIDATION_VALUES = ['', 'Ignore', 'Strict', 'Warn'];

/** ValidateCreateOptions: dryRun, fieldManager and fieldValidation. */
function validateCreateOptions(o: CreateOptions): FieldError[] {
  const errs: FieldError[] = [];
  if (o.dryRun.some((d) => d !== 'All')) errs.push({ field: 'dryRun', type: 'Unsupported value', value: o.dryRun, detail: 'supported values: "All"' });
  if (o.fieldManager.length > 128) errs.push({ field: 'fieldManager', type: 'Too long', detail: 'must have at most 128 characters' });
  else if (/[\u0000-\u001f\u007f-\u009f]/.test(o.fieldManager)) errs.push({ field: 'fieldManager', type: 'Invalid value', value: o.fieldManager, detail: 'must only contain printable characters' });
  if (!FIELD_VALIDATION_VALUES.includes(o.fieldValidation)) {
    errs.push({ field: 'fieldValidation', type: 'Unsupported value', value: o.fieldValidation, detail: `supported values: ${FIELD_VALIDATION_VALUES.map(goQuote).join(', ')}` });
  }
  return errs;
}

/** A decoder failure: `gvk` set when the body's kind was known (the "cannot be handled" form). */
class DecodeError {
  constructor(
    readonly message: string,
    readonly gvk?: GroupVersionKind,
  ) {}
}

const FIND_KIND_TYPE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** SimpleMetaFactory.Interpret: apiVersion and kind, matched case-insensitively as encoding/json does. */
function interpret(node: JsonNode): { apiVersion: string; kind: string } {
  if (node.k === 'null') return { apiVersion: '', kind: '' };
  if (node.k !== 'object') throw new DecodeError(`couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKindWord(node)} into Go value of type ${FIND_KIND_TYPE}`);
  let apiVersion = '';
  let kind = '';
  let typeError: string | undefined;
  for (const [k, v] of node.entries) {
    const key = k.toLowerCase() === 'apiversion' ? 'apiVersion' : k.toLowerCase() === 'kind' ? 'kind' : undefined;
    if (!key || v.k === 'null') continue;
    if (v.k !== 'string') {
      typeError ??= `json: cannot unmarshal ${jsonKindWord(v)} into Go struct field .${key} of type string`;
      continue;
    }
    if (key === 'apiVersion') apiVersion = v.v;
    else kind = v.v;
  }
  if (typeError !== undefined) throw new DecodeError(`couldn't get version/kind; json parse error: ${typeError}`);
  return { apiVersion, kind };
}

/** schema.ParseGroupVersion. */
function parseGroupVersion(gv: string): { group: string; version: string } {
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const slashes = gv.split('/').length - 1;
  if (slashes === 0) return { group: '', version: gv };
  if (slashes === 1) {
    const i = gv.indexOf('/');
    return { group: gv.slice(0, i), version: gv.slice(i + 1) };
  }
  throw new DecodeError(`unexpected GroupVersion string: ${gv}`);
}

/** gvkWithDefaults as the JSON serializer applies it. */
function jsonDefaults(actual: GroupVersionKind, def: GroupVersionKind): GroupVersionKind {
  let { group, version, kind } = actual;
  if (kind === '') kind = def.kind;
  if (version === '' && group === '') {
    group = def.group;
    version = def.version;
  }
  if (version === '' && group === def.group) version = def.version;
  return { group, version, kind };
}

/** copyKindDefaults as the protobuf serializer applies it. */
function protobufDefaults(actual: GroupVersionKind, def: GroupVersionKind): GroupVersionKind {
  const kind = actual.kind === '' ? def.kind : actual.kind;
  return actual.version === '' && def.version !== '' ? { group: def.group, version: def.version, kind } : { ...actual, kind };
}

/** UseOrCreateObject plus the conversion into the endpoint's internal type. */
function checkKind(target: DecodeTarget, actual: GroupVersionKind): void {
  const kinds = target.scheme.kindsOf(actual.group, actual.version);
  if (!kinds || !kinds.has(actual.kind)) {
    const gv = groupVersionString(actual.group, actual.version);
    throw new DecodeError(`no kind ${goQuote(actual.kind)} is registered for version ${goQuote(gv)} in scheme ${goQuote(LEGACY_SCHEME)}`, actual);
  }
  if (actual.kind !== target.gvk.kind) {
    throw new DecodeError(`converting (${actual.version}.${actual.kind}) to (${target.internalPackage}.${target.gvk.kind}): unknown conversion`, actual);
  }
}

/** Decodes and type-checks the body; strict errors come back for the caller's directive. */
function decodeBody(serializer: Serializer, body: Uint8Array, target: DecodeTarget): { object: GoObject; gvk: GroupVersionKind; strict: readonly string[] } {
  if (serializer === 'protobuf') {
    let env;
    try {
      env = decodeEnvelope(body);
    } catch (e) {
      throw new DecodeError(e instanceof ProtobufError ? e.message : String(e));
    }
    const declared = { ...parseGroupVersion(env.apiVersion), kind: env.kind };
    const gvk = protobufDefaults(declared, target.gvk);
    checkKind(target, gvk);
    try {
      return { object: decodeProtobufObject(env.raw, target.type), gvk, strict: [] };
    } catch (e) {
      throw new DecodeError(e instanceof ProtobufError ? e.message : String(e), gvk);
    }
  }

  let json: Uint8Array = body;
  if (serializer === 'yaml') {
    try {
      // sigs.k8s.io/yaml turns the document into JSON first; an empty document is JSON null.
      const doc: unknown = body.length === 0 ? null : parseYAML(Buffer.from(body).toString('utf8'), { uniqueKeys: false });
      json = Buffer.from(JSON.stringify(doc ?? null));
    } catch (e) {
      throw new DecodeError(`error converting YAML to JSON: yaml: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
  let node: JsonNode;
  try {
    node = parseGoJSON(json);
  } catch (e) {
    if (e instanceof GoJSONSyntaxError) throw new DecodeError(`couldn't get version/kind; json parse error: ${e.message}`);
    throw e;
  }
  const found = interpret(node);
  const declared = { ...parseGroupVersion(found.apiVersion), kind: found.kind };
  const gvk = jsonDefaults(declared, target.gvk);
  if (gvk.kind === '') throw new DecodeError(`Object 'Kind' is missing in '${Buffer.from(json).toString('utf8')}'`);
  if (gvk.version === '') throw new DecodeError(`Object 'apiVersion' is missing in '${Buffer.from(json).toString('utf8')}'`);
  checkKind(target, gvk);
  const { value, outcome } = decodeStruct(node, target.type);
  if (outcome.typeError !== undefined) throw new DecodeError(outcome.typeError, gvk);
  return { object: value, gvk, strict: outcome.strict };
}

/**
 * Reads and decodes a create request's body for `target`, answering every failure with the
 * Status kube-apiserver would write.
 *
 * @example
 * const r = await decodeCreateBody(ctx, { gvk, type: SELF_SUBJECT_ACCESS_REVIEW, internalPackage: 'authorization', scheme });
 * if (!r.ok) return r.response;
 */
export async function decodeCreateBody(ctx: HandlerContext, target: DecodeTarget): Promise<DecodeResult> {
  const pretty = ctx.pretty;
  const serializer = inputSerializer(firstHeader(ctx.request.headers, 'content-type'));
  if (!serializer) return { ok: false, response: unsupportedMediaTypeStatus(ACCEPTED_MEDIA_TYPES, pretty) };

  let body: Uint8Array;
  try {
    body = ctx.request.body ? await ctx.request.body() : new Uint8Array();
  } catch (e) {
    if (e instanceof RequestBodyTooLargeError) return { ok: false, response: entityTooLargeStatus(e.limit, pretty) };
    throw e;
  }

  const q = ctx.url.query;
  const options: CreateOptions = { dryRun: q.getAll('dryRun'), fieldManager: q.get('fieldManager') ?? '', fieldValidation: q.get('fieldValidation') ?? '' };
  const optionErrors = validateCreateOptions(options);
  if (optionErrors.length > 0) return { ok: false, response: invalidStatus({ group: 'meta.k8s.io', kind: 'CreateOptions' }, '', optionErrors, pretty) };
  const directive = options.fieldValidation === '' ? 'Warn' : options.fieldValidation;

  let decoded;
  try {
    decoded = decodeBody(serializer, body, target);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const kind = target.gvk.kind;
    const message = e.gvk
      ? `${e.gvk.kind} in version ${goQuote(e.gvk.version)} cannot be handled as a ${kind}: ${e.message}`
      : `the object provided is unrecognized (must be of type ${kind}): ${e.message} (${summarizeData(body)})`;
    return { ok: false, response: badRequestStatus(message, pretty) };
  }
  const { gvk, strict } = decoded;
  if (directive === 'Strict' && strict.length > 0) {
    const message = `${gvk.kind} in version ${goQuote(gvk.version)} cannot be handled as a ${target.gvk.kind}: strict decoding error: ${strict.join(', ')}`;
    return { ok: false, response: badRequestStatus(message, pretty) };
  }
  if (gvk.group !== target.gvk.group || gvk.version !== target.gvk.version) {
    const got = groupVersionString(gvk.group, gvk.version);
    const want = groupVersionString(target.gvk.group, target.gvk.version);
    return { ok: false, response: badRequestStatus(`the API version in the data (${got}) does not match the expected API version (${want})`, pretty) };
  }
  const object: GoObject = { ...decoded.object, kind: gvk.kind, apiVersion: groupVersionString(gvk.group, gvk.version) };
  return { ok: true, object, options, warnings: directive === 'Warn' ? strict : [] };
}

/** The decoded object as kube's audit logs it (re-encoded in the request's version). */
export function requestObjectJSON(object: GoObject, type: StructType): string {
  return JSON.stringify(encodeStruct(type, object));
}
