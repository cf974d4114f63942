/**
 * The audit Policy (audit.k8s.io/v1): loading it the way kube-apiserver's `policy/reader.go` does
 * (strict decode first, a warning and a lenient decode when only unknown fields are wrong,
 * group/version check, `validation.go`'s rules and messages, "0 rules" refusal), and evaluating it
 * per request exactly as `policy/checker.go` does: first matching rule wins, each rule's
 * omitStages is the union with the policy's, omitManagedFields is the rule's value when set.
 */
import { DoormanError, aggregateMessages, type FieldError } from '../errors.js';
import { decodeStrict, parseDocuments, readConfigFile, type Schema } from '../config/decode.js';
import { goQuote } from '../util/goquote.js';
import { LEVELS, STAGES, type Level, type Stage } from './types.js';

/** audit.k8s.io/v1 GroupResources. */
export interface GroupResources {
  readonly group?: string;
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** audit.k8s.io/v1 PolicyRule. `omitManagedFields` absent means "inherit the policy's value". */
export interface PolicyRule {
  readonly level: Level;
  readonly users?: readonly string[];
  readonly userGroups?: readonly string[];
  readonly verbs?: readonly string[];
  readonly resources?: readonly GroupResources[];
  readonly namespaces?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly omitStages?: readonly Stage[];
  readonly omitManagedFields?: boolean;
}

/** audit.k8s.io/v1 Policy (the parts that matter after decoding). */
export interface Policy {
  readonly rules: readonly PolicyRule[];
  readonly omitStages?: readonly Stage[];
  readonly omitManagedFields?: boolean;
}

/** What the policy says about one request (kube's `RequestAuditConfig`). */
export interface RequestAuditConfig {
  readonly level: Level;
  readonly omitStages: readonly Stage[];
  readonly omitManagedFields: boolean;
}

/**
 * The request attributes the policy looks at: a subset of the authorizer attributes
 * (`src/authz/types.ts` `Attributes` satisfies it). `user` is absent when nobody is
 * authenticated (the 401 path); then rules with `users`/`userGroups` never match.
 */
export interface PolicyAttributes {
  readonly user?: { readonly name: string; readonly groups: readonly string[] } | undefined;
  readonly verb: string;
  readonly isResourceRequest: boolean;
  readonly path: string;
  readonly apiGroup: string;
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
}

/** The result of loading a policy: the policy, and warnings kube-apiserver would log. */
export interface LoadedPolicy {
  readonly policy: Policy;
  /** E.g. `Audit policy contains errors, falling back to lenient decoding: strict decoding error: unknown field "rules[0].foo"`. */
  readonly warnings: readonly string[];
}

/** Options for {@link parseAuditPolicy}. */
export interface ParsePolicyOptions {
  /**
   * Treat unknown fields as an error (`failed decoding: strict decoding error: ...`) instead of
   * kube-apiserver's warning-and-continue. For `doorman validate`; off by default.
   */
  readonly strict?: boolean;
}

/** Thrown when a decoded policy fails validation; carries the individual field errors. */
export class AuditPolicyValidationError extends DoormanError {
  readonly errors: readonly FieldError[];
  constructor(errors: readonly FieldError[], message: string) {
    super('CONFIG_INVALID', message);
    this.name = 'AuditPolicyValidationError';
    this.errors = errors;
  }
}

// kube-apiserver names its scheme after the line that created it; v1.29+ prints this.
const SCHEME_NAME = 'pkg/audit/scheme.go:30';
const AUDIT_GROUP = 'audit.k8s.io';

const stringList: Schema = { type: 'array', items: { type: 'string' } };
const GROUP_RESOURCES_SCHEMA: Schema = {
  type: 'object',
  goType: 'v1.GroupResources',
  fields: { group: { type: 'string' }, resources: stringList, resourceNames: stringList },
};
const RULE_SCHEMA: Schema = {
  type: 'object',
  goType: 'v1.PolicyRule',
  fields: {
    level: { type: 'string' },
    users: stringList,
    userGroups: stringList,
    verbs: stringList,
    resources: { type: 'array', items: GROUP_RESOURCES_SCHEMA },
    namespaces: stringList,
    nonResourceURLs: stringList,
    omitStages: stringList,
    omitManagedFields: { type: 'bool' },
  },
};
const POLICY_SCHEMA: Schema & { type: 'object' } = {
  type: 'object',
  goType: 'Policy',
  fields: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'any' },
    rules: { type: 'array', items: RULE_SCHEMA },
    omitStages: stringList,
    omitManagedFields: { type: 'bool' },
  },
};

