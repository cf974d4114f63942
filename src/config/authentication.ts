/**
 * AuthenticationConfiguration (`apiserver.config.k8s.io/v1alpha1|v1beta1|v1`): strict loading,
 * validation with kube-apiserver's field paths and words (every `jwt` rule, CEL expressions
 * compiled here so that a bad one is a field error at start-up), the start-up rule that decides
 * the anonymous settings from the file or from `--anonymous-auth`, and the mapping of the
 * `--oidc-*` flags onto one JWT authenticator exactly as kube-apiserver maps them.
 */
import { X509Certificate } from 'node:crypto';
import { DoormanError, FieldErrorList, type FieldError } from '../errors.js';
import { DEFAULT_CEL_RELEASE, compileExpression, type CompiledExpression, type CelCompileError } from '../cel/index.js';
import { dns1123SubdomainErrors } from '../authz/rbac/validate.js';
import { parseGoURL } from '../util/gourl.js';
import { decodeStrict, parseGoYamlDocuments, readConfigFile, typeMeta, type Schema } from './decode.js';

export const AUTHN_CONFIG_VERSIONS = [
  'apiserver.config.k8s.io/v1alpha1',
  'apiserver.config.k8s.io/v1beta1',
  'apiserver.config.k8s.io/v1',
] as const;

export interface AnonymousAuthConfig {
  readonly enabled: boolean;
  readonly conditions?: readonly { readonly path: string }[];
}

export interface IssuerConfig {
  readonly url?: string;
  readonly discoveryURL?: string;
  /** PEM text (not a path) of the CAs that sign the issuer's serving certificate. */
  readonly certificateAuthority?: string;
  readonly audiences?: readonly string[];
  readonly audienceMatchPolicy?: string;
  readonly egressSelectorType?: string;
}

export interface ClaimValidationRule {
  readonly claim?: string;
  readonly requiredValue?: string;
  readonly expression?: string;
  readonly message?: string;
}

/** `prefix` absent and `prefix: ""` differ: the first is refused with a claim, the second disables prefixing. */
export interface PrefixedClaimOrExpression {
  readonly claim?: string;
  readonly prefix?: string;
  readonly expression?: string;
}

export interface ClaimOrExpression {
  readonly claim?: string;
  readonly expression?: string;
}

export interface ExtraMapping {
  readonly key?: string;
  readonly valueExpression?: string;
}

export interface UserValidationRule {
  readonly expression?: string;
  readonly message?: string;
}

export interface ClaimMappings {
  readonly username?: PrefixedClaimOrExpression;
  readonly groups?: PrefixedClaimOrExpression;
  readonly uid?: ClaimOrExpression;
  readonly extra?: readonly ExtraMapping[];
}

