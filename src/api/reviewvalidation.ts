/**
 * Validation of the access-review objects as kube-apiserver runs it before authorizing anything
 * (pkg/apis/authorization/validation, with meta/v1's selector-requirement validation), and the
 * selector notes a SubjectAccessReview status carries (pkg/registry/authorization/util
 * BuildEvaluationError). Field paths, error types and details are kube's; messages render through
 * doorman's field-error catalogue.
 */
import type { FieldError } from '../errors.js';
import { fieldSelectorExactMatch, INVALID_SELECTOR, isValidLabelSelector } from '../request/selectors.js';
import { encodeStruct, isObject, type GoObject, type GoValue } from './gotypes.js';
import { NON_RESOURCE_ATTRIBUTES, OBJECT_META } from './kinds.js';

const str = (v: GoValue | undefined): string => (typeof v === 'string' ? v : '');
const strList = (v: GoValue | undefined): string[] => (Array.isArray(v) ? v.map((x) => str(x)) : []);
const obj = (v: GoValue | undefined): GoObject | undefined => (isObject(v) ? v : undefined);
const objList = (v: GoValue | undefined): GoObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** An internal (tagless) struct as encoding/json would print it: Go field names. */
function internalStruct(v: GoObject, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.charAt(0).toUpperCase() + f.slice(1)] = str(v[f]);
  return out;
}

function nonResourceValue(v: GoValue | undefined): unknown {
  const o = obj(v);
  return o ? internalStruct(o, NON_RESOURCE_ATTRIBUTES.fields.map((f) => f.json)) : null;
}

const DNS1123_SUBDOMAIN_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** validation.RegexError: the message, examples, and the regular expression. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const whole = (fmt: string): RegExp => new RegExp(`^${fmt}$`);

/** validation.IsQualifiedName's messages. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0] ?? '';
  else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') errs.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) errs.push('prefix part must be no more than 253 characters');
      if (!whole(DNS1123_SUBDOMAIN_FMT).test(prefix)) {
        errs.push(
          `prefix part ${regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN_FMT, 'example.com')}`,
        );
      }
    }
  } else {
    return [`a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (!whole(QUALIFIED_NAME_FMT).test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** validation.IsValidLabelValue's messages. */
function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!whole(LABEL_VALUE_FMT).test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

const IN_OPS = new Set(['In', 'NotIn']);
const EXISTS_OPS = new Set(['Exists', 'DoesNotExist']);