interface DecodedRule {
  level?: string;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: Array<{ group?: string; resources?: string[]; resourceNames?: string[] }>;
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: string[];
  omitManagedFields?: boolean;
}
interface DecodedPolicy {
  rules?: DecodedRule[];
  omitStages?: string[];
  omitManagedFields?: boolean;
}

function decodeError(message: string): DoormanError {
  return new DoormanError('CONFIG_DECODE', message);
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** Removes keys the schema does not know, recursively: the lenient decoder's view of a document. */
function stripUnknown(v: unknown, schema: Schema): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (schema.type === 'array' && Array.isArray(v)) return v.map((item: unknown) => stripUnknown(item, schema.items));
  if (schema.type === 'map' && !Array.isArray(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, stripUnknown(item, schema.values)]));
  }
  if (schema.type === 'object' && !Array.isArray(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) {
      const fieldSchema = schema.fields[k];
      if (fieldSchema) out[k] = stripUnknown(item, fieldSchema);
    }
    return out;
  }
  return v;
}

/** Go's `%#v` for the `[]string` values validation reports. */
function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function dnsSubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) errs.push(DNS1123_SUBDOMAIN_MSG);
  return errs;
}

interface RenderedError {
  readonly error: FieldError;
  readonly text: string;
}

function invalid(field: string, shown: string, value: unknown, detail: string): RenderedError {
  return { error: { field, type: 'Invalid value', value, detail }, text: `${field}: Invalid value: ${shown}: ${detail}` };
}

/** `validation.ValidatePolicy`: rules only (kube does not validate the policy-level omitStages). */
function validatePolicy(p: DecodedPolicy): RenderedError[] {
  const errs: RenderedError[] = [];
  (p.rules ?? []).forEach((rule, i) => {
    const path = `rules[${i}]`;
    const level = rule.level ?? '';
    if (level === '') {
      errs.push({ error: { field: `${path}.level`, type: 'Required value' }, text: `${path}.level: Required value` });
    } else if (!(LEVELS as readonly string[]).includes(level)) {
      const detail = `supported values: ${LEVELS.map((l) => goQuote(l)).join(', ')}`;
      errs.push({
        error: { field: `${path}.level`, type: 'Unsupported value', value: level, detail },
        text: `${path}.level: Unsupported value: ${goQuote(level)}: ${detail}`,
      });
    }
    (rule.nonResourceURLs ?? []).forEach((url, j) => {
      if (url === '*') return;
      const f = `${path}.nonResourceURLs[${j}]`;
      if (!url.startsWith('/')) errs.push(invalid(f, goQuote(url), url, "non-resource URL rules must begin with a '/' character"));
      if (url !== '' && url.slice(0, -1).includes('*')) {
        errs.push(invalid(f, goQuote(url), url, "non-resource URL wildcards '*' must be the final character of the rule"));
      }
    });
    // kube reports these two under `rules[i].resources.<field>`, without the entry's index.
    for (const gr of rule.resources ?? []) {
      const group = gr.group ?? '';
      if (group !== '') {
        const msgs = dnsSubdomainErrors(group);
        if (msgs.length > 0) errs.push(invalid(`${path}.resources.group`, goQuote(group), group, msgs.join(',')));
      }
      const names = gr.resourceNames ?? [];
      if (names.length > 0 && (gr.resources ?? []).length === 0) {
        errs.push(invalid(`${path}.resources.resourceNames`, goStringSlice(names), names, 'using resourceNames requires at least one resource'));
      }
    }
    (rule.omitStages ?? []).forEach((stage, j) => {
      if (!(STAGES as readonly string[]).includes(stage)) {
        errs.push(invalid(`${path}.omitStages[${j}]`, goQuote(stage), stage, `allowed stages are ${STAGES.join(',')}`));
      }
    });
    const urls = rule.nonResourceURLs ?? [];
    if (urls.length > 0 && ((rule.resources ?? []).length > 0 || (rule.namespaces ?? []).length > 0)) {
      errs.push(invalid(`${path}.nonResourceURLs`, goStringSlice(urls), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
  });
  return errs;
}

function parseGroupVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0] ?? '', version: parts[1] ?? '' };
  throw decodeError(`failed decoding: unexpected GroupVersion string: ${apiVersion}`);
}

