/**
 * `--authentication-config` as a given kube-apiserver release loads it: doorman's decoder and
 * validator (which follow 1.35) plus what differs in that release — which apiVersions and fields
 * exist, which feature gates guard the file and the anonymous section, how the messages are
 * worded — and the start-up rule that refuses `--anonymous-auth` next to an anonymous section.
 * Every problem comes back as a field error of the file, in kube-apiserver's order.
 */
import { fieldErrorBody, type FieldError } from '../errors.js';
import { parseDocuments, readConfigFile, typeMeta } from '../config/decode.js';
import {
  parseAuthenticationConfiguration,
  validateAuthenticationConfiguration,
  type AuthenticationConfiguration,
} from '../config/authentication.js';
import type { FeatureGateSet } from './featuregates.js';
import { anonymousFlagConflictDetail, anonymousGateDetail, authnVersionKnown, fieldsUnknownIn, jwtCountError, wordingFor } from './versions.js';
import type { Problem } from './report.js';

export interface AuthnContext {
  readonly minor: number;
  readonly gates: FeatureGateSet;
  /** `--anonymous-auth` was on the command line (any value). */
  readonly anonymousFlagSet: boolean;
  /** The path as kube-apiserver sees it (messages name this one). */
  readonly display: string;
  /** Where to read it on this machine. */
  readonly local: string;
}

export interface AuthnResult {
  /** The decoded file, when this release loads it (validation errors or not). */
  readonly config?: AuthenticationConfiguration;
  readonly errors: readonly Problem[];
}

/** The load failure as kube-apiserver prints it, naming the path it was given. */
function loadError(ctx: AuthnContext, message: string, fix?: string): AuthnResult {
  const msg = message.split(ctx.local).join(ctx.display);
  return { errors: [{ file: ctx.display, field: '', message: `failed to load authentication configuration from file ${JSON.stringify(ctx.display)}: ${msg}`, ...(fix ? { fix } : {}) }] };
}

/** The newest AuthenticationConfiguration version release `minor` reads. */
function newestVersion(minor: number): string {
  return minor >= 34 ? 'apiserver.config.k8s.io/v1' : minor >= 30 ? 'apiserver.config.k8s.io/v1beta1' : 'apiserver.config.k8s.io/v1alpha1';
}

/** What to do about fields a release does not have. */
function missingFieldsFix(missing: readonly string[], minor: number): string {
  const needs = missing.map((f) => (f === 'anonymous' ? 'anonymous needs 1.31 (with --feature-gates=AnonymousAuthConfigurableEndpoints=true; on by default from 1.32)' : f.endsWith('egressSelectorType') ? `${f} needs 1.34` : `${f} needs 1.30`));
  return `kube-apiserver 1.${minor} does not have these fields: ${[...new Set(needs)].join('; ')}`;
}

function problems(ctx: AuthnContext, errs: readonly FieldError[]): Problem[] {
  return errs.map((e) => ({ file: ctx.display, field: e.field, message: fieldErrorBody(wordingFor(e, ctx.minor)) }));
}

/** The unknown-field paths that 1.35's strict decoder reported, from its message. */
function unknownFieldsOf(message: string): string[] {
  return [...message.matchAll(/unknown field "([^"]*)"/g)].map((m) => m[1] ?? '');
}

/** Every field path of a decoded document (`jwt[0].issuer.url`), in document order. */
function fieldPaths(doc: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown, at: string): void => {
    if (Array.isArray(v)) v.forEach((item, i) => visit(item, `${at}[${i}]`));
    else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const p = at === '' ? k : `${at}.${k}`;
        out.push(p);
        visit(child, p);
      }
    }
  };
  visit(doc, '');
  return out;
}

