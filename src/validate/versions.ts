/**
 * What each kube-apiserver release from 1.29 to 1.36 accepts around authentication, for
 * `doorman validate --kubernetes-version`: the AuthenticationConfiguration apiVersions and fields
 * it knows, its feature gates with their defaults, and the places where its messages are worded
 * differently from 1.35 (which doorman follows). Sources are named beside each table; the prose
 * summary is in ../shared/spec/authn-health.md sections 1 and 8.
 */
import type { FieldError } from '../errors.js';
import { KUBERNETES_TARGET } from '../version.js';

/** The releases `--kubernetes-version` accepts (minor versions of 1.x). */
export const FIRST_MINOR = 29;
export const LAST_MINOR = 36;
/** The release doorman follows (kube-apiserver 1.35). */
export const DEFAULT_MINOR = Number(KUBERNETES_TARGET.minor);

/**
 * `1.33`, `v1.33`, `1.33.2` or `v1.33.2-eks-1` → 33; undefined for anything else or a release
 * outside 1.29…1.36.
 */
export function parseKubernetesMinor(v: string): number | undefined {
  const m = /^v?1\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(v.trim());
  if (!m) return undefined;
  const minor = Number(m[1]);
  return minor >= FIRST_MINOR && minor <= LAST_MINOR ? minor : undefined;
}

/**
 * The release of an image reference such as `registry.k8s.io/kube-apiserver:v1.33.2`, or
 * undefined when the tag is not a supported release.
 */
export function minorFromImage(image: string | undefined): number | undefined {
  if (!image) return undefined;
  const tag = /:([^:/@]+)(?:@.*)?$/.exec(image)?.[1];
  return tag === undefined ? undefined : parseKubernetesMinor(tag);
}

/**
 * AuthenticationConfiguration versions by release
 * (K:staging/src/k8s.io/apiserver/pkg/apis/apiserver/{v1alpha1,v1beta1,v1}/register.go by tag).
 */
const AUTHN_VERSION_SINCE: Readonly<Record<string, number>> = {
  'apiserver.config.k8s.io/v1alpha1': 29,
  'apiserver.config.k8s.io/v1beta1': 30,
  'apiserver.config.k8s.io/v1': 34,
};

/** True when `apiVersion` is an AuthenticationConfiguration version release `minor` registers. */
export function authnVersionKnown(apiVersion: string, minor: number): boolean {
  const since = AUTHN_VERSION_SINCE[apiVersion];
  return since !== undefined && minor >= since;
}

/**
 * Fields added after 1.29, by the release whose types.go first has them. A path segment `[]`
 * stands for any list index.
 */
const FIELD_SINCE: readonly { readonly path: readonly string[]; readonly since: number }[] = [
  { path: ['jwt', '[]', 'issuer', 'discoveryURL'], since: 30 },
  { path: ['jwt', '[]', 'issuer', 'audienceMatchPolicy'], since: 30 },
  { path: ['anonymous'], since: 31 },
  { path: ['jwt', '[]', 'issuer', 'egressSelectorType'], since: 34 },
];

/**
 * The field paths of a decoded document (`jwt[0].issuer.discoveryURL`) that release `minor` does
 * not have, in document order. kube-apiserver's strict decoder reports them as unknown fields.
 */
export function fieldsUnknownIn(doc: unknown, minor: number): string[] {
  const out: string[] = [];
  const visit = (v: unknown, segs: readonly string[], shown: string): void => {
    for (const f of FIELD_SINCE) {
      if (minor < f.since && f.path.length === segs.length && f.path.every((p, i) => p === segs[i])) {
        out.push(shown);
        return;
      }
    }
    if (Array.isArray(v)) v.forEach((item, i) => visit(item, [...segs, '[]'], `${shown}[${i}]`));
    else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) visit(child, [...segs, k], shown === '' ? k : `${shown}.${k}`);
    }
  };
  visit(doc, [], '');
  return out;
}

/** A feature gate's state from one release on (K:staging/src/k8s.io/apiserver/pkg/features/kube_features.go). */
interface GateStage {
  readonly since: number;
  readonly stage: 'ALPHA' | 'BETA' | 'GA';
  readonly default: boolean;
  readonly locked?: boolean;
}

/**
 * The gates that change what validate checks, with their lifecycle (authn-health.md §8; the
 * AnonymousAuthConfigurableEndpoints stages also in kubernetes/website's feature-gate page).
 * Gates not listed here are passed through unchecked: kube-apiserver has hundreds.
 */