export interface JWTAuthenticatorConfig {
  readonly issuer: IssuerConfig;
  readonly claimValidationRules?: readonly ClaimValidationRule[];
  readonly claimMappings?: ClaimMappings;
  readonly userValidationRules?: readonly UserValidationRule[];
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
              audienceMatchPolicy: { type: 'string', goType: 'AudienceMatchPolicyType' },
              egressSelectorType: { type: 'string', goType: 'EgressSelectorType' },
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
  const { docs, strictErrors } = parseGoYamlDocuments(data);
  const doc = docs[0];
  if (docs.length !== 1 || doc === undefined) throw new DoormanError('CONFIG_DECODE', docs.length === 0 ? 'empty config data' : 'expected a single AuthenticationConfiguration document');
  const { apiVersion, kind } = typeMeta(doc);
  // The serializer quotes the file as it was read.
  if (kind === '') throw new DoormanError('CONFIG_DECODE', `Object 'Kind' is missing in '${data}'`);
  if (apiVersion === '') throw new DoormanError('CONFIG_DECODE', `Object 'apiVersion' is missing in '${data}'`);
  if (!(AUTHN_CONFIG_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw new DoormanError('CONFIG_DECODE', `no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/runtime/scheme.go:100"`);
  }
  if (kind !== 'AuthenticationConfiguration') {
    const known = ['AuthorizationConfiguration', 'EgressSelectorConfiguration', 'TracingConfiguration', 'AdmissionConfiguration', 'EncryptionConfiguration'];
    if (known.includes(kind)) throw new DoormanError('CONFIG_DECODE', `expected AuthenticationConfiguration, got *apiserver.${kind}`);
    throw new DoormanError('CONFIG_DECODE', `no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/runtime/scheme.go:100"`);
  }
  // Type errors name the versioned Go types (`v1beta1.Issuer`), as encoding/json does.
  const goPackage = apiVersion.slice(apiVersion.indexOf('/') + 1);
  return decodeStrict<AuthenticationConfiguration>(doc, schema, { goPackage, strictErrors: strictErrors[0] ?? [] });
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

function validateURL(value: string, field: string, disallowed: readonly string[], errs: FieldError[]): void {
  if (disallowed.includes(value)) {
    const list = [...new Set(disallowed)].sort();
    errs.push({ field, type: 'Invalid value', value, detail: `URL must not overlap with disallowed issuers: [${list.join(' ')}]` });
  }
  const u = parseGoURL(value);
  if ('error' in u) {
    errs.push({ field, type: 'Invalid value', value, detail: u.error });
    return;
  }
  if (u.scheme !== 'https') errs.push({ field, type: 'Invalid value', value, detail: 'URL scheme must be https' });
  if (u.user !== null) errs.push({ field, type: 'Invalid value', value, detail: 'URL must not contain a username or password' });
  if (u.rawQuery !== '') errs.push({ field, type: 'Invalid value', value, detail: 'URL must not contain a query' });
  if (u.fragment !== '') errs.push({ field, type: 'Invalid value', value, detail: 'URL must not contain a fragment' });
}

interface PemBlock {
  readonly type: string;
  readonly hasHeaders: boolean;
  readonly bytes: Buffer;
}

/** One line without its line break and trailing blanks, and what follows it (Go pem's getLine). */
function pemLine(s: string): [string, string] {
  const nl = s.indexOf('\n');
  return nl < 0 ? [s.replace(/[ \t\r]+$/, ''), ''] : [s.slice(0, nl).replace(/[ \t\r]+$/, ''), s.slice(nl + 1)];
}

const PEM_BEGIN = '-----BEGIN ';
const PEM_END = '\n-----END ';
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The blocks Go's encoding/pem.Decode yields from a bundle, in order. Like Go, text around the
 * blocks is ignored and a malformed block (bad END line, bad base64) is skipped.
 */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  let rest = text;
  for (;;) {
    if (rest.startsWith(PEM_BEGIN)) rest = rest.slice(PEM_BEGIN.length);
    else if (rest.includes(`\n${PEM_BEGIN}`)) rest = rest.slice(rest.indexOf(`\n${PEM_BEGIN}`) + PEM_BEGIN.length + 1);
    else return out;
    const [typeLine, afterType] = pemLine(rest);
    rest = afterType;
    if (!typeLine.endsWith('-----')) continue;
    const type = typeLine.slice(0, -5);
    let hasHeaders = false;
    for (;;) {
      // A block that ends inside its headers ends the whole bundle.
      if (rest === '') return out;
      const [l, next] = pemLine(rest);
      if (!l.includes(':')) break;
      hasHeaders = true;
      rest = next;
    }
    // With no headers the END line may follow at once, without a line break before it.
    const immediate = !hasHeaders && rest.startsWith(PEM_END.slice(1));
    const end = immediate ? 0 : rest.indexOf(PEM_END);
    if (end < 0) continue;
    const trailerAt = immediate ? PEM_END.length - 1 : end + PEM_END.length;
    if (rest.slice(trailerAt, trailerAt + type.length + 5) !== `${type}-----`) continue;
    if (pemLine(rest.slice(trailerAt + type.length + 5))[0] !== '') continue;
    const b64 = rest.slice(0, end).replace(/[ \t\r\n]/g, '');
    if (!STRICT_BASE64.test(b64)) continue;
    out.push({ type, hasHeaders, bytes: Buffer.from(b64, 'base64') });
    rest = pemLine(rest.slice(immediate ? 0 : end + 1))[1];
  }
}

/** Where the DER element at `at` with tag `tag` starts its content and how long that is; undefined when malformed. */
function derElement(der: Buffer, at: number, tag: number): { content: number; length: number } | undefined {
  if (der[at] !== tag) return undefined;
  const first = der[at + 1];
  if (first === undefined) return undefined;
  if (first < 0x80) return at + 2 + first <= der.length ? { content: at + 2, length: first } : undefined;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || at + 2 + n > der.length) return undefined;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + (der[at + 2 + i] ?? 0);
  // DER allows only the shortest length encoding.
  if (length < 0x80 || der[at + 2] === 0) return undefined;
  return at + 2 + n + length <= der.length ? { content: at + 2 + n, length } : undefined;
}

