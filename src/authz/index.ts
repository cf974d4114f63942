/**
 * doorman's authorization: the interfaces, the built-in authorizers, RBAC (matching, bootstrap
 * policy, aggregation, loading), the union, impersonation, and `--authorization-mode` handling.
 * This is the `doorman/authz` entry point.
 */
export type {
  Attributes,
  AuthorizationResult,
  Authorizer,
  Decision,
  NonResourceRuleInfo,
  RBACTrace,
  ResourceRuleInfo,
  RuleResolver,
  SubjectRules,
} from './types.js';
export {
  AlwaysAllowAuthorizer,
  AlwaysDenyAuthorizer,
  NodeAuthorizer,
  PrivilegedGroupAuthorizer,
  PRIVILEGED_GROUP_AUTHORIZER_NAME,
} from './builtin.js';
export { UnionAuthorizer, UnionRuleResolver } from './union.js';
export {
  AUTHORIZATION_MODE_CHOICES,
  DEFAULT_ALWAYS_ALLOW_WARNING,
  SUPPORTED_AUTHORIZATION_MODES,
  authorizerNameForMode,
  buildAuthorizerChain,
  parseAuthorizationModes,
  splitAuthorizationModeFlag,
  validateAuthorizationModes,
  type AuthorizationMode,
  type AuthorizationModeChoice,
  type AuthorizerChain,
  type AuthorizerChainOptions,
  type ParsedAuthorizationModes,
} from './modes.js';
export { buildAuthorizer, type AuthorizerSetup, type AuthorizerSetupOptions } from './setup.js';
export {
  RBACAuthorizer,
  roleNotFoundMessage,
  unsupportedRoleRefMessage,
  type RBACAuthorizerOptions,
} from './rbac/authorizer.js';
export {
  appliesTo,
  appliesToUser,
  apiGroupMatches,
  describeBinding,
  describeSubject,
  nonResourceURLMatches,
  resourceMatches,
  resourceNameMatches,
  ruleAllows,
  serviceAccountUsername,
  verbMatches,
  type RuleRequest,
} from './rbac/match.js';
export { aggregateClusterRoles, rulesEqual, type AggregationResult } from './rbac/aggregate.js';
export { labelSelectorMatches, validateLabelSelector, LABEL_SELECTOR_OPERATORS } from './rbac/selector.js';
export {
  BOOTSTRAP_CLUSTER_ROLES,
  BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
  BOOTSTRAP_POLICY,
  withBootstrapPolicy,
  type MergedPolicy,
} from './rbac/bootstrap.js';
export { loadRbacObjects, parseRbacDocuments, type LoadedRbac } from './rbac/load.js';
export {
  defaultBinding,
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
} from './rbac/validate.js';
export {
  NO_RBAC_OBJECTS,
  RBAC_API_VERSION,
  RBAC_GROUP,
  type AggregationRule,
  type ClusterRole,
  type ClusterRoleBinding,
  type LabelSelector,
  type LabelSelectorRequirement,
  type ObjectMeta,
  type PolicyRule,
  type RbacObjects,
  type Role,
  type RoleBinding,
  type RoleRef,
  type Subject,
} from './rbac/types.js';
export { attributesFor } from './attributes.js';
export {
  hasImpersonationHeaders,
  impersonate,
  splitServiceAccountUsername,
  withoutImpersonationHeaders,
  type ImpersonationOutcome,
  type ImpersonationRequest,
} from './impersonation.js';