export const FEATURE_GATES: Readonly<Record<string, { readonly stages: readonly GateStage[]; readonly lastMinor?: number }>> = {
  StructuredAuthenticationConfiguration: {
    stages: [
      { since: 29, stage: 'ALPHA', default: false },
      { since: 30, stage: 'BETA', default: true },
      { since: 34, stage: 'GA', default: true, locked: true },
    ],
    lastMinor: 36,
  },
  AnonymousAuthConfigurableEndpoints: {
    stages: [
      { since: 31, stage: 'ALPHA', default: false },
      { since: 32, stage: 'BETA', default: true },
      { since: 34, stage: 'GA', default: true, locked: true },
    ],
    lastMinor: 36,
  },
  StructuredAuthenticationConfigurationEgressSelector: { stages: [{ since: 34, stage: 'BETA', default: true }] },
  StructuredAuthenticationConfigurationJWKSMetrics: { stages: [{ since: 35, stage: 'BETA', default: true }] },
  UnauthenticatedHTTP2DOSMitigation: { stages: [{ since: 25, stage: 'BETA', default: false }, { since: 29, stage: 'BETA', default: true }] },
  RemoteRequestHeaderUID: { stages: [{ since: 32, stage: 'ALPHA', default: false }, { since: 33, stage: 'BETA', default: true }] },
  AllowParsingUserUIDFromCertAuth: { stages: [{ since: 33, stage: 'BETA', default: true }] },
};

/** The gate's state in release `minor`, or undefined when that release does not have the gate. */
export function gateAt(name: string, minor: number): GateStage | undefined {
  const g = FEATURE_GATES[name];
  if (!g || (g.lastMinor !== undefined && minor > g.lastMinor)) return undefined;
  let found: GateStage | undefined;
  for (const s of g.stages) if (s.since <= minor) found = s;
  return found;
}

/**
 * `anonymous: Forbidden: …` when the file has an anonymous section and `--anonymous-auth` is on
 * the command line (K:pkg/kubeapiserver/options/authentication.go, ToAuthenticationConfig).
 * 1.31–1.33 print the flag as `--anonynous-auth` (seen verbatim on v1.32.3 and v1.33.0 in
 * k3s-io/k3s#12245; corrected by kubernetes/kubernetes#131980, merged for 1.34).
 */
export function anonymousFlagConflictDetail(minor: number): string {
  const flag = minor <= 33 ? '--anonynous-auth' : '--anonymous-auth';
  return `${flag} flag cannot be set when anonymous field is configured in authentication configuration file`;
}

/**
 * `anonymous: Forbidden: …` when the section is used with its gate off
 * (K:staging/src/k8s.io/apiserver/pkg/apis/apiserver/validation/validation.go). Per
 * authn-health.md §1.4, 1.31–1.34 misspell the gate `AnonymousAuthConfigurableEnpoints`; the
 * spelling was fixed by kubernetes/kubernetes#134380 (merged October 2025, 1.35).
 */
export function anonymousGateDetail(minor: number): string {
  const gate = minor <= 34 ? 'AnonymousAuthConfigurableEnpoints' : 'AnonymousAuthConfigurableEndpoints';
  return `anonymous is not supported when ${gate} feature gate is disabled`;
}

/**
 * Where 1.29–1.33 word a validation message differently from 1.35 (the bracketed variants of
 * authn-health.md §1.4, checked against a 1.29-era validation.go). Keyed by the last path
 * segment pattern and the 1.35 detail.
 */
const OLD_WORDING: readonly { readonly field: RegExp; readonly type: string; readonly detail: string; readonly old: string }[] = [
  { field: /\.issuer\.url$/, type: 'Required value', detail: '', old: 'URL is required' },
  { field: /\.issuer\.audiences\[\d+\]$/, type: 'Required value', detail: '', old: "audience can't be empty" },
  { field: /\.claimValidationRules\[\d+\]\.message$/, type: 'Invalid value', detail: 'may not be specified when claim is set', old: "message can't be set when claim is set" },
  { field: /\.claimValidationRules\[\d+\]\.requiredValue$/, type: 'Invalid value', detail: 'may not be specified when expression is set', old: "requiredValue can't be set when expression is set" },
  { field: /\.claimMappings\.(username|groups)\.prefix$/, type: 'Invalid value', detail: 'may not be specified when expression is set', old: "prefix can't be set when expression is set" },
  { field: /\.claimMappings\.extra\[\d+\]\.key$/, type: 'Invalid value', detail: 'must be lowercase', old: 'key must be lowercase' },
  { field: /\.claimMappings\.extra\[\d+\]\.valueExpression$/, type: 'Required value', detail: '', old: 'valueExpression is required' },
];

/** A 1.35 field error as release `minor` words it. */
export function wordingFor(e: FieldError, minor: number): FieldError {
  if (minor > 33) return e;
  for (const w of OLD_WORDING) {
    if (e.type === w.type && (e.detail ?? '') === w.detail && w.field.test(e.field)) return { ...e, detail: w.old };
  }
  return e;
}

/**
 * 1.29 only: the file needed exactly one JWT authenticator (the limit became 64, and zero
 * allowed, in 1.30). Returns the error that replaces 1.35's count check, or undefined.
 */
export function jwtCountError(count: number, minor: number): FieldError | undefined {
  if (minor > 29) return undefined;
  if (count === 0) return { field: 'jwt', type: 'Required value', detail: 'at least one jwt is required' };
  if (count > 1) return { field: 'jwt', type: 'Too many', value: count, detail: 'must have at most 1 item' };
  return undefined;
}