/**
 * Go's x509.ParseCertificate error for one DER certificate, or undefined when it parses. The
 * envelope checks are Go's; the inside of the certificate is left to OpenSSL.
 */
function certificateError(der: Buffer): string | undefined {
  const outer = derElement(der, 0, 0x30);
  if (!outer) return 'x509: malformed certificate';
  if (!derElement(der, outer.content, 0x30)) return 'x509: malformed tbs certificate';
  try {
    new X509Certificate(der.subarray(0, outer.content + outer.length));
  } catch {
    return 'x509: malformed certificate';
  }
  return outer.content + outer.length === der.length ? undefined : 'x509: trailing data';
}

/**
 * client-go's cert.NewPoolFromBytes: every CERTIFICATE block without headers must parse, and at
 * least one is required. Returns the error text, or undefined when the bundle is usable.
 */
export function caBundleError(pem: string): string | undefined {
  let found = false;
  for (const block of pemBlocks(pem)) {
    if (block.type !== 'CERTIFICATE' || block.hasHeaders) continue;
    const why = certificateError(block.bytes);
    if (why !== undefined) return why;
    found = true;
  }
  return found ? undefined : 'data does not contain any valid RSA or ECDSA certificates';
}

function validateIssuer(issuer: IssuerConfig | undefined, p: string, disallowed: readonly string[], errs: FieldError[]): void {
  const url = issuer?.url ?? '';
  if (url === '') errs.push({ field: `${p}.url`, type: 'Required value' });
  else validateURL(url, `${p}.url`, disallowed, errs);
  const disc = issuer?.discoveryURL ?? '';
  if (disc !== '') {
    if (url !== '' && disc.replace(/\/+$/, '') === url.replace(/\/+$/, '')) {
      errs.push({ field: `${p}.discoveryURL`, type: 'Invalid value', value: disc, detail: 'discoveryURL must be different from URL' });
    }
    // The discovery URL is not an issuer: disallowed issuers do not apply to it.
    validateURL(disc, `${p}.discoveryURL`, [], errs);
  }
  const auds = issuer?.audiences ?? [];
  const policy = issuer?.audienceMatchPolicy ?? '';
  if (auds.length === 0) {
    errs.push({ field: `${p}.audiences`, type: 'Required value', detail: `at least one ${p}.audiences is required` });
  } else {
    const seen = new Set<string>();
    auds.forEach((a, k) => {
      if (a === '') errs.push({ field: `${p}.audiences[${k}]`, type: 'Required value' });
      if (seen.has(a)) errs.push({ field: `${p}.audiences[${k}]`, type: 'Duplicate value', value: a });
      seen.add(a);
    });
    if (auds.length > 1 && policy !== 'MatchAny') {
      errs.push({ field: `${p}.audienceMatchPolicy`, type: 'Invalid value', value: policy, detail: 'audienceMatchPolicy must be MatchAny for multiple audiences' });
    }
    if (auds.length === 1 && policy !== '' && policy !== 'MatchAny') {
      errs.push({ field: `${p}.audienceMatchPolicy`, type: 'Invalid value', value: policy, detail: 'audienceMatchPolicy must be empty or MatchAny for single audience' });
    }
  }
  const ca = issuer?.certificateAuthority ?? '';
  if (ca !== '') {
    const why = caBundleError(ca);
    if (why) errs.push({ field: `${p}.certificateAuthority`, type: 'Invalid value', value: '<omitted>', detail: why });
  }
  const egress = issuer?.egressSelectorType ?? '';
  if (egress !== '' && egress !== 'controlplane' && egress !== 'cluster') {
    errs.push({ field: `${p}.egressSelectorType`, type: 'Invalid value', value: egress, detail: 'egress selector must be either controlplane or cluster' });
  }
}

