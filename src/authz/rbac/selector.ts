/**
 * Label selectors (metav1.LabelSelector) as aggregated ClusterRoles use them: matchLabels plus
 * matchExpressions with `In`, `NotIn`, `Exists` and `DoesNotExist`, all ANDed; an empty selector
 * matches every object (metav1.LabelSelectorAsSelector). Validation messages follow
 * apimachinery's metav1 validation so a bad selector is reported the way kube-apiserver would.
 */
import type { FieldError } from '../../errors.js';
import type { LabelSelector } from './types.js';

/** The operators a LabelSelectorRequirement may use. */
export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/**
 * True if `labels` satisfy `selector`. Assumes the selector was validated (an unknown operator
 * matches nothing, so a bad selector can only grant less).
 *
 * @example
 * labelSelectorMatches({ matchLabels: { a: 'b' } }, { a: 'b', c: 'd' }) // true
 */
export function labelSelectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const have = labels ?? {};
  const get = (k: string): string | undefined => (Object.prototype.hasOwnProperty.call(have, k) ? have[k] : undefined);
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (get(k) !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const value = get(req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        // A missing label satisfies NotIn, as in labels.Selector.
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Field errors for one selector, with paths under `path` (e.g. `aggregationRule.clusterRoleSelectors[0]`). */
export function validateLabelSelector(selector: LabelSelector, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (selector.matchExpressions ?? []).forEach((req, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const n = req.values?.length ?? 0;
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (n === 0) {
          errs.push({ field: `${p}.values`, type: 'Required value', detail: "must be specified when `operator` is 'In' or 'NotIn'" });
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (n > 0) {
          errs.push({ field: `${p}.values`, type: 'Forbidden', detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
        }
        break;
      default:
        errs.push({ field: `${p}.operator`, type: 'Invalid value', value: req.operator, detail: 'not a valid selector operator' });
    }
    if (req.key.length === 0) errs.push({ field: `${p}.key`, type: 'Invalid value', value: req.key, detail: 'name part must be non-empty' });
  });
  return errs;
}
