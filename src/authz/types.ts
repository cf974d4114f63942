/**
 * The authorization interfaces. An authorizer answers Allow, Deny or NoOpinion with a reason
 * (and possibly an evaluation error), exactly as k8s.io/apiserver's authorizer.Authorizer does.
 */
import type { UserInfo } from '../authn/types.js';
import type { PolicyRule, RoleRef, Subject } from './rbac/types.js';

/** kube-apiserver's authorizer.Attributes. */
export interface Attributes {
  /** Absent when the request has no authenticated user. */
  readonly user?: UserInfo | undefined;
  readonly verb: string;
  readonly isResourceRequest: boolean;
  readonly path: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
}

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface AuthorizationResult {
  readonly decision: Decision;
  readonly reason: string;
  /** An evaluation error; with no Allow it turns the answer into a 500. */
  readonly error?: string;
  /** The chain member that decided (or undefined when nobody did). */
  readonly authorizer?: string;
  /** For `doorman check`: which grant allowed the request, when the deciding member can say. */
  readonly trace?: RBACTrace;
}

/** The RBAC grant behind an Allow: binding → role → rule, and the subject that matched the user. */
export interface RBACTrace {
  readonly kind: 'rbac';
  readonly binding: { readonly kind: 'ClusterRoleBinding' | 'RoleBinding'; readonly name: string; readonly namespace?: string };
  readonly subject: Subject;
  readonly roleRef: RoleRef;
  /** The first rule of the role that allows the request (the one RBAC stopped at). */
  readonly rule: PolicyRule;
}

export interface Authorizer {
  readonly name: string;
  authorize(attrs: Attributes): AuthorizationResult | Promise<AuthorizationResult>;
}

/** A PolicyRule as SelfSubjectRulesReview reports it. */
export interface ResourceRuleInfo {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
}
export interface NonResourceRuleInfo {
  readonly verbs: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

/**
 * What a rule resolver reports for a SelfSubjectRulesReview, as kube's
 * authorizer.RuleResolver.RulesFor does: the rules that apply to a user in a namespace,
 * whether the list may be missing rules, and the resolution errors met on the way.
 */
export interface SubjectRules {
  readonly resourceRules: readonly ResourceRuleInfo[];
  readonly nonResourceRules: readonly NonResourceRuleInfo[];
  /** True when some member cannot enumerate its rules (the list is a lower bound). */
  readonly incomplete: boolean;
  /** Aggregated resolution errors (kube's utilerrors.NewAggregate rendering); absent when none. */
  readonly evaluationError?: string;
}

/** Anything that can list the rules a user holds (kube's authorizer.RuleResolver). */
export interface RuleResolver {
  readonly name: string;
  rulesFor(user: UserInfo, namespace: string): SubjectRules;
}
