/**
 * AuthenticationConfiguration (`apiserver.config.k8s.io/v1alpha1|v1beta1|v1`): strict loading,
 * validation with kube-apiserver's field paths and words, and the start-up rule that decides the
 * anonymous settings from the file or from `--anonymous-auth`.
 */
import { DoormanError, FieldErrorList, type FieldError } from '../errors.js';
import { decodeStrict, parseDocuments, readConfigFile, typeMeta, type Schema } from './decode.js';

export const AUTHN_CONFIG_VERSIONS = [
  'apiserver.config.k8s.io/v1alpha1',
  'apiserver.config.k8s.io/v1beta1',
  'apiserver.config.k8s.io/v1',
] as const;

export interface AnonymousAuthConfig {
  readonly enabled: boolean;
  readonly conditions?: readonly { readonly path: string }[];
}

export interface JWTAuthenticatorConfig {
  readonly issuer: {
    readonly url?: string;
    readonly discoveryURL?: string;
    readonly certificateAuthority?: string;
    readonly audiences?: readonly string[];
    readonly audienceMatchPolicy?: string;
    readonly egressSelectorType?: string;
  };
  readonly claimValidationRules?: readonly Readonly<Record<string, string>>[];
  readonly claimMappings?: Readonly<Record<string, unknown>>;
  readonly userValidationRules?: readonly Readonly<Record<string, string>>[];
}

export interface AuthenticationConfiguration {
  readonly apiVersion: string;
  readonly kind: 'AuthenticationConfiguration';
  readonly jwt?: readonly JWTAuthenticatorConfig[];
  /** Absent means "not configured by the file": `--anonymous-auth` then applies. */
  readonly anonymous?: AnonymousAuthConfig;
}

const str: Schema = { type: 'string' };
const prefixed: Schema = { type: 'object', goType: 'PrefixedClaimOrExpression', fields: { claim: str, prefix: str, expression: str } };
const schema: Schema & { type: 'object' } = {
  type: 'object',
  goType: 'AuthenticationConfiguration',
  fields: {
    apiVersion: str,
    kind: str,
    jwt: {
      type: 'array',
      items: {
        type: 'object',
        goType: 'JWTAuthenticator',
        fields: {
          issuer: {
            type: 'object',
            goType: 'Issuer',
            fields: {
              url: str,
              discoveryURL: str,
              certificateAuthority: str,
              audiences: { type: 'array', items: str },
              audienceMatchPolicy: str,
              egressSelectorType: str,
            },
          },
          claimValidationRules: {
            type: 'array',
            items: { type: 'object', goType: 'ClaimValidationRule', fields: { claim: str, requiredValue: str, expression: str, message: str } },
          },
          claimMappings: {
            type: 'object',
            goType: 'ClaimMappings',
            fields: {
              username: prefixed,
              groups: prefixed,
              uid: { type: 'object', goType: 'ClaimOrExpression', fields: { claim: str, expression: str } },
              extra: { type: 'array', items: { type: 'object', goType: 'ExtraMapping', fields: { key: str, valueExpression: str } } },
            },
          },
          userValidationRules: {
            type: 'array',
            items: { type: 'object', goType: 'UserValidationRule', fields: { expression: str, message: str } },
          },
        },
      },
    },
    anonymous: {
      type: 'object',
      goType: 'AnonymousAuthConfig',
      fields: {
        enabled: { type: 'bool' },
        conditions: { type: 'array', items: { type: 'object', goType: 'AnonymousAuthCondition', fields: { path: str } } },
      },
    },
  },
};