/** A CEL compile failure as the field error kube's convertCELErrorToValidationError makes of it. */
function celFieldError(field: string, expression: string, e: CelCompileError): FieldError {
  return e.type === 'Required' ? { field, type: 'Required value', detail: e.detail } : { field, type: 'Invalid value', value: expression, detail: e.detail };
}

/** One `jwt[]` entry with its CEL compiled, ready for an authenticator. */
export interface CompiledJWTAuthenticator {
  readonly config: JWTAuthenticatorConfig;
  readonly username?: CompiledExpression;
  readonly groups?: CompiledExpression;
  readonly uid?: CompiledExpression;
  readonly extra: readonly { readonly key: string; readonly program: CompiledExpression }[];
  readonly claimValidation: readonly { readonly program: CompiledExpression; readonly message: string }[];
  readonly userValidation: readonly { readonly program: CompiledExpression; readonly message: string }[];
}

interface CompileState {
  /** The kube-apiserver minor release whose CEL environment compiles the expressions. */
  readonly release: number;
  username?: CompiledExpression;
  groups?: CompiledExpression;
  uid?: CompiledExpression;
  extra: { key: string; program: CompiledExpression }[];
  claimValidation: { program: CompiledExpression; message: string }[];
  userValidation: { program: CompiledExpression; message: string }[];
}

function compileInto(st: CompileState, errs: FieldError[], field: string, expression: string, variable: 'claims' | 'user', returns: 'bool' | 'any'): CompiledExpression | undefined {
  const r = compileExpression(expression, variable, returns, st.release);
  if (r.ok) return r.program;
  errs.push(celFieldError(field, expression, r.error));
  return undefined;
}

function validateClaimValidationRules(rules: readonly ClaimValidationRule[], p: string, st: CompileState, errs: FieldError[]): void {
  const claims = new Set<string>();
  const expressions = new Set<string>();
  rules.forEach((rule, i) => {
    const f = `${p}[${i}]`;
    const claim = rule.claim ?? '';
    const expr = rule.expression ?? '';
    if (claim !== '' && expr !== '') {
      errs.push({ field: f, type: 'Invalid value', value: claim, detail: "claim and expression can't both be set" });
    } else if (claim === '' && expr === '') {
      errs.push({ field: f, type: 'Required value', detail: 'claim or expression is required' });
    } else if (claim !== '') {
      if ((rule.message ?? '') !== '') errs.push({ field: `${f}.message`, type: 'Invalid value', value: rule.message, detail: 'may not be specified when claim is set' });
      if (claims.has(claim)) errs.push({ field: `${f}.claim`, type: 'Duplicate value', value: claim });
      claims.add(claim);
    } else {
      if ((rule.requiredValue ?? '') !== '') {
        errs.push({ field: `${f}.requiredValue`, type: 'Invalid value', value: rule.requiredValue, detail: 'may not be specified when expression is set' });
      }
      if (expressions.has(expr)) {
        errs.push({ field: `${f}.expression`, type: 'Duplicate value', value: expr });
        return;
      }
      expressions.add(expr);
      const program = compileInto(st, errs, `${f}.expression`, expr, 'claims', 'bool');
      if (program) st.claimValidation.push({ program, message: rule.message ?? '' });
    }
  });
}

