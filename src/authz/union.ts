/**
 * The authorizer chain (k8s.io/apiserver authorization/union/union.go): members are asked in
 * order and the first Allow or Deny wins, with that member's reason, error and name. When every
 * member has no opinion, the answer is NoOpinion with the non-empty reasons joined by a newline
 * and the errors aggregated (`[a, b]`), which the caller treats as a denial (or a 500 when an
 * error is present). The rule-resolver union concatenates its members' rules for
 * SelfSubjectRulesReview.
 */
import type { UserInfo } from '../authn/types.js';
import { aggregateMessages } from '../errors.js';
import type {
  Attributes,
  AuthorizationResult,
  Authorizer,
  NonResourceRuleInfo,
  ResourceRuleInfo,
  RuleResolver,
  SubjectRules,
} from './types.js';

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/**
 * Asks `members` in order. Stays synchronous while members answer synchronously, so a chain of
 * built-in authorizers costs no promise per request.
 *
 * @example
 * const chain = new UnionAuthorizer([new PrivilegedGroupAuthorizer(), rbac]);
 * const result = await chain.authorize(attrs);
 */
export class UnionAuthorizer implements Authorizer {
  readonly name: string;
  readonly members: readonly Authorizer[];

  constructor(members: readonly Authorizer[], name = 'union') {
    this.members = Object.freeze([...members]);
    this.name = name;
  }

  authorize(attrs: Attributes): AuthorizationResult | Promise<AuthorizationResult> {
    return this.#from(0, attrs, [], []);
  }

  #from(start: number, attrs: Attributes, reasons: string[], errors: string[]): AuthorizationResult | Promise<AuthorizationResult> {
    for (let i = start; i < this.members.length; i++) {
      const member = this.members[i] as Authorizer;
      const answer = member.authorize(attrs);
      if (isPromise(answer)) {
        return answer.then((r) => {
          const decided = this.#record(member, r, reasons, errors);
          return decided ?? this.#from(i + 1, attrs, reasons, errors);
        });
      }
      const decided = this.#record(member, answer, reasons, errors);
      if (decided) return decided;
    }
    const reason = reasons.join('\n');
    return errors.length > 0 ? { decision: 'NoOpinion', reason, error: aggregateMessages(errors) } : { decision: 'NoOpinion', reason };
  }

  /** Returns the final result for Allow/Deny; for NoOpinion remembers reason and error. */
  #record(member: Authorizer, r: AuthorizationResult, reasons: string[], errors: string[]): AuthorizationResult | undefined {
    if (r.decision === 'Allow' || r.decision === 'Deny') {
      const base: { -readonly [K in keyof AuthorizationResult]: AuthorizationResult[K] } = { decision: r.decision, reason: r.reason, authorizer: r.authorizer ?? member.name };
      if (r.error !== undefined) base.error = r.error;
      if (r.trace !== undefined) base.trace = r.trace;
      return base;
    }
    if (r.reason !== '') reasons.push(r.reason);
    if (r.error !== undefined) errors.push(r.error);
    return undefined;
  }
}

/**
 * The rule-resolver union (kube's `NewRuleResolvers`): all members' rules in member order,
 * `incomplete` if any member is, errors aggregated.
 *
 * @example
 * new UnionRuleResolver([rbac]).rulesFor(user, 'default').resourceRules
 */
export class UnionRuleResolver implements RuleResolver {
  readonly name: string;
  readonly members: readonly RuleResolver[];

  constructor(members: readonly RuleResolver[], name = 'union') {
    this.members = Object.freeze([...members]);
    this.name = name;
  }

  rulesFor(user: UserInfo, namespace: string): SubjectRules {
    const resourceRules: ResourceRuleInfo[] = [];
    const nonResourceRules: NonResourceRuleInfo[] = [];
    const errors: string[] = [];
    let incomplete = false;
    for (const m of this.members) {
      const r = m.rulesFor(user, namespace);
      if (r.incomplete) incomplete = true;
      if (r.evaluationError !== undefined) errors.push(r.evaluationError);
      resourceRules.push(...r.resourceRules);
      nonResourceRules.push(...r.nonResourceRules);
    }
    return errors.length > 0
      ? { resourceRules, nonResourceRules, incomplete, evaluationError: aggregateMessages(errors) }
      : { resourceRules, nonResourceRules, incomplete };
  }
}