/** Decodes file content; errors are worded as kube-apiserver's loader words them. */
export function parseAuthenticationConfiguration(data: string): AuthenticationConfiguration {
  if (data.trim() === '') throw new DoormanError('CONFIG_DECODE', 'empty config data');
  const docs = parseDocuments(data);
  const doc = docs[0];
  if (docs.length !== 1 || doc === undefined) throw new DoormanError('CONFIG_DECODE', docs.length === 0 ? 'empty config data' : 'expected a single AuthenticationConfiguration document');
  const { apiVersion, kind } = typeMeta(doc);
  if (kind === '') throw new DoormanError('CONFIG_DECODE', `Object 'Kind' is missing in '${data.trim()}'`);
  if (!(AUTHN_CONFIG_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw new DoormanError('CONFIG_DECODE', `no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/runtime/scheme.go:100"`);
  }
  if (kind !== 'AuthenticationConfiguration') {
    const known = ['AuthorizationConfiguration', 'EgressSelectorConfiguration', 'TracingConfiguration', 'AdmissionConfiguration', 'EncryptionConfiguration'];
    if (known.includes(kind)) throw new DoormanError('CONFIG_DECODE', `expected AuthenticationConfiguration, got *apiserver.${kind}`);
    throw new DoormanError('CONFIG_DECODE', `no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/runtime/scheme.go:100"`);
  }
  return decodeStrict<AuthenticationConfiguration>(doc, schema);
}

/** Reads and decodes `--authentication-config`, wrapping errors as kube-apiserver does at start-up. */
export function loadAuthenticationConfiguration(path: string): { config: AuthenticationConfiguration; data: string } {
  try {
    const data = readConfigFile(path);
    return { config: parseAuthenticationConfiguration(data), data };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new DoormanError('CONFIG_DECODE', `failed to load authentication configuration from file ${JSON.stringify(path)}: ${msg}`, { cause: e });
  }
}

const MAX_JWT = 64;

function validateURL(value: string, field: string, errs: FieldError[]): void {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    errs.push({ field, type: 'Invalid value', value, detail: `parse ${JSON.stringify(value)}: invalid URI for request` });
    return;
  }
  if (u.protocol !== 'https:') errs.push({ field, type: 'Invalid value', value, detail: 'URL scheme must be https' });
  if (u.username !== '' || u.password !== '') errs.push({ field, type: 'Invalid value', value, detail: 'URL must not contain a username or password' });
  if (value.includes('?')) errs.push({ field, type: 'Invalid value', value, detail: 'URL must not contain a query' });
  if (value.includes('#')) errs.push({ field, type: 'Invalid value', value, detail: 'URL must not contain a fragment' });
}

function validateJWT(j: JWTAuthenticatorConfig, p: string, errs: FieldError[]): void {
  const url = j.issuer?.url ?? '';
  if (url === '') errs.push({ field: `${p}.issuer.url`, type: 'Required value' });
  else validateURL(url, `${p}.issuer.url`, errs);
  const disc = j.issuer?.discoveryURL;
  if (disc !== undefined && disc !== '') {
    validateURL(disc, `${p}.issuer.discoveryURL`, errs);
    if (url !== '' && disc.replace(/\/+$/, '') === url.replace(/\/+$/, '')) {
      errs.push({ field: `${p}.issuer.discoveryURL`, type: 'Invalid value', value: disc, detail: 'discoveryURL must be different from URL' });
    }
  }
  const auds = j.issuer?.audiences ?? [];
  if (auds.length === 0) errs.push({ field: `${p}.issuer.audiences`, type: 'Required value', detail: `at least one ${p}.issuer.audiences is required` });
  const seen = new Set<string>();
  auds.forEach((a, k) => {
    if (a === '') errs.push({ field: `${p}.issuer.audiences[${k}]`, type: 'Required value' });
    else if (seen.has(a)) errs.push({ field: `${p}.issuer.audiences[${k}]`, type: 'Duplicate value', value: a });
    seen.add(a);
  });
  const policy = j.issuer?.audienceMatchPolicy ?? '';
  if (auds.length > 1 && policy !== 'MatchAny') {
    errs.push({ field: `${p}.issuer.audienceMatchPolicy`, type: 'Invalid value', value: policy, detail: 'audienceMatchPolicy must be MatchAny for multiple audiences' });
  }
  if (auds.length === 1 && policy !== '' && policy !== 'MatchAny') {
    errs.push({ field: `${p}.issuer.audienceMatchPolicy`, type: 'Invalid value', value: policy, detail: 'audienceMatchPolicy must be empty or MatchAny for single audience' });
  }
  const egress = j.issuer?.egressSelectorType;
  if (egress !== undefined && egress !== '' && egress !== 'controlplane' && egress !== 'cluster') {
    errs.push({ field: `${p}.issuer.egressSelectorType`, type: 'Invalid value', value: egress, detail: 'egress selector must be either controlplane or cluster' });
  }
  const username = (j.claimMappings?.['username'] ?? {}) as Record<string, string | undefined>;
  const uclaim = username['claim'] ?? '';
  const uexpr = username['expression'] ?? '';
  if (uclaim !== '' && uexpr !== '') errs.push({ field: `${p}.claimMappings.username`, type: 'Invalid value', value: '', detail: "claim and expression can't both be set" });
  else if (uclaim === '' && uexpr === '') errs.push({ field: `${p}.claimMappings.username`, type: 'Required value', detail: 'claim or expression is required' });
  else if (uclaim !== '' && username['prefix'] === undefined) {
    errs.push({ field: `${p}.claimMappings.username.prefix`, type: 'Required value', detail: 'prefix is required when claim is set. It can be set to an empty string to disable prefixing' });
  } else if (uexpr !== '' && username['prefix'] !== undefined) {
    errs.push({ field: `${p}.claimMappings.username.prefix`, type: 'Invalid value', value: username['prefix'], detail: 'may not be specified when expression is set' });
  }
}