/** kube's validatePrefixClaimOrExpression: returns the compiled expression, or undefined. */
function validatePrefixed(m: PrefixedClaimOrExpression | undefined, f: string, required: boolean, st: CompileState, errs: FieldError[]): { program?: CompiledExpression; failed: boolean } {
  const claim = m?.claim ?? '';
  const expr = m?.expression ?? '';
  const before = errs.length;
  let program: CompiledExpression | undefined;
  if (expr !== '' && claim !== '') {
    errs.push({ field: f, type: 'Invalid value', value: '', detail: "claim and expression can't both be set" });
  } else if (expr === '' && claim === '') {
    if (required) errs.push({ field: f, type: 'Required value', detail: 'claim or expression is required' });
  } else if (expr !== '') {
    if (m?.prefix !== undefined) errs.push({ field: `${f}.prefix`, type: 'Invalid value', value: m.prefix, detail: 'may not be specified when expression is set' });
    program = compileInto(st, errs, `${f}.expression`, expr, 'claims', 'any');
  } else if (m?.prefix === undefined) {
    errs.push({ field: `${f}.prefix`, type: 'Required value', detail: 'prefix is required when claim is set. It can be set to an empty string to disable prefixing' });
  }
  return { ...(program ? { program } : {}), failed: errs.length > before };
}

/** apimachinery's IsDomainPrefixedPath. */
function domainPrefixedPathErrors(field: string, key: string): FieldError[] {
  if (key === '') return [{ field, type: 'Required value' }];
  const slash = key.indexOf('/');
  const host = slash >= 0 ? key.slice(0, slash) : key;
  const path = slash >= 0 ? key.slice(slash + 1) : '';
  if (slash < 0 || host === '' || path === '') return [{ field, type: 'Invalid value', value: key, detail: 'must be a domain-prefixed path (such as "acme.io/foo")' }];
  const errs: FieldError[] = dns1123SubdomainErrors(host).map((detail) => ({ field, type: 'Invalid value', value: host, detail }));
  if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(path)) {
    errs.push({ field, type: 'Invalid value', value: path, detail: "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')" });
  }
  return errs;
}

function isKubernetesDomain(key: string): boolean {
  const slash = key.indexOf('/');
  const domain = slash >= 0 ? key.slice(0, slash) : '';
  return domain === 'kubernetes.io' || domain.endsWith('.kubernetes.io') || domain === 'k8s.io' || domain.endsWith('.k8s.io');
}

function validateClaimMappings(m: ClaimMappings | undefined, p: string, st: CompileState, errs: FieldError[]): { usesEmail: boolean; usesEmailVerified: boolean } {
  let usesEmail = false;
  let usesEmailVerified = false;
  const username = validatePrefixed(m?.username, `${p}.username`, true, st, errs);
  if (!username.failed && username.program) {
    st.username = username.program;
    usesEmail = username.program.selects('claims', 'email');
    usesEmailVerified = username.program.selects('claims', 'email_verified');
  }
  const groups = validatePrefixed(m?.groups, `${p}.groups`, false, st, errs);
  if (!groups.failed && groups.program) st.groups = groups.program;

  const uidClaim = m?.uid?.claim ?? '';
  const uidExpr = m?.uid?.expression ?? '';
  if (uidClaim !== '' && uidExpr !== '') {
    errs.push({ field: `${p}.uid`, type: 'Invalid value', value: '', detail: "claim and expression can't both be set" });
  } else if (uidExpr !== '') {
    const program = compileInto(st, errs, `${p}.uid.expression`, uidExpr, 'claims', 'any');
    if (program) st.uid = program;
  }

  const keys = new Set<string>();
  (m?.extra ?? []).forEach((mapping, i) => {
    const f = `${p}.extra[${i}]`;
    const key = mapping.key ?? '';
    errs.push(...domainPrefixedPathErrors(`${f}.key`, key));
    if (key !== key.toLowerCase()) errs.push({ field: `${f}.key`, type: 'Invalid value', value: key, detail: 'must be lowercase' });
    if (isKubernetesDomain(key)) {
      errs.push({ field: `${f}.key`, type: 'Invalid value', value: key, detail: 'k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use' });
    }
    if (keys.has(key)) {
      errs.push({ field: `${f}.key`, type: 'Duplicate value', value: key });
      return;
    }
    keys.add(key);
    const expr = mapping.valueExpression ?? '';
    if (expr === '') {
      errs.push({ field: `${f}.valueExpression`, type: 'Required value' });
      return;
    }
    const program = compileInto(st, errs, `${f}.valueExpression`, expr, 'claims', 'any');
    if (program) st.extra.push({ key, program });
  });
  if (st.extra.some((x) => x.program.selects('claims', 'email_verified'))) usesEmailVerified = true;
  return { usesEmail, usesEmailVerified };
}

