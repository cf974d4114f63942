/**
 * The RBAC authorizer (plugin/pkg/auth/authorizer/rbac/rbac.go over the rule resolver in
 * pkg/registry/rbac/validation/rule.go). It visits the ClusterRoleBindings, then, when the request
 * has a namespace, the RoleBindings of that namespace; for each binding whose first matching
 * subject applies to the user it walks the referenced role's rules, and the first rule that
 * allows the request wins. It never denies: no match is NoOpinion, with `RBAC: ` and the
 * aggregated resolution errors (a binding to a missing role) as the reason.
 *
 * Everything that does not depend on the request is done once in the constructor: aggregation
 * rules are resolved, every roleRef is resolved to its rules (or its error text), the Allow reason
 * of every (binding, subject) pair is rendered, and bindings are indexed by user name (User and
 * ServiceAccount subjects) and by group name. A request then only looks up its user name and
 * groups, merges the hits and walks them in binding order.
 *
 * Determinism: kube-apiserver walks its informer caches in no fixed order, so when two bindings
 * allow a request either may be named. doorman walks bindings in the order of the arrays it was
 * given; {@link withBootstrapPolicy} puts the bootstrap bindings first (see bootstrap.ts for that
 * order) and the operator's objects after them, in load order.
 */
import type { UserInfo } from '../../authn/types.js';
import type {
  Attributes,
  AuthorizationResult,
  Authorizer,
  NonResourceRuleInfo,
  RBACTrace,
  ResourceRuleInfo,
  RuleResolver,
  SubjectRules,
} from '../types.js';
import { aggregateMessages } from '../../errors.js';
import { goQuote } from '../../util/goquote.js';
import { aggregateClusterRoles } from './aggregate.js';
import { describeBinding, ruleAllows, serviceAccountUsername } from './match.js';
import { RBAC_GROUP, type PolicyRule, type RbacObjects, type RoleRef, type Subject } from './types.js';

/** A binding with everything the hot path needs precomputed. */
interface CompiledBinding {
  /** The role's rules, or undefined when the roleRef did not resolve. */
  readonly rules: readonly PolicyRule[] | undefined;
  /** The resolution error (kube's lister error text) when `rules` is undefined. */
  readonly error: string | undefined;
  /** `RBAC: allowed by ...` for each subject index (empty string for kinds that never match). */
  readonly reasons: readonly string[];
  /** The binding, role and subject for each subject index, for the Allow trace. */
  readonly grants: readonly Grant[];
}

/** The request-independent part of an {@link RBACTrace}, built once per (binding, subject). */
type Grant = Omit<RBACTrace, 'kind' | 'rule'>;

/** Binding indices by subject; each hit list is in binding order, with at most one hit per binding. */
interface BindingIndex {
  readonly bindings: readonly CompiledBinding[];
  /** User subjects by name and ServiceAccount subjects by their username. */
  readonly byUser: ReadonlyMap<string, readonly Hit[]>;
  readonly byGroup: ReadonlyMap<string, readonly Hit[]>;
}

interface Hit {
  readonly binding: number;
  readonly subject: number;
}

/** The text of kube's NotFound error for a role lookup (`<resource>.<group> "<name>" not found`). */
export function roleNotFoundMessage(kind: 'Role' | 'ClusterRole', name: string): string {
  return `${kind.toLowerCase()}.${RBAC_GROUP} ${goQuote(name)} not found`;
}

/** The text of kube's error for a roleRef kind other than Role or ClusterRole. */
export function unsupportedRoleRefMessage(kind: string): string {
  return `unsupported role reference kind: ${goQuote(kind)}`;
}

/** Options for {@link RBACAuthorizer}. */
export interface RBACAuthorizerOptions {
  /** The chain-member name, `rbac` by default (kube's lower-cased mode name). */
  readonly name?: string;
}

/**
 * kube-apiserver's RBAC authorizer over a fixed set of objects. Build a new one to reload.
 *
 * @example
 * const rbac = new RBACAuthorizer(withBootstrapPolicy(loadRbacObjects(['rbac/']).objects).objects);
 * rbac.authorize({ user: anonymous, verb: 'get', isResourceRequest: false, path: '/livez', ... });
 * // { decision: 'Allow', reason: 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ...' }
 */
export class RBACAuthorizer implements Authorizer, RuleResolver {
  readonly name: string;
  /** Warnings found while compiling (aggregation cycles). */
  readonly warnings: readonly string[];
  readonly #cluster: BindingIndex;
  readonly #namespaced: ReadonlyMap<string, BindingIndex>;