/**
 * Validates a decoded configuration. Returns kube-apiserver's field errors (empty when valid).
 * JWT checks cover the structural rules; CEL expressions are checked when JWT support lands.
 */
export function validateAuthenticationConfiguration(c: AuthenticationConfiguration): FieldError[] {
  const errs: FieldError[] = [];
  const jwt = c.jwt ?? [];
  if (jwt.length > MAX_JWT) {
    errs.push({ field: 'jwt', type: 'Too many', value: jwt.length, detail: `must have at most ${MAX_JWT} items` });
  } else {
    const urls = new Set<string>();
    const discoveries = new Set<string>();
    jwt.forEach((j, i) => {
      const p = `jwt[${i}]`;
      validateJWT(j, p, errs);
      const url = j.issuer?.url ?? '';
      if (url !== '') {
        if (urls.has(url)) errs.push({ field: `${p}.issuer.url`, type: 'Duplicate value', value: url });
        urls.add(url);
      }
      const disc = j.issuer?.discoveryURL ?? '';
      if (disc !== '') {
        if (discoveries.has(disc)) errs.push({ field: `${p}.issuer.discoveryURL`, type: 'Duplicate value', value: disc });
        discoveries.add(disc);
      }
    });
  }
  const anon = c.anonymous;
  if (anon && !anon.enabled && (anon.conditions?.length ?? 0) > 0) {
    // The value is rendered from the internal type, which has no JSON tags: `Path`, capitalised.
    errs.push({
      field: 'anonymous.conditions',
      type: 'Invalid value',
      value: (anon.conditions ?? []).map((x) => ({ Path: x.path })),
      detail: 'enabled should be set to true when conditions are defined',
    });
  }
  return errs;
}

/** The effective anonymous setting after kube-apiserver's start-up rules. */
export interface EffectiveAnonymous {
  readonly enabled: boolean;
  /** Condition paths; empty means every path. */
  readonly paths: readonly string[];
  readonly source: 'file' | 'flag';
}

/**
 * Decides the anonymous settings as kube-apiserver's ToAuthenticationConfig does: a file
 * `anonymous` section together with `--anonymous-auth` on the command line (any value) is
 * refused; the file wins when present; else the flag.
 */
export function resolveAnonymous(file: AuthenticationConfiguration | undefined, flag: { set: boolean; value: boolean }): EffectiveAnonymous {
  if (file?.anonymous && flag.set) {
    throw new FieldErrorList([
      { field: 'anonymous', type: 'Forbidden', detail: '--anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file' },
    ]);
  }
  if (file?.anonymous) {
    return { enabled: file.anonymous.enabled, paths: (file.anonymous.conditions ?? []).map((c) => c.path), source: 'file' };
  }
  return { enabled: flag.value, paths: [], source: 'flag' };
}
