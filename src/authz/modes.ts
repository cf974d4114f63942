/**
 * `--authorization-mode`: parsing and validation with kube-apiserver's messages
 * (pkg/kubeapiserver/options/authorization.go), and the chain built from it the way
 * pkg/kubeapiserver/authorizer/reload.go builds it: the `system:masters` privileged-group
 * authorizer first, then one member per mode in the order given, each named by its lower-cased
 * mode (`rbac`, `node`, ...). The rule resolver for SelfSubjectRulesReview has the same members
 * minus the privileged-group one.
 */
import { DoormanError, aggregateMessages } from '../errors.js';
import { goQuote } from '../util/goquote.js';
import type { Authorizer, RuleResolver } from './types.js';
import { AlwaysAllowAuthorizer, AlwaysDenyAuthorizer, NodeAuthorizer, PrivilegedGroupAuthorizer } from './builtin.js';
import { UnionAuthorizer, UnionRuleResolver } from './union.js';
import { RBACAuthorizer } from './rbac/authorizer.js';
import { withBootstrapPolicy } from './rbac/bootstrap.js';
import { NO_RBAC_OBJECTS, type RbacObjects } from './rbac/types.js';

/** Every mode kube-apiserver accepts, in its help-text order. */
export const AUTHORIZATION_MODE_CHOICES = ['AlwaysAllow', 'AlwaysDeny', 'ABAC', 'Webhook', 'RBAC', 'Node'] as const;
export type AuthorizationModeChoice = (typeof AUTHORIZATION_MODE_CHOICES)[number];

/** The modes doorman implements. */
export const SUPPORTED_AUTHORIZATION_MODES = ['AlwaysAllow', 'AlwaysDeny', 'RBAC', 'Node'] as const;
export type AuthorizationMode = (typeof SUPPORTED_AUTHORIZATION_MODES)[number];

/**
 * Printed at start-up when neither `--authorization-mode` nor any other authorization setting
 * is given: kube-apiserver then silently authorizes everything (AlwaysAllow); doorman says so.
 */
export const DEFAULT_ALWAYS_ALLOW_WARNING =
  '--authorization-mode not set: every request that passes authentication is allowed (AlwaysAllow), as kube-apiserver does by default; set --authorization-mode=RBAC (or Node,RBAC) to enforce RBAC';

function isChoice(m: string): m is AuthorizationModeChoice {
  return (AUTHORIZATION_MODE_CHOICES as readonly string[]).includes(m);
}

function isSupported(m: string): m is AuthorizationMode {
  return (SUPPORTED_AUTHORIZATION_MODES as readonly string[]).includes(m);
}

/**
 * The flag's values as kube's string-slice flag reads them: each occurrence split on commas
 * (no trimming, so `RBAC, Node` names the mode `" Node"`), occurrences concatenated, an empty
 * value contributing nothing.
 */
export function splitAuthorizationModeFlag(value: string | readonly string[] | undefined): string[] {
  const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  return values.flatMap((v) => (v === '' ? [] : v.split(',')));
}

/** Go's `%q` of a []string: `["a" "b"]`. */
function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}

/**
 * The validation messages for a list of modes, in kube-apiserver's order: per mode, unknown or
 * (doorman) unimplemented; then duplicates. Empty when valid.
 *
 * @example
 * validateAuthorizationModes(['RBAC', 'RBAC']) // ['authorization-mode ["RBAC" "RBAC"] has mode specified more than once']
 */
export function validateAuthorizationModes(modes: readonly string[]): string[] {
  const errs: string[] = [];
  for (const m of modes) {
    if (!isChoice(m)) errs.push(`authorization-mode ${goQuote(m)} is not a valid mode`);
    else if (!isSupported(m)) {
      errs.push(
        `authorization-mode ${goQuote(m)} is not implemented by doorman yet (implemented: ${SUPPORTED_AUTHORIZATION_MODES.join(', ')})`,
      );
    }
  }
  if (new Set(modes).size !== modes.length) errs.push(`authorization-mode ${goQuoteList(modes)} has mode specified more than once`);
  return errs;
}