  constructor(objects: RbacObjects, options: RBACAuthorizerOptions = {}) {
    this.name = options.name ?? 'rbac';
    const aggregated = aggregateClusterRoles(objects.clusterRoles);
    this.warnings = aggregated.warnings;

    // First object of a name wins, as in kube's test resolver; loaded sets have unique names.
    const clusterRoles = new Map<string, readonly PolicyRule[]>();
    for (const cr of aggregated.clusterRoles) {
      const name = cr.metadata.name ?? '';
      if (!clusterRoles.has(name)) clusterRoles.set(name, cr.rules ?? []);
    }
    const roles = new Map<string, readonly PolicyRule[]>();
    for (const r of objects.roles) {
      const key = `${r.metadata.namespace ?? ''}/${r.metadata.name ?? ''}`;
      if (!roles.has(key)) roles.set(key, r.rules ?? []);
    }

    const resolve = (ref: RoleRef, namespace: string): Pick<CompiledBinding, 'rules' | 'error'> => {
      switch (ref.kind) {
        case 'Role': {
          // A ClusterRoleBinding looks the Role up in namespace "", where none can exist.
          const rules = namespace === '' ? undefined : roles.get(`${namespace}/${ref.name}`);
          return rules ? { rules, error: undefined } : { rules: undefined, error: roleNotFoundMessage('Role', ref.name) };
        }
        case 'ClusterRole': {
          const rules = clusterRoles.get(ref.name);
          return rules ? { rules, error: undefined } : { rules: undefined, error: roleNotFoundMessage('ClusterRole', ref.name) };
        }
        default:
          return { rules: undefined, error: unsupportedRoleRefMessage(ref.kind) };
      }
    };

    const clusterBuilder = new IndexBuilder('');
    for (const b of objects.clusterRoleBindings) {
      clusterBuilder.add(b.metadata.name ?? '', undefined, b.roleRef, b.subjects ?? [], resolve(b.roleRef, ''));
    }
    this.#cluster = clusterBuilder.build();

    const builders = new Map<string, IndexBuilder>();
    for (const b of objects.roleBindings) {
      const ns = b.metadata.namespace ?? '';
      // Requests without a namespace never visit RoleBindings, so one without a namespace is inert.
      if (ns === '') continue;
      let builder = builders.get(ns);
      if (!builder) builders.set(ns, (builder = new IndexBuilder(ns)));
      builder.add(b.metadata.name ?? '', ns, b.roleRef, b.subjects ?? [], resolve(b.roleRef, ns));
    }
    this.#namespaced = new Map([...builders].map(([ns, builder]) => [ns, builder.build()]));
  }