/** Decodes the file as release `minor` would; on failure the message (and a fix when doorman knows one). */
function decodeFor(data: string, minor: number): AuthenticationConfiguration | { message: string; fix?: string } {
  let doc: unknown;
  try {
    doc = parseDocuments(data)[0];
  } catch {
    doc = undefined; // the full decode below reports the syntax error in its own words
  }
  const { apiVersion, kind } = typeMeta(doc);
  if (kind === 'AuthenticationConfiguration' && apiVersion.startsWith('apiserver.config.k8s.io/') && !authnVersionKnown(apiVersion, minor)) {
    return {
      message: `no kind "AuthenticationConfiguration" is registered for version "${apiVersion}" in scheme "pkg/runtime/scheme.go:100"`,
      fix: `kube-apiserver 1.${minor} reads up to ${newestVersion(minor)}: use that apiVersion`,
    };
  }
  const missing = doc === undefined ? [] : fieldsUnknownIn(doc, minor);
  try {
    const config = parseAuthenticationConfiguration(data);
    if (missing.length === 0) return config;
    return { message: `strict decoding error: ${missing.map((f) => `unknown field "${f}"`).join(', ')}`, fix: missingFieldsFix(missing, minor) };
  } catch (e) {
    const msg = (e as Error).message;
    if (missing.length === 0 || !msg.startsWith('strict decoding error:')) return { message: msg };
    // Both kinds of unknown field, in document order (the order the strict decoder meets them).
    const order = fieldPaths(doc);
    const sorted = [...new Set([...missing, ...unknownFieldsOf(msg)])].sort((a, b) => order.indexOf(a) - order.indexOf(b));
    return { message: `strict decoding error: ${sorted.map((f) => `unknown field "${f}"`).join(', ')}`, fix: missingFieldsFix(missing, minor) };
  }
}

/**
 * Loads and validates the file for release `ctx.minor`, in kube-apiserver's start-up order:
 * decode, then the `--anonymous-auth` conflict (which stops everything else), then validation.
 */
export function checkAuthenticationConfig(ctx: AuthnContext): AuthnResult {
  let data: string;
  try {
    data = readConfigFile(ctx.local);
  } catch (e) {
    return loadError(ctx, (e as Error).message);
  }
  if (data.trim() === '') return loadError(ctx, 'empty config data');
  const decoded = decodeFor(data, ctx.minor);
  if ('message' in decoded) return loadError(ctx, decoded.message, decoded.fix);
  const config = decoded;

  const anonymousGate = ctx.gates.enabled('AnonymousAuthConfigurableEndpoints');
  if (config.anonymous && ctx.anonymousFlagSet && anonymousGate) {
    return { config, errors: problems(ctx, [{ field: 'anonymous', type: 'Forbidden', detail: anonymousFlagConflictDetail(ctx.minor) }]) };
  }

  const all = validateAuthenticationConfiguration(config, { celRelease: ctx.minor });
  const jwtCount = jwtCountError((config.jwt ?? []).length, ctx.minor);
  const jwtErrs = jwtCount ? [jwtCount] : all.filter((e) => !e.field.startsWith('anonymous'));
  const anonErrs = all.filter((e) => e.field.startsWith('anonymous'));
  const gateErr: FieldError[] = config.anonymous && !anonymousGate ? [{ field: 'anonymous', type: 'Forbidden', detail: anonymousGateDetail(ctx.minor) }] : [];
  const egress: FieldError[] = [];
  if (!ctx.gates.enabled('StructuredAuthenticationConfigurationEgressSelector')) {
    (config.jwt ?? []).forEach((j, i) => {
      const t = j.issuer?.egressSelectorType;
      if (t !== undefined && t !== '') {
        egress.push({ field: `jwt[${i}].issuer.egressSelectorType`, type: 'Invalid value', value: t, detail: 'egress selector is not supported when StructuredAuthenticationConfigurationEgressSelector feature gate is disabled' });
      }
    });
  }
  return { config, errors: problems(ctx, [...egress, ...jwtErrs, ...gateErr, ...anonErrs]) };
}
