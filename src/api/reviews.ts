/**
 * The review APIs kubectl calls: authentication.k8s.io/v1 SelfSubjectReview and TokenReview,
 * authorization.k8s.io/v1 SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview
 * and SelfSubjectRulesReview. Create-only, nothing stored, each answered 201 with the object kube's
 * REST storage returns (pkg/registry/authentication/*, pkg/registry/authorization/*), after the
 * create handler's steps: decode, audit the request object, wipe system metadata, reconcile the
 * namespace, record managedFields, validate. The request itself was authorized (verb create) by
 * the engine before any of this runs.
 */
import { intersectAudiences } from '../authn/audiences.js';
import type { Authenticator, AuthnRequest, UserInfo } from '../authn/types.js';
import type { Attributes, Authorizer, RuleResolver } from '../authz/types.js';
import type { HandlerContext } from '../engine.js';
import { badRequestStatus, internalErrorStatus, invalidStatus } from './apierrors.js';
import { API_GROUPS, CORE_GROUP } from './catalog.js';
import { decodeCreateBody, groupVersionString, requestObjectJSON, type Scheme } from './decode.js';
import { encodeStruct, isObject, type GoObject, type GoValue, type StructType } from './gotypes.js';
import {
  LOCAL_SUBJECT_ACCESS_REVIEW,
  SELF_SUBJECT_ACCESS_REVIEW,
  SELF_SUBJECT_REVIEW,
  SELF_SUBJECT_RULES_REVIEW,
  SUBJECT_ACCESS_REVIEW,
  TOKEN_REVIEW,
} from './kinds.js';
import { managedFieldsFor, managerName, rfc3339Seconds } from './managedfields.js';
import { evaluationError, validateLocalSubjectAccessReview, validateSelfSubjectAccessReview, validateSubjectAccessReview } from './reviewvalidation.js';
import { encodeObject, type EngineResponse } from './status.js';

/** What the review APIs consult: the same chains the engine enforces with. */
export interface ReviewDeps {
  readonly authorizer: Authorizer;
  readonly ruleResolver: RuleResolver;
  /** Undefined when authentication is disabled (TokenReview then answers with an empty status). */
  readonly authenticator: Authenticator | undefined;
  /** `--api-audiences`: what a TokenReview without `spec.audiences` asks for (none by default). */
  readonly apiAudiences?: readonly string[] | undefined;
  /** Clock for creationTimestamp and managedFields; a test hook. */
  readonly now?: () => Date;
}

/** One review endpoint. */
export interface ReviewEndpoint {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  handle(ctx: HandlerContext, deps: ReviewDeps): Promise<EngineResponse>;
}

const AUTHN = 'authentication.k8s.io';
const AUTHZ = 'authorization.k8s.io';

/** Older versions kube-apiserver's scheme still registers for these groups (not served). */
const OLDER_VERSIONS: readonly (readonly [string, string, readonly string[]])[] = [
  [AUTHN, 'v1beta1', ['SelfSubjectReview', 'TokenReview']],
  [AUTHN, 'v1alpha1', ['SelfSubjectReview']],
  [AUTHZ, 'v1beta1', ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview']],
];

/** The kinds doorman knows per group/version: the catalog plus the older review versions. */
export const SCHEME: Scheme = (() => {
  const m = new Map<string, Set<string>>();
  const add = (gv: string, kind: string): void => {
    let s = m.get(gv);
    if (!s) m.set(gv, (s = new Set()));
    s.add(kind);
  };
  for (const g of [CORE_GROUP, ...API_GROUPS]) for (const v of g.versions) for (const r of v.resources) add(groupVersionString(g.name, v.version), r.kind);
  for (const [g, v, kinds] of OLDER_VERSIONS) for (const k of kinds) add(groupVersionString(g, v), k);
  return { kindsOf: (group: string, version: string) => m.get(groupVersionString(group, version)) };
})();

const str = (v: GoValue | undefined): string => (typeof v === 'string' ? v : '');
const strList = (v: GoValue | undefined): string[] => (Array.isArray(v) ? v.map((x) => str(x)) : []);
const obj = (v: GoValue | undefined): GoObject | undefined => (isObject(v) ? v : undefined);

function extraOf(v: GoValue | undefined): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  const o = obj(v);
  if (o) for (const [k, val] of Object.entries(o)) out[k] = strList(val);
  return out;
}