  /**
   * Allow with the reason naming the first binding (in doorman's order) whose rule allows the
   * request; otherwise NoOpinion. A request without a user is NoOpinion (no binding can apply).
   */
  authorize(attrs: Attributes): AuthorizationResult {
    const user = attrs.user;
    if (!user) return { decision: 'NoOpinion', reason: '', authorizer: this.name };
    const errors: string[] = [];
    const allowed =
      visitIndex(this.#cluster, user, attrs, errors, this.name) ??
      (attrs.namespace !== '' ? visitNamespace(this.#namespaced.get(attrs.namespace), user, attrs, errors, this.name) : undefined);
    if (allowed !== undefined) return allowed;
    const reason = errors.length > 0 ? `RBAC: ${aggregateMessages(errors)}` : '';
    return { decision: 'NoOpinion', reason, authorizer: this.name };
  }

  /**
   * The rules for SelfSubjectRulesReview: one resource rule per PolicyRule with resources, one
   * non-resource rule per PolicyRule with nonResourceURLs, from the applicable cluster bindings and
   * the bindings of `namespace`. RBAC always reports `incomplete: false`; missing roles become the
   * aggregated `evaluationError`.
   */
  rulesFor(user: UserInfo, namespace: string): SubjectRules {
    const resourceRules: ResourceRuleInfo[] = [];
    const nonResourceRules: NonResourceRuleInfo[] = [];
    const errors: string[] = [];
    const collect = (index: BindingIndex | undefined): void => {
      if (!index) return;
      forEachApplicable(index, user, (binding) => {
        const b = index.bindings[binding] as CompiledBinding;
        if (!b.rules) {
          if (b.error !== undefined) errors.push(b.error);
          return true;
        }
        for (const rule of b.rules) {
          if ((rule.resources ?? []).length > 0) {
            resourceRules.push({
              verbs: rule.verbs,
              apiGroups: rule.apiGroups ?? [],
              resources: rule.resources ?? [],
              resourceNames: rule.resourceNames ?? [],
            });
          }
          if ((rule.nonResourceURLs ?? []).length > 0) {
            nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs ?? [] });
          }
        }
        return true;
      });
    };
    collect(this.#cluster);
    if (namespace !== '') collect(this.#namespaced.get(namespace));
    return errors.length > 0
      ? { resourceRules, nonResourceRules, incomplete: false, evaluationError: aggregateMessages(errors) }
      : { resourceRules, nonResourceRules, incomplete: false };
  }
}

class IndexBuilder {
  readonly #bindings: CompiledBinding[] = [];
  readonly #byUser = new Map<string, Hit[]>();
  readonly #byGroup = new Map<string, Hit[]>();
  /** The namespace context for ServiceAccount subjects without one (`""` for cluster bindings). */
  readonly #context: string;

  constructor(context: string) {
    this.#context = context;
  }

  add(
    name: string,
    namespace: string | undefined,
    roleRef: RoleRef,
    subjects: readonly Subject[],
    resolved: Pick<CompiledBinding, 'rules' | 'error'>,
  ): void {
    const binding = this.#bindings.length;
    const reasons: string[] = [];
    const grants: Grant[] = [];
    const bindingRef = Object.freeze(namespace === undefined ? { kind: 'ClusterRoleBinding' as const, name } : { kind: 'RoleBinding' as const, name, namespace });
    const seen = new Set<string>();
    subjects.forEach((s, subject) => {
      grants.push(Object.freeze({ binding: bindingRef, subject: s, roleRef }));
      const key = this.#key(s);
      if (key === undefined) {
        reasons.push('');
        return;
      }
      reasons.push(`RBAC: allowed by ${describeBinding(name, namespace, roleRef, s)}`);
      // Only the first subject under a key can be the first to apply: one hit per binding and key.
      const seenKey = `${key.group ? 'g' : 'u'}:${key.name}`;
      if (seen.has(seenKey)) return;
      seen.add(seenKey);
      const map = key.group ? this.#byGroup : this.#byUser;
      let list = map.get(key.name);
      if (!list) map.set(key.name, (list = []));
      list.push({ binding, subject });
    });
    this.#bindings.push({ ...resolved, reasons, grants });
  }

  /** The index key a subject matches under, or undefined if it can never match. */
  #key(s: Subject): { readonly group: boolean; readonly name: string } | undefined {
    switch (s.kind) {
      case 'User':
        return { group: false, name: s.name };
      case 'Group':
        return { group: true, name: s.name };
      case 'ServiceAccount': {
        const ns = s.namespace ? s.namespace : this.#context;
        return ns === '' ? undefined : { group: false, name: serviceAccountUsername(ns, s.name) };
      }
      default:
        return undefined;
    }
  }

  build(): BindingIndex {
    return { bindings: this.#bindings, byUser: this.#byUser, byGroup: this.#byGroup };
  }
}

/**
 * Calls `visit` for each binding that applies to `user`, with its first applicable subject, in
 * binding order (the sequence kube's loop over all bindings with `appliesTo` produces), until
 * `visit` returns false. The per-key hit lists are already sorted, so this is a lazy k-way merge:
 * a request that is allowed by an early binding never looks at the later ones.
 */
function forEachApplicable(
  index: BindingIndex,
  user: Pick<UserInfo, 'name' | 'groups'>,
  visit: (binding: number, subject: number) => boolean,
): void {
  const lists: (readonly Hit[])[] = [];
  const own = index.byUser.get(user.name);
  if (own) lists.push(own);
  for (const g of user.groups) {
    const hits = index.byGroup.get(g);
    if (hits) lists.push(hits);
  }
  if (lists.length === 1) {
    for (const h of lists[0] as readonly Hit[]) if (!visit(h.binding, h.subject)) return;
    return;
  }
  const pos = new Array<number>(lists.length).fill(0);
  for (;;) {
    let binding = Number.MAX_SAFE_INTEGER;
    let subject = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < lists.length; i++) {
      const h = (lists[i] as readonly Hit[])[pos[i] as number];
      if (h === undefined) continue;
      if (h.binding < binding || (h.binding === binding && h.subject < subject)) {
        binding = h.binding;
        subject = h.subject;
      }
    }
    if (binding === Number.MAX_SAFE_INTEGER) return;
    // Advance every list past this binding (a duplicated group name gives two equal heads).
    for (let i = 0; i < lists.length; i++) {
      if ((lists[i] as readonly Hit[])[pos[i] as number]?.binding === binding) pos[i] = (pos[i] as number) + 1;
    }
    if (!visit(binding, subject)) return;
  }
}

/** The Allow answer of the first binding whose rule allows the request, with its trace; else undefined. */
function visitIndex(index: BindingIndex, user: UserInfo, attrs: Attributes, errors: string[], authorizer: string): AuthorizationResult | undefined {
  let allowed: AuthorizationResult | undefined;
  forEachApplicable(index, user, (binding, subject) => {
    const b = index.bindings[binding] as CompiledBinding;
    if (!b.rules) {
      if (b.error !== undefined) errors.push(b.error);
      return true;
    }
    for (const rule of b.rules) {
      if (ruleAllows(attrs, rule)) {
        const g = b.grants[subject] as Grant;
        const trace: RBACTrace = { kind: 'rbac', binding: g.binding, subject: g.subject, roleRef: g.roleRef, rule };
        allowed = { decision: 'Allow', reason: b.reasons[subject] ?? '', authorizer, trace };
        return false;
      }
    }
    return true;
  });
  return allowed;
}

function visitNamespace(
  index: BindingIndex | undefined,
  user: UserInfo,
  attrs: Attributes,
  errors: string[],
  authorizer: string,
): AuthorizationResult | undefined {
  return index ? visitIndex(index, user, attrs, errors, authorizer) : undefined;
}
