/**
 * The built-in authorizers of k8s.io/apiserver's authorizerfactory/builtin.go, plus doorman's
 * stand-in for the Node authorizer. Each is also a rule resolver for SelfSubjectRulesReview,
 * except the privileged-group authorizer, which kube-apiserver adds to the authorizer chain only.
 */
import type { UserInfo } from '../authn/types.js';
import { MASTERS_GROUP } from '../authn/types.js';
import type { Attributes, AuthorizationResult, Authorizer, RuleResolver, SubjectRules } from './types.js';

/** The chain-member name kube-apiserver (reload.go) gives the `system:masters` authorizer. */
export const PRIVILEGED_GROUP_AUTHORIZER_NAME = 'system-privileged-group.authorizer.kubernetes.io';

const NO_RULES: SubjectRules = Object.freeze({ resourceRules: [], nonResourceRules: [], incomplete: false });

const ALL_RULES: SubjectRules = Object.freeze({
  resourceRules: Object.freeze([Object.freeze({ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] })]),
  nonResourceRules: Object.freeze([Object.freeze({ verbs: ['*'], nonResourceURLs: ['*'] })]),
  incomplete: false,
});

/**
 * `--authorization-mode=AlwaysAllow`: Allow with reason `""`; its rules are `*` on everything.
 *
 * @example
 * new AlwaysAllowAuthorizer().authorize(attrs) // { decision: 'Allow', reason: '', authorizer: 'alwaysallow' }
 */
export class AlwaysAllowAuthorizer implements Authorizer, RuleResolver {
  readonly name: string;
  constructor(name = 'alwaysallow') {
    this.name = name;
  }
  authorize(_attrs: Attributes): AuthorizationResult {
    return { decision: 'Allow', reason: '', authorizer: this.name };
  }
  rulesFor(_user: UserInfo, _namespace: string): SubjectRules {
    return ALL_RULES;
  }
}

/**
 * `--authorization-mode=AlwaysDeny`: NoOpinion (not Deny, as in kube) with reason
 * `Everything is forbidden.`; no rules.
 */
export class AlwaysDenyAuthorizer implements Authorizer, RuleResolver {
  readonly name: string;
  constructor(name = 'alwaysdeny') {
    this.name = name;
  }
  authorize(_attrs: Attributes): AuthorizationResult {
    return { decision: 'NoOpinion', reason: 'Everything is forbidden.', authorizer: this.name };
  }
  rulesFor(_user: UserInfo, _namespace: string): SubjectRules {
    return NO_RULES;
  }
}

/**
 * Allows any user in one of `groups` (kube-apiserver puts one for `system:masters` first in every
 * chain). Allow has reason `""`, which is why an admin's audit events carry an empty reason. A
 * request without a user is NoOpinion with reason `Error` and error `no user on request.`.
 */
export class PrivilegedGroupAuthorizer implements Authorizer {
  readonly name: string;
  readonly #groups: ReadonlySet<string>;
  constructor(groups: readonly string[] = [MASTERS_GROUP], name = PRIVILEGED_GROUP_AUTHORIZER_NAME) {
    this.#groups = new Set(groups);
    this.name = name;
  }
  authorize(attrs: Attributes): AuthorizationResult {
    if (!attrs.user) return { decision: 'NoOpinion', reason: 'Error', error: 'no user on request.', authorizer: this.name };
    for (const g of attrs.user.groups) {
      if (this.#groups.has(g)) return { decision: 'Allow', reason: '', authorizer: this.name };
    }
    return { decision: 'NoOpinion', reason: '', authorizer: this.name };
  }
}

const NODE_USER_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';

/**
 * `--authorization-mode=Node`, without the node graph: doorman does not track pods, secrets or
 * volumes per node, so it cannot tell what a kubelet may read and never allows anything (always
 * NoOpinion, reason `""`); place RBAC after it as usual. For a node identity (user
 * `system:node:<name>` in group `system:nodes`) it reports, as kube's Node authorizer does, that
 * the rules list is incomplete.
 */
export class NodeAuthorizer implements Authorizer, RuleResolver {
  readonly name: string;
  constructor(name = 'node') {
    this.name = name;
  }
  authorize(_attrs: Attributes): AuthorizationResult {
    return { decision: 'NoOpinion', reason: '', authorizer: this.name };
  }
  rulesFor(user: UserInfo, _namespace: string): SubjectRules {
    if (user.name.startsWith(NODE_USER_PREFIX) && user.groups.includes(NODES_GROUP)) {
      return { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' };
    }
    return NO_RULES;
  }
}