/** authentication/v1 UserInfo of a user, empty fields left out. */
function userInfo(u: UserInfo): GoObject {
  return { username: u.name, uid: u.uid, groups: [...u.groups], extra: Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, [...v]])) };
}

/** authorizationutil.ResourceAttributesFrom / NonResourceAttributesFrom. */
function attributesFrom(user: UserInfo, spec: GoObject): Attributes {
  const ra = obj(spec['resourceAttributes']);
  if (ra) {
    const version = str(ra['version']);
    return {
      user,
      verb: str(ra['verb']),
      isResourceRequest: true,
      path: '',
      apiGroup: str(ra['group']),
      apiVersion: version === '' ? '*' : version,
      namespace: str(ra['namespace']),
      resource: str(ra['resource']),
      subresource: str(ra['subresource']),
      name: str(ra['name']),
    };
  }
  const nra = obj(spec['nonResourceAttributes']) ?? {};
  return { user, verb: str(nra['verb']), isResourceRequest: false, path: str(nra['path']), apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '' };
}

/** The SubjectAccessReviewStatus for an authorizer's answer. */
async function accessStatus(deps: ReviewDeps, user: UserInfo, spec: GoObject): Promise<GoObject> {
  const r = await deps.authorizer.authorize(attributesFrom(user, spec));
  return {
    allowed: r.decision === 'Allow',
    denied: r.decision === 'Deny',
    reason: r.reason,
    evaluationError: evaluationError(r.error, obj(spec['resourceAttributes'])),
  };
}

/** The user a SubjectAccessReview asks about. */
function subjectOf(spec: GoObject): UserInfo {
  return { name: str(spec['user']), uid: str(spec['uid']), groups: strList(spec['groups']), extra: extraOf(spec['extra']) };
}

type RestResult = { readonly object: GoObject } | { readonly response: EngineResponse };

interface EndpointSpec {
  readonly group: string;
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly type: StructType;
  readonly internalPackage: string;
  /** True when the REST storage answers with the submitted object (which then carries managedFields). */
  readonly echoes: boolean;
  create(ctx: HandlerContext, object: GoObject, deps: ReviewDeps): Promise<RestResult> | RestResult;
}

const invalid = (group: string, errs: Parameters<typeof invalidStatus>[2], pretty: boolean): RestResult => ({
  // Review objects are converted to internal types, whose kind is empty: `.group "" is invalid`.
  response: invalidStatus({ group, kind: '' }, '', errs, pretty),
});

const noUser = (pretty: boolean): RestResult => ({ response: badRequestStatus('no user present on request', pretty) });

type Create = EndpointSpec['create'];

/** An endpoint of the group at `group`, converted into that group's internal package. */
function endpointOf(group: string, internalPackage: string) {
  return (resource: string, kind: string, type: StructType, o: { readonly namespaced?: boolean; readonly echoes: boolean }, create: Create): EndpointSpec => ({
    group,
    resource,
    kind,
    namespaced: o.namespaced ?? false,
    type,
    internalPackage,
    echoes: o.echoes,
    create,
  });
}
const authn = endpointOf(AUTHN, 'authentication');
const authz = endpointOf(AUTHZ, 'authorization');