function validateUserValidationRules(rules: readonly UserValidationRule[], p: string, st: CompileState, errs: FieldError[]): void {
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    const f = `${p}[${i}].expression`;
    const expr = rule.expression ?? '';
    if (expr === '') {
      errs.push({ field: f, type: 'Required value' });
      return;
    }
    if (seen.has(expr)) {
      errs.push({ field: f, type: 'Duplicate value', value: expr });
      return;
    }
    seen.add(expr);
    const program = compileInto(st, errs, f, expr, 'user', 'bool');
    if (program) st.userValidation.push({ program, message: rule.message ?? '' });
  });
}

/** Options of validation that come from flags rather than the file. */
export interface AuthenticationValidationOptions {
  /** `--service-account-issuer` values: no JWT issuer may use them. */
  readonly disallowedIssuers?: readonly string[];
  /** Compile CEL as this kube-apiserver minor release does (`doorman validate --kubernetes-version`); default 1.35. */
  readonly celRelease?: number;
}

/**
 * kube's validateJWTAuthenticator for one entry at path `p` (e.g. `jwt[0]`): field errors, and
 * the compiled CEL when the entry is valid.
 */
export function compileJWTAuthenticator(
  j: JWTAuthenticatorConfig,
  p: string,
  o: AuthenticationValidationOptions = {},
): { readonly errors: readonly FieldError[]; readonly compiled: CompiledJWTAuthenticator } {
  const errs: FieldError[] = [];
  const st: CompileState = { release: o.celRelease ?? DEFAULT_CEL_RELEASE, extra: [], claimValidation: [], userValidation: [] };
  const prefix = p === '' ? '' : `${p}.`;
  validateIssuer(j.issuer, `${prefix}issuer`, o.disallowedIssuers ?? [], errs);
  validateClaimValidationRules(j.claimValidationRules ?? [], `${prefix}claimValidationRules`, st, errs);
  const email = validateClaimMappings(j.claimMappings, `${prefix}claimMappings`, st, errs);
  if (email.usesEmail && !email.usesEmailVerified && !st.claimValidation.some((r) => r.program.selects('claims', 'email_verified'))) {
    errs.push({
      field: `${prefix}claimMappings.username.expression`,
      type: 'Invalid value',
      value: j.claimMappings?.username?.expression ?? '',
      detail:
        'claims.email_verified must be used in claimMappings.username.expression or claimMappings.extra[*].valueExpression or claimValidationRules[*].expression when claims.email is used in claimMappings.username.expression',
    });
  }
  validateUserValidationRules(j.userValidationRules ?? [], `${prefix}userValidationRules`, st, errs);
  return { errors: errs, compiled: { config: j, ...st } };
}

/**
 * Validates a decoded configuration and compiles its CEL: kube-apiserver's field errors (empty
 * when valid) and, per `jwt[]` entry, the compiled authenticator.
 */
export function validateAndCompileAuthenticationConfiguration(
  c: Pick<AuthenticationConfiguration, 'jwt' | 'anonymous'>,
  o: AuthenticationValidationOptions = {},
): { readonly errors: readonly FieldError[]; readonly jwt: readonly CompiledJWTAuthenticator[] } {
  const errs: FieldError[] = [];
  const jwt = c.jwt ?? [];
  const compiled: CompiledJWTAuthenticator[] = [];
  if (jwt.length > MAX_JWT) {
    errs.push({ field: 'jwt', type: 'Too many', value: jwt.length, detail: `must have at most ${MAX_JWT} items` });
    return { errors: errs, jwt: [] };
  }
  const urls = new Set<string>();
  const discoveries = new Set<string>();
  jwt.forEach((j, i) => {
    const p = `jwt[${i}]`;
    const r = compileJWTAuthenticator(j, p, o);
    errs.push(...r.errors);
    compiled.push(r.compiled);
    const url = j.issuer?.url ?? '';
    if (urls.has(url)) errs.push({ field: `${p}.issuer.url`, type: 'Duplicate value', value: url });
    urls.add(url);
    const disc = j.issuer?.discoveryURL ?? '';
    if (disc !== '') {
      if (discoveries.has(disc)) errs.push({ field: `${p}.issuer.discoveryURL`, type: 'Duplicate value', value: disc });
      discoveries.add(disc);
    }
  });
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
  return { errors: errs, jwt: errs.length > 0 ? [] : compiled };
}