function validateSelectorAttributes(selector: GoObject | undefined, path: string, label: boolean): FieldError[] {
  if (!selector) return [];
  const errs: FieldError[] = [];
  const raw = str(selector['rawSelector']);
  const reqs = objList(selector['requirements']);
  if (raw !== '' && reqs.length > 0) errs.push({ field: `${path}.rawSelector`, type: 'Invalid value', value: raw, detail: 'may not specified at the same time as requirements' });
  if (raw === '' && reqs.length === 0) errs.push({ field: `${path}.requirements`, type: 'Required value', detail: `when ${path} is specified, requirements or rawSelector is required` });
  reqs.forEach((r, i) => {
    const at = `${path}.requirements[${i}]`;
    const key = str(r['key']);
    const op = str(r['operator']);
    const values = strList(r['values']);
    if (!label && key === '') errs.push({ field: `${at}.key`, type: 'Required value', detail: 'must be specified' });
    // Unknown operators are allowed: newer clients may know operators this server does not.
    if (IN_OPS.has(op) && values.length === 0) errs.push({ field: `${at}.values`, type: 'Required value', detail: "must be specified when `operator` is 'In' or 'NotIn'" });
    if (EXISTS_OPS.has(op) && values.length > 0) errs.push({ field: `${at}.values`, type: 'Forbidden', detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
    if (label) {
      for (const msg of qualifiedNameErrors(key)) errs.push({ field: `${at}.key`, type: 'Invalid value', value: key, detail: msg });
      values.forEach((v, j) => {
        for (const msg of labelValueErrors(v)) errs.push({ field: `${at}.values[${j}]`, type: 'Invalid value', value: v, detail: msg });
      });
    }
  });
  return errs;
}

function validateResourceAttributes(ra: GoObject | undefined): FieldError[] {
  if (!ra) return [];
  return [
    ...validateSelectorAttributes(obj(ra['fieldSelector']), 'spec.resourceAttributes.fieldSelector', false),
    ...validateSelectorAttributes(obj(ra['labelSelector']), 'spec.resourceAttributes.labelSelector', true),
  ];
}

/** The attribute half shared by every access review's spec. */
function validateAttributes(spec: GoObject): FieldError[] {
  const ra = obj(spec['resourceAttributes']);
  const nra = spec['nonResourceAttributes'];
  const errs: FieldError[] = [];
  if (ra && obj(nra)) {
    errs.push({ field: 'spec.nonResourceAttributes', type: 'Invalid value', value: nonResourceValue(nra), detail: 'cannot be specified in combination with resourceAttributes' });
  }
  if (!ra && !obj(nra)) {
    errs.push({ field: 'spec.resourceAttributes', type: 'Invalid value', value: null, detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' });
  }
  return errs;
}

function validateSubjectSpec(spec: GoObject): FieldError[] {
  const errs = validateAttributes(spec);
  if (str(spec['user']) === '' && strList(spec['groups']).length === 0) {
    errs.push({ field: 'spec.user', type: 'Invalid value', value: str(spec['user']), detail: 'at least one of user or group must be specified' });
  }
  return [...errs, ...validateResourceAttributes(obj(spec['resourceAttributes']))];
}

/** ObjectMeta other than `except` and managedFields is set (Semantic.DeepEqual: empty equals nil). */
function metadataSet(meta: GoObject, except: readonly string[]): boolean {
  return Object.entries(meta).some(([k, v]) => {
    if (k === 'managedFields' || except.includes(k) || v === undefined || v === null) return false;
    if (typeof v === 'string') return v !== '';
    if (typeof v === 'number') return v !== 0;
    if (Array.isArray(v)) return v.length > 0;
    if (isObject(v)) return Object.keys(v).length > 0;
    return true;
  });
}

function metadataValue(meta: GoObject): unknown {
  return encodeStruct(OBJECT_META, meta);
}

/** A review's spec errors, then `metadata: must be empty` when anything but `except` is set. */
function validateReview(o: GoObject, specErrors: (spec: GoObject) => FieldError[], except: readonly string[] = []): FieldError[] {
  const meta = obj(o['metadata']) ?? {};
  const errs = specErrors(obj(o['spec']) ?? {});
  if (metadataSet(meta, except)) {
    errs.push({ field: 'metadata', type: 'Invalid value', value: metadataValue(meta), detail: except.length > 0 ? 'must be empty except for namespace' : 'must be empty' });
  }
  return errs;
}

/** ValidateSelfSubjectAccessReview. */
export function validateSelfSubjectAccessReview(o: GoObject): FieldError[] {
  return validateReview(o, (spec) => [...validateAttributes(spec), ...validateResourceAttributes(obj(spec['resourceAttributes']))]);
}

/** ValidateSubjectAccessReview. */
export function validateSubjectAccessReview(o: GoObject): FieldError[] {
  return validateReview(o, validateSubjectSpec);
}

/** ValidateLocalSubjectAccessReview. */
export function validateLocalSubjectAccessReview(o: GoObject): FieldError[] {
  const errs = validateReview(o, validateSubjectSpec, ['namespace']);
  const spec = obj(o['spec']) ?? {};
  const ra = obj(spec['resourceAttributes']);
  if (ra && str(ra['namespace']) !== str(obj(o['metadata'])?.['namespace'])) {
    errs.push({ field: 'spec.resourceAttributes.namespace', type: 'Invalid value', value: str(ra['namespace']), detail: 'must match metadata.namespace' });
  }
  if (obj(spec['nonResourceAttributes'])) {
    errs.push({ field: 'spec.nonResourceAttributes', type: 'Invalid value', value: nonResourceValue(spec['nonResourceAttributes']), detail: 'disallowed on this kind of request' });
  }
  return errs;
}

/** Whether a selector's parse dropped all of it (`ignored`), some of it (`partially ignored`), or none. */
function selectorNote(selector: GoObject | undefined, label: boolean): 'ignored' | 'partially ignored' | undefined {
  if (!selector) return undefined;
  const reqs = objList(selector['requirements']);
  if (reqs.length > 0) {
    let bad = 0;
    for (const r of reqs) {
      const op = str(r['operator']);
      const n = strList(r['values']).length;
      // Validation already refused the value-count mistakes of the operators it knows.
      const ok = label ? IN_OPS.has(op) || EXISTS_OPS.has(op) : IN_OPS.has(op) && n === 1;
      if (!ok) bad++;
    }
    if (bad === 0) return undefined;
    return bad === reqs.length ? 'ignored' : 'partially ignored';
  }
  const raw = str(selector['rawSelector']);
  if (raw === '') return undefined;
  const parses = label ? isValidLabelSelector(raw) : fieldSelectorExactMatch(raw, '') !== INVALID_SELECTOR;
  return parses ? undefined : 'ignored';
}

/**
 * BuildEvaluationError: the authorizer's error, then notes for selectors that did not parse,
 * joined by `; `.
 *
 * @example
 * evaluationError(undefined, { fieldSelector: { rawSelector: 'key in value' } }) // 'spec.resourceAttributes.fieldSelector ignored due to parse error'
 */
export function evaluationError(authorizerError: string | undefined, resourceAttributes: GoObject | undefined): string {
  const parts: string[] = [];
  if (authorizerError !== undefined) parts.push(authorizerError);
  const f = selectorNote(obj(resourceAttributes?.['fieldSelector']), false);
  if (f) parts.push(`spec.resourceAttributes.fieldSelector ${f} due to parse error`);
  const l = selectorNote(obj(resourceAttributes?.['labelSelector']), true);
  if (l) parts.push(`spec.resourceAttributes.labelSelector ${l} due to parse error`);
  return parts.join('; ');
}