function gvString(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/**
 * Parses and validates an audit Policy document, with kube-apiserver's messages (without the
 * `: from file <path>` suffix, which {@link loadAuditPolicy} adds).
 *
 * @example
 * const { policy } = parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
 */
export function parseAuditPolicy(text: string, options: ParsePolicyOptions = {}): LoadedPolicy {
  let docs: unknown[];
  try {
    docs = parseDocuments(text);
  } catch (e) {
    throw decodeError(`failed decoding: ${(e as Error).message}`);
  }
  // Like sigs.k8s.io/yaml, only the first document counts.
  const doc: unknown = docs[0] ?? {};
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw decodeError(
      `failed decoding: couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(doc)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
    );
  }
  const raw = doc as Record<string, unknown>;
  const apiVersion = typeof raw['apiVersion'] === 'string' ? raw['apiVersion'] : '';
  const kind = typeof raw['kind'] === 'string' && raw['kind'] !== '' ? raw['kind'] : 'Policy';
  let { group, version } = parseGroupVersion(apiVersion);
  // The decoder fills a missing group/version from the target type: the internal version.
  if (version === '' && (group === '' || group === AUDIT_GROUP)) {
    group = AUDIT_GROUP;
    version = '__internal';
  }
  if (group === AUDIT_GROUP && version === '__internal') {
    if (kind !== 'Policy') {
      throw decodeError(`failed decoding: no kind ${goQuote(kind)} is registered for the internal version of group ${goQuote(group)} in scheme ${goQuote(SCHEME_NAME)}`);
    }
    throw decodeError(`unknown group version field ${AUDIT_GROUP}/__internal, Kind=Policy in policy`);
  }
  if (group !== AUDIT_GROUP || version !== 'v1' || kind !== 'Policy') {
    throw decodeError(`failed decoding: no kind ${goQuote(kind)} is registered for version ${goQuote(gvString(group, version))} in scheme ${goQuote(SCHEME_NAME)}`);
  }

  const warnings: string[] = [];
  let decoded: DecodedPolicy;
  try {
    decoded = decodeStrict<DecodedPolicy>(doc, POLICY_SCHEMA);
  } catch (e) {
    const message = (e as Error).message;
    if (!message.startsWith('strict decoding error:')) throw decodeError(`failed decoding: ${message}`);
    if (options.strict) throw decodeError(`failed decoding: ${message}`);
    warnings.push(`Audit policy contains errors, falling back to lenient decoding: ${message}`);
    decoded = decodeStrict<DecodedPolicy>(stripUnknown(doc, POLICY_SCHEMA), POLICY_SCHEMA);
  }

  const errs = validatePolicy(decoded);
  if (errs.length > 0) {
    throw new AuditPolicyValidationError(errs.map((e) => e.error), aggregateMessages(errs.map((e) => e.text)));
  }
  const rules = decoded.rules ?? [];
  if (rules.length === 0) throw new DoormanError('CONFIG_INVALID', 'loaded illegal policy with 0 rules');

  const policy: Policy = {
    rules: rules.map((r) => r as PolicyRule),
    ...(decoded.omitStages ? { omitStages: decoded.omitStages as Stage[] } : {}),
    ...(decoded.omitManagedFields !== undefined ? { omitManagedFields: decoded.omitManagedFields } : {}),
  };
  return { policy: deepFreeze(policy), warnings };
}

/**
 * Reads and parses a policy file, wrapping errors as `policy.LoadPolicyFromFile` does:
 * `failed to read file path "<p>": open <p>: ...` and `<error>: from file <p>`.
 */
export function loadAuditPolicy(path: string, options: ParsePolicyOptions = {}): LoadedPolicy {
  if (path === '') throw new DoormanError('CONFIG_READ', 'file path not specified');
  let text: string;
  try {
    text = readConfigFile(path);
  } catch (e) {
    throw new DoormanError('CONFIG_READ', `failed to read file path ${goQuote(path)}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return parseAuditPolicy(text, options);
  } catch (e) {
    if (e instanceof AuditPolicyValidationError) throw new AuditPolicyValidationError(e.errors, `${e.message}: from file ${path}`);
    const err = e as DoormanError;
    throw new DoormanError(err.code ?? 'CONFIG_DECODE', `${err.message}: from file ${path}`, { cause: e });
  }
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}

/**
 * `unionStages`: every stage in any of the lists, once, in first-seen order.
 *
 * @example
 * unionStages(['RequestReceived'], ['Panic', 'RequestReceived']) // ['RequestReceived', 'Panic']
 */
export function unionStages(...lists: ReadonlyArray<readonly Stage[] | undefined | null>): Stage[] {
  const out = new Set<Stage>();
  for (const l of lists) for (const s of l ?? []) out.add(s);
  return [...out];
}

interface CompiledRule {
  readonly users: ReadonlySet<string> | null;
  readonly userGroups: ReadonlySet<string> | null;
  readonly verbs: ReadonlySet<string> | null;
  readonly namespaces: ReadonlySet<string> | null;
  readonly resources: readonly GroupResources[];
  readonly nonResourceURLs: readonly string[];
  readonly config: RequestAuditConfig;
}

function setOrNull(list: readonly string[] | undefined): ReadonlySet<string> | null {
  return list && list.length > 0 ? new Set(list) : null;
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function resourceMatches(r: CompiledRule, a: PolicyAttributes): boolean {
  if (!a.isResourceRequest) return false;
  if (r.namespaces && !r.namespaces.has(a.namespace)) return false;
  if (r.resources.length === 0) return true;
  const combined = a.subresource !== '' ? `${a.resource}/${a.subresource}` : a.resource;
  for (const gr of r.resources) {
    if ((gr.group ?? '') !== a.apiGroup) continue;
    const resources = gr.resources ?? [];
    if (resources.length === 0) return true;
    const names = gr.resourceNames ?? [];
    if (names.length > 0 && !names.includes(a.name)) continue;
    for (const res of resources) {
      if (res === combined || res === '*') return true;
      if (a.subresource !== '' && res.startsWith('*/') && a.subresource === res.slice(2)) return true;
      if (res.endsWith('/*') && a.resource === res.slice(0, -2)) return true;
    }
  }
  return false;
}

function ruleMatches(r: CompiledRule, a: PolicyAttributes): boolean {
  if (r.users && (!a.user || !r.users.has(a.user.name))) return false;
  if (r.userGroups) {
    if (!a.user) return false;
    const groups = r.userGroups;
    if (!a.user.groups.some((g) => groups.has(g))) return false;
  }
  if (r.verbs && !r.verbs.has(a.verb)) return false;
  if (r.namespaces || r.resources.length > 0) return resourceMatches(r, a);
  if (r.nonResourceURLs.length > 0) {
    return !a.isResourceRequest && r.nonResourceURLs.some((spec) => pathMatches(a.path, spec));
  }
  return true;
}

/**
 * A policy compiled for evaluation: rule sets and per-rule results are built once, so
 * {@link PolicyEvaluator.evaluate} allocates nothing.
 *
 * @example
 * const evaluator = new PolicyEvaluator(policy);
 * const { level, omitStages } = evaluator.evaluate(attributes);
 */
export class PolicyEvaluator {
  private readonly rules: readonly CompiledRule[];
  private readonly fallback: RequestAuditConfig;

  constructor(readonly policy: Policy) {
    const policyManaged = policy.omitManagedFields ?? false;
    this.rules = policy.rules.map((rule) => ({
      users: setOrNull(rule.users),
      userGroups: setOrNull(rule.userGroups),
      verbs: setOrNull(rule.verbs),
      namespaces: setOrNull(rule.namespaces),
      resources: rule.resources ?? [],
      nonResourceURLs: rule.nonResourceURLs ?? [],
      config: Object.freeze({
        level: rule.level,
        omitStages: Object.freeze(unionStages(policy.omitStages, rule.omitStages)),
        omitManagedFields: rule.omitManagedFields ?? policyManaged,
      }),
    }));
    this.fallback = Object.freeze({
      level: 'None',
      omitStages: Object.freeze(unionStages(policy.omitStages)),
      omitManagedFields: policyManaged,
    });
  }

  /** The audit configuration for one request: the first matching rule's, else level None. */
  evaluate(attrs: PolicyAttributes): RequestAuditConfig {
    for (const rule of this.rules) if (ruleMatches(rule, attrs)) return rule.config;
    return this.fallback;
  }
}