/**
 * Validates a decoded configuration. Returns kube-apiserver's field errors (empty when valid),
 * including every CEL expression's compilation.
 */
export function validateAuthenticationConfiguration(c: AuthenticationConfiguration, o: AuthenticationValidationOptions = {}): FieldError[] {
  return [...validateAndCompileAuthenticationConfiguration(c, o).errors];
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

/** The JOSE algorithms a JWT authenticator may accept; HMAC and `none` never. */
export const ALL_SIGNING_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512'];

/** The `--oidc-*` flags, with kube-apiserver's defaults. */
export interface OIDCFlags {
  /** True when any `--oidc-*` flag was on the command line. */
  readonly set: boolean;
  readonly issuerURL: string;
  readonly clientID: string;
  readonly caFile: string;
  /** Default `sub`. */
  readonly usernameClaim: string;
  readonly usernamePrefix: string;
  readonly groupsClaim: string;
  readonly groupsPrefix: string;
  /** Default `["RS256"]`. */
  readonly signingAlgs: readonly string[];
  /** `--oidc-required-claim key=value`, in command-line order (a repeated key keeps the last value). */
  readonly requiredClaims: readonly (readonly [string, string])[];
}

/** The flags' defaults when none is given. */
export const DEFAULT_OIDC_FLAGS: OIDCFlags = {
  set: false,
  issuerURL: '',
  clientID: '',
  caFile: '',
  usernameClaim: 'sub',
  usernamePrefix: '',
  groupsClaim: '',
  groupsPrefix: '',
  signingAlgs: ['RS256'],
  requiredClaims: [],
};

/** kube-apiserver's validateOIDCOptions, in its words (empty when valid). */
export function validateOIDCFlags(oidc: OIDCFlags | undefined, authenticationConfigFile: boolean): string[] {
  if (!oidc?.set) return [];
  if (authenticationConfigFile) return ['authentication-config file and oidc-* flags are mutually exclusive'];
  if (oidc.issuerURL === '' || oidc.clientID === '') return ['oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set'];
  return [];
}

/**
 * Maps the `--oidc-*` flags onto one JWTAuthenticator as kube-apiserver's ToAuthenticationConfig
 * does (`--oidc-ca-file` is read now and inlined); undefined unless both the issuer URL and the
 * client ID are set.
 */
export function jwtFromOIDCFlags(oidc: OIDCFlags): JWTAuthenticatorConfig | undefined {
  if (oidc.issuerURL === '' || oidc.clientID === '') return undefined;
  let usernamePrefix = oidc.usernamePrefix;
  // Legacy flag behaviour: claims other than email are prefixed with the issuer; `-` disables it.
  if (oidc.usernamePrefix === '' && oidc.usernameClaim !== 'email') usernamePrefix = `${oidc.issuerURL}#`;
  if (oidc.usernamePrefix === '-') usernamePrefix = '';
  const required = new Map<string, string>(oidc.requiredClaims.map(([k, v]) => [k, v]));
  return {
    issuer: {
      url: oidc.issuerURL,
      audiences: [oidc.clientID],
      ...(oidc.caFile !== '' ? { certificateAuthority: readConfigFile(oidc.caFile) } : {}),
    },
    claimMappings: {
      username: { claim: oidc.usernameClaim, prefix: usernamePrefix },
      ...(oidc.groupsClaim !== '' ? { groups: { claim: oidc.groupsClaim, prefix: oidc.groupsPrefix } } : {}),
    },
    ...(required.size > 0 ? { claimValidationRules: [...required].map(([claim, requiredValue]) => ({ claim, requiredValue })) } : {}),
  };
}
