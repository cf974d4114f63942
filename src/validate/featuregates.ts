/**
 * `--feature-gates` as kube-apiserver takes it (K:staging/src/k8s.io/component-base/featuregate/
 * feature_gate.go `Set` and `unsafeSetFromMap`; registry.go for the 1.31+ `kube:` component
 * prefix), evaluated against one release's gate table. Gates doorman does not know are passed
 * through with a warning rather than refused: kube-apiserver has hundreds doorman never reads.
 */
import { parseGoBool } from '../util/goparse.js';
import { FEATURE_GATES, gateAt } from './versions.js';

/** The effective gates of one release after `--feature-gates`. */
export interface FeatureGateSet {
  /** Whether `name` is on (its release default unless set). Unknown gates are off. */
  enabled(name: string): boolean;
}

export interface ParsedFeatureGates {
  readonly gates: FeatureGateSet;
  /** kube-apiserver's start-up errors, worded as it prints them. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** Levenshtein distance, for "did you mean" on a misspelled gate. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** Go's strconv.ParseBool error text. */
function parseBoolError(v: string): string {
  return `strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`;
}

/**
 * Parses the values of every `--feature-gates` occurrence for release `minor`.
 *
 * @example
 * parseFeatureGates(['AnonymousAuthConfigurableEndpoints=true'], 31).gates.enabled('AnonymousAuthConfigurableEndpoints') // true
 */
export function parseFeatureGates(values: readonly string[], minor: number): ParsedFeatureGates {
  const errors: string[] = [];
  const warnings: string[] = [];
  const set = new Map<string, boolean>();
  // Before 1.31 the gate is a pflag value: its errors are wrapped as pflag wraps them.
  const wrap = (value: string, msg: string): string => (minor < 31 ? `invalid argument ${JSON.stringify(value)} for "--feature-gates" flag: ${msg}` : msg);
  for (const value of values) {
    for (const raw of value.split(',')) {
      if (raw.length === 0) continue;
      const eq = raw.indexOf('=');
      let key = (eq < 0 ? raw : raw.slice(0, eq)).trim();
      if (minor >= 31 && key.includes(':')) {
        const component = key.slice(0, key.indexOf(':'));
        key = key.slice(key.indexOf(':') + 1);
        if (component !== 'kube') {
          errors.push(`component not registered: ${component}`);
          continue;
        }
      }
      if (eq < 0) {
        errors.push(wrap(value, `missing bool value for ${key}`));
        continue;
      }
      const v = raw.slice(eq + 1).trim();
      try {
        set.set(key, parseGoBool(v));
      } catch {
        errors.push(wrap(value, `invalid value of ${key}=${v}, err: ${parseBoolError(v)}`));
      }
    }
  }
  const enabled = new Map<string, boolean>();
  for (const [key, v] of set) {
    if (key === 'AllAlpha' || key === 'AllBeta') continue;
    const spec = gateAt(key, minor);
    if (!spec) {
      if (FEATURE_GATES[key]) {
        errors.push(wrap(`${key}=${v}`, `unrecognized feature gate: ${key}`));
        continue;
      }
      const near = Object.keys(FEATURE_GATES).find((g) => distance(g, key) <= 3);
      warnings.push(
        near
          ? `feature gate ${key} is not one kube-apiserver 1.${minor} has; did you mean ${near}? kube-apiserver refuses to start with "unrecognized feature gate: ${key}"`
          : `feature gate ${key} is not one doorman knows; it is not checked (kube-apiserver refuses gates its release does not have: "unrecognized feature gate: ${key}")`,
      );
      continue;
    }
    if (spec.locked && spec.default !== v) {
      errors.push(wrap(`${key}=${v}`, `cannot set feature gate ${key} to ${v}, feature is locked to ${spec.default}`));
      continue;
    }
    if (spec.stage === 'GA') warnings.push(`Setting GA feature gate ${key}=${v}. It will be removed in a future release.`);
    enabled.set(key, v);
  }
  const allAlpha = set.get('AllAlpha');
  const allBeta = set.get('AllBeta');
  return {
    errors,
    warnings,
    gates: {
      enabled(name: string): boolean {
        const explicit = enabled.get(name);
        if (explicit !== undefined) return explicit;
        const spec = gateAt(name, minor);
        if (!spec) return false;
        if (spec.stage === 'ALPHA' && allAlpha !== undefined) return allAlpha;
        if (spec.stage === 'BETA' && allBeta !== undefined) return allBeta;
        return spec.default;
      },
    },
  };
}
