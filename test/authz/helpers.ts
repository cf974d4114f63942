/**
 * Small builders shared by the authorization tests: users, request attributes, and the RBAC
 * case fixture (test/fixtures/rbac-cases.json, transcribed from kubernetes/kubernetes tests).
 */
import { readFileSync } from 'node:fs';
import type { UserInfo } from '../../src/authn/types.js';
import type { Attributes } from '../../src/authz/types.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from '../../src/authz/rbac/types.js';

export function user(name: string, groups: readonly string[] = []): UserInfo {
  return { name, uid: '', groups, extra: {} };
}

export const ANONYMOUS = user('system:anonymous', ['system:unauthenticated']);

/** A non-resource request. */
export function nonResource(u: UserInfo | undefined, verb: string, path: string): Attributes {
  return {
    user: u,
    verb,
    isResourceRequest: false,
    path,
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
  };
}

/** A resource request; `resource` may be `pods/status`. */
export function resource(
  u: UserInfo | undefined,
  verb: string,
  resourceAndSub: string,
  opts: { readonly namespace?: string; readonly apiGroup?: string; readonly name?: string } = {},
): Attributes {
  const [res = '', sub = ''] = resourceAndSub.split('/');
  return {
    user: u,
    verb,
    isResourceRequest: true,
    path: '',
    apiGroup: opts.apiGroup ?? '',
    apiVersion: 'v1',
    namespace: opts.namespace ?? '',
    resource: res,
    subresource: sub,
    name: opts.name ?? '',
  };
}

export interface FixtureUser {
  readonly name?: string;
  readonly groups?: readonly string[];
}

export interface FixtureRequest {
  readonly resourceRequest: boolean;
  readonly user?: FixtureUser;
  readonly verb: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly apiGroup?: string;
  readonly name?: string;
  readonly path?: string;
  readonly expectedAllowed?: boolean;
}

export interface RbacCases {
  readonly authorizer: readonly {
    readonly name: string;
    readonly clusterRoles?: readonly ClusterRole[];
    readonly roles?: readonly Role[];
    readonly roleBindings?: readonly RoleBinding[];
    readonly clusterRoleBindings?: readonly ClusterRoleBinding[];
    readonly requests: readonly FixtureRequest[];
  }[];
  readonly ruleMatches: readonly {
    readonly name: string;
    readonly rule: PolicyRule;
    readonly cases: readonly { readonly request: FixtureRequest; readonly expected: boolean }[];
  }[];
  readonly resourceMatches: readonly {
    readonly name: string;
    readonly ruleResources: readonly string[];
    readonly combinedRequestedResource: string;
    readonly requestedSubresource: string;
    readonly expected: boolean;
  }[];
  readonly appliesTo: readonly {
    readonly name: string;
    readonly subjects: readonly Subject[];
    readonly user: FixtureUser;
    readonly namespace: string;
    readonly appliesTo: boolean;
    readonly index: number;
  }[];
  readonly reasonStrings: readonly {
    readonly description: string;
    readonly user?: FixtureUser;
    readonly request?: FixtureRequest;
    readonly decision?: string;
    readonly reason?: string;
    readonly reasonFormat?: string;
  }[];
}

export function loadCases(): RbacCases {
  return JSON.parse(readFileSync(new URL('../fixtures/rbac-cases.json', import.meta.url), 'utf8')) as RbacCases;
}

export function fixtureUser(u: FixtureUser | undefined): UserInfo {
  return user(u?.name ?? '', u?.groups ?? []);
}

export function fixtureAttributes(r: FixtureRequest, u?: FixtureUser): Attributes {
  return {
    user: fixtureUser(u ?? r.user),
    verb: r.verb,
    isResourceRequest: r.resourceRequest,
    path: r.path ?? '',
    apiGroup: r.apiGroup ?? '',
    apiVersion: '',
    namespace: r.namespace ?? '',
    resource: r.resource ?? '',
    subresource: r.subresource ?? '',
    name: r.name ?? '',
  };
}
