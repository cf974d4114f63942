/**
 * Aggregated ClusterRoles, resolved once at load. In a cluster kube-controller-manager's
 * clusterrole-aggregation controller rewrites the `rules` of every ClusterRole that has an
 * `aggregationRule`; doorman stands in for the whole cluster, so it computes the same result when
 * a snapshot is built (pkg/controller/clusterroleaggregation): for each selector in order, the
 * matching ClusterRoles sorted by name, skipping the aggregating role itself, contribute each rule
 * not already present (deep equality, a missing list equal to an empty one). The role's own
 * `rules` are replaced, exactly as the controller overwrites them.
 */
import type { ClusterRole, PolicyRule } from './types.js';
import { labelSelectorMatches } from './selector.js';

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Deep equality of two rules, treating a missing list as empty (kube's equality.Semantic). */
export function rulesEqual(a: PolicyRule, b: PolicyRule): boolean {
  return (
    sameList(a.verbs, b.verbs) &&
    sameList(a.apiGroups, b.apiGroups) &&
    sameList(a.resources, b.resources) &&
    sameList(a.resourceNames, b.resourceNames) &&
    sameList(a.nonResourceURLs, b.nonResourceURLs)
  );
}

function ruleListsEqual(a: readonly PolicyRule[], b: readonly PolicyRule[]): boolean {
  return a.length === b.length && a.every((r, i) => rulesEqual(r, b[i] as PolicyRule));
}

/** Result of {@link aggregateClusterRoles}. */
export interface AggregationResult {
  /** The same roles, in the same order; aggregating roles carry their computed rules. */
  readonly clusterRoles: readonly ClusterRole[];
  readonly warnings: readonly string[];
}

/**
 * Fills in the rules of every ClusterRole with an `aggregationRule`. Aggregating roles may select
 * other aggregating roles (bootstrap `admin` selects `edit`, which selects `view`'s labels), so
 * the computation repeats, in name order, until nothing changes: the state the controller reaches
 * once it has synced every role. A selection cycle that does not settle is reported as a warning
 * and the last state kept.
 *
 * @example
 * aggregateClusterRoles([
 *   { metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } },
 *   { metadata: { name: 'a', labels: { x: 'y' } }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] },
 * ]).clusterRoles[0].rules // [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]
 */
export function aggregateClusterRoles(roles: readonly ClusterRole[]): AggregationResult {
  const aggregating = roles
    .map((r, i) => ({ role: r, index: i, name: r.metadata.name ?? '' }))
    .filter((x) => x.role.aggregationRule !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index));
  if (aggregating.length === 0) return { clusterRoles: roles, warnings: [] };

  // Current rules by array index; a name lookup finds indices (names are unique after loading).
  const current: (readonly PolicyRule[])[] = roles.map((r) => r.rules ?? []);
  const byName = roles
    .map((r, i) => ({ name: r.metadata.name ?? '', index: i, labels: r.metadata.labels }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index));

  let changed = true;
  for (let pass = 0; changed && pass <= aggregating.length + 1; pass++) {
    changed = false;
    for (const { role, index, name } of aggregating) {
      const next: PolicyRule[] = [];
      for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
        for (const other of byName) {
          if (other.name === name || !labelSelectorMatches(selector, other.labels)) continue;
          for (const rule of current[other.index] ?? []) {
            if (!next.some((r) => rulesEqual(r, rule))) next.push(rule);
          }
        }
      }
      if (!ruleListsEqual(next, current[index] ?? [])) {
        current[index] = next;
        changed = true;
      }
    }
  }
  const warnings = changed
    ? [`aggregationRule: the ClusterRoles ${aggregating.map((a) => JSON.stringify(a.name)).join(', ')} select each other in a cycle that does not settle; their rules may be incomplete`]
    : [];
  const out = roles.map((r, i) => (r.aggregationRule === undefined ? r : { ...r, rules: current[i] ?? [] }));
  return { clusterRoles: out, warnings };
}