/** SubjectAccessReview and LocalSubjectAccessReview: the named subject's access, once valid. */
async function subjectAccess(ctx: HandlerContext, object: GoObject, deps: ReviewDeps, errs: Parameters<typeof invalidStatus>[2]): Promise<RestResult> {
  if (errs.length > 0) return invalid(AUTHZ, errs, ctx.pretty);
  const spec = obj(object['spec']) ?? {};
  return { object: { ...object, status: await accessStatus(deps, subjectOf(spec), spec) } };
}

const ENDPOINTS: readonly EndpointSpec[] = [
  authn('selfsubjectreviews', 'SelfSubjectReview', SELF_SUBJECT_REVIEW, { echoes: false }, (ctx, _object, deps) => {
    if (!ctx.user) return noUser(ctx.pretty);
    const now = (deps.now ?? (() => new Date()))();
    return { object: { metadata: { creationTimestamp: rfc3339Seconds(now) }, status: { userInfo: userInfo(ctx.user) } } };
  }),
  authn('tokenreviews', 'TokenReview', TOKEN_REVIEW, { echoes: true }, async (ctx, object, deps) => {
    const spec = obj(object['spec']) ?? {};
    const token = str(spec['token']);
    if (token === '') return { response: badRequestStatus('token is required for TokenReview in authentication', ctx.pretty) };
    if (!deps.authenticator) return { object };
    // A request that carries nothing but the token, as kube-apiserver builds it, presented for
    // spec.audiences (or else the API audiences) when there are any.
    const wanted = strList(spec['audiences']);
    const auds = wanted.length > 0 ? wanted : (deps.apiAudiences ?? []);
    const request: AuthnRequest = { method: 'POST', path: '', headers: { authorization: `Bearer ${token}` }, ...(auds.length > 0 ? { audiences: auds } : {}) };
    const r = await deps.authenticator.authenticate(request);
    const status: GoObject = { authenticated: r.kind === 'authenticated' };
    if (r.kind === 'error') status['error'] = r.message;
    if (r.kind === 'authenticated') {
      const got = r.audiences ?? [];
      // A success for none of the audiences asked for: an audience-aware authenticator's, or anonymous's (none named).
      if (auds.length > 0 && intersectAudiences(auds, got).length === 0) return { response: internalErrorStatus('error validating audiences', ctx.pretty) };
      status['user'] = userInfo(r.user);
      status['audiences'] = [...got];
    }
    return { object: { ...object, status } };
  }),
  authz('selfsubjectaccessreviews', 'SelfSubjectAccessReview', SELF_SUBJECT_ACCESS_REVIEW, { echoes: true }, async (ctx, object, deps) => {
    const errs = validateSelfSubjectAccessReview(object);
    if (errs.length > 0) return invalid(AUTHZ, errs, ctx.pretty);
    if (!ctx.user) return noUser(ctx.pretty);
    const spec = obj(object['spec']) ?? {};
    return { object: { ...object, status: await accessStatus(deps, ctx.user, spec) } };
  }),
  authz('subjectaccessreviews', 'SubjectAccessReview', SUBJECT_ACCESS_REVIEW, { echoes: true }, (ctx, object, deps) =>
    subjectAccess(ctx, object, deps, validateSubjectAccessReview(object)),
  ),
  authz('localsubjectaccessreviews', 'LocalSubjectAccessReview', LOCAL_SUBJECT_ACCESS_REVIEW, { namespaced: true, echoes: true }, (ctx, object, deps) => {
    const errs = validateLocalSubjectAccessReview(object);
    // The REST storage's own checks, after validation (unreachable through the routes, kept as kube has them).
    const namespace = ctx.info.namespace;
    if (errs.length === 0 && namespace === '') return { response: badRequestStatus('namespace is required on this type: ', ctx.pretty) };
    if (errs.length === 0 && namespace !== str(obj(object['metadata'])?.['namespace'])) {
      return { response: badRequestStatus(`spec.resourceAttributes.namespace must match namespace: ${namespace}`, ctx.pretty) };
    }
    return subjectAccess(ctx, object, deps, errs);
  }),
  authz('selfsubjectrulesreviews', 'SelfSubjectRulesReview', SELF_SUBJECT_RULES_REVIEW, { echoes: false }, (ctx, object, deps) => {
    if (!ctx.user) return noUser(ctx.pretty);
    const namespace = str(obj(object['spec'])?.['namespace']);
    if (namespace === '') return { response: badRequestStatus('no namespace on request', ctx.pretty) };
    const rules = deps.ruleResolver.rulesFor(ctx.user, namespace);
    const status: GoObject = {
      resourceRules: rules.resourceRules.map((r) => ({ verbs: [...r.verbs], apiGroups: [...r.apiGroups], resources: [...r.resources], resourceNames: [...r.resourceNames] })),
      nonResourceRules: rules.nonResourceRules.map((r) => ({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] })),
      incomplete: rules.incomplete,
      evaluationError: rules.evaluationError ?? '',
    };
    // kube answers with a new object: the spec is not echoed.
    return { object: { status } };
  }),
];