/** Result of {@link parseAuthorizationModes}. */
export interface ParsedAuthorizationModes {
  readonly modes: readonly AuthorizationMode[];
  /** {@link DEFAULT_ALWAYS_ALLOW_WARNING} when the flag was absent or empty. */
  readonly warnings: readonly string[];
}

/**
 * Parses and validates `--authorization-mode` (one value or the value of each occurrence). No
 * modes means AlwaysAllow, with a warning to print. Throws a `FLAG_INVALID` DoormanError whose
 * message aggregates every problem (`[a, b]` when several), as kube-apiserver reports them.
 *
 * @example
 * parseAuthorizationModes('Node,RBAC').modes // ['Node', 'RBAC']
 */
export function parseAuthorizationModes(value: string | readonly string[] | undefined): ParsedAuthorizationModes {
  const modes = splitAuthorizationModeFlag(value);
  if (modes.length === 0) return { modes: ['AlwaysAllow'], warnings: [DEFAULT_ALWAYS_ALLOW_WARNING] };
  const errs = validateAuthorizationModes(modes);
  if (errs.length > 0) throw new DoormanError('FLAG_INVALID', aggregateMessages(errs));
  return { modes: modes.filter(isSupported), warnings: [] };
}

/** The chain-member name kube-apiserver gives a mode: its lower-cased name (`RBAC` -> `rbac`). */
export function authorizerNameForMode(mode: string): string {
  return mode.toLowerCase();
}

/** Inputs of {@link buildAuthorizerChain}. */
export interface AuthorizerChainOptions {
  readonly modes: readonly AuthorizationMode[];
  /** The operator's RBAC objects; the bootstrap policy is always added in front of them. */
  readonly rbacObjects?: RbacObjects;
}

/** The built chain. */
export interface AuthorizerChain {
  readonly modes: readonly AuthorizationMode[];
  /** Privileged group, then one member per mode. */
  readonly authorizer: UnionAuthorizer;
  /** The members that can list rules (every mode; not the privileged group). */
  readonly ruleResolver: UnionRuleResolver;
  /** The RBAC member, when RBAC is a mode. */
  readonly rbac?: RBACAuthorizer;
  /** Bootstrap replacements and aggregation problems, to print at start-up. */
  readonly warnings: readonly string[];
}

/**
 * Builds kube-apiserver's authorizer chain for `modes`.
 *
 * @example
 * const { modes } = parseAuthorizationModes('Node,RBAC');
 * const chain = buildAuthorizerChain({ modes, rbacObjects: loadRbacObjects(['rbac/']).objects });
 * await chain.authorizer.authorize(attrs);
 * chain.ruleResolver.rulesFor(user, 'default');
 */
export function buildAuthorizerChain(options: AuthorizerChainOptions): AuthorizerChain {
  const authorizers: Authorizer[] = [new PrivilegedGroupAuthorizer()];
  const resolvers: RuleResolver[] = [];
  const warnings: string[] = [];
  let rbac: RBACAuthorizer | undefined;
  for (const mode of options.modes) {
    const name = authorizerNameForMode(mode);
    let member: Authorizer & RuleResolver;
    switch (mode) {
      case 'AlwaysAllow':
        member = new AlwaysAllowAuthorizer(name);
        break;
      case 'AlwaysDeny':
        member = new AlwaysDenyAuthorizer(name);
        break;
      case 'Node':
        member = new NodeAuthorizer(name);
        break;
      case 'RBAC': {
        const merged = withBootstrapPolicy(options.rbacObjects ?? NO_RBAC_OBJECTS);
        warnings.push(...merged.warnings);
        rbac = new RBACAuthorizer(merged.objects, { name });
        warnings.push(...rbac.warnings);
        member = rbac;
        break;
      }
    }
    authorizers.push(member);
    resolvers.push(member);
  }
  const chain = {
    modes: Object.freeze([...options.modes]),
    authorizer: new UnionAuthorizer(authorizers),
    ruleResolver: new UnionRuleResolver(resolvers),
    warnings: Object.freeze(warnings),
  };
  return rbac ? { ...chain, rbac } : chain;
}