/** metav1 system fields a create never keeps (rest.WipeObjectMetaSystemFields). */
const SYSTEM_FIELDS = ['creationTimestamp', 'uid', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'];

function endpoint(e: EndpointSpec): ReviewEndpoint {
  const version = 'v1';
  const apiVersion = groupVersionString(e.group, version);
  return {
    group: e.group,
    version,
    resource: e.resource,
    kind: e.kind,
    namespaced: e.namespaced,
    async handle(ctx, deps) {
      const target = { gvk: { group: e.group, version, kind: e.kind }, type: e.type, internalPackage: e.internalPackage, scheme: SCHEME };
      const decoded = await decodeCreateBody(ctx, target);
      if (!decoded.ok) return decoded.response;
      ctx.audit?.setRequestObject(requestObjectJSON(decoded.object, e.type), { group: e.group, version, resource: e.resource });

      const meta: GoObject = { ...(obj(decoded.object['metadata']) ?? {}) };
      for (const f of SYSTEM_FIELDS) delete meta[f];
      // EnsureObjectNamespaceMatchesRequestNamespace: default it, clear it, or refuse a mismatch.
      const requestNamespace = ctx.info.namespace;
      const objectNamespace = str(meta['namespace']);
      if (objectNamespace !== requestNamespace) {
        if (objectNamespace !== '' && requestNamespace !== '') {
          return badRequestStatus('the namespace of the provided object does not match the namespace sent on the request', ctx.pretty);
        }
        meta['namespace'] = requestNamespace;
      }
      let object: GoObject = { ...decoded.object, metadata: meta };
      if (e.echoes) {
        const manager = managerName(decoded.options.fieldManager, headerOf(ctx, 'user-agent'));
        const managedFields = managedFieldsFor(e.type, object, apiVersion, manager, (deps.now ?? (() => new Date()))());
        if (managedFields.length > 0) object = { ...object, metadata: { ...meta, managedFields } };
      }

      const result = await e.create(ctx, object, deps);
      if ('response' in result) return { ...result.response, warnings: decoded.warnings };
      const out = encodeStruct(e.type, { ...result.object, kind: e.kind, apiVersion });
      return { status: 201, headers: { 'Content-Type': 'application/json' }, body: encodeObject(out, ctx.pretty), apiObject: true, warnings: decoded.warnings };
    },
  };
}

function headerOf(ctx: HandlerContext, name: string): string | undefined {
  const v = ctx.request.headers[name];
  return Array.isArray(v) ? v[0] : (v as string | undefined);
}

/**
 * The six review endpoints, all at version v1.
 *
 * @example
 * REVIEW_ENDPOINTS.find((e) => e.resource === 'selfsubjectaccessreviews')?.handle(ctx, deps)
 */
export const REVIEW_ENDPOINTS: readonly ReviewEndpoint[] = ENDPOINTS.map(endpoint);
