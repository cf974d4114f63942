/**
 * User impersonation as kube-apiserver's impersonation filter does it
 * (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): the `Impersonate-User`,
 * `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>` headers each become a
 * request to act as something (a user or service account, a group, a UID, an extra value), each
 * authorized with verb `impersonate` for the authenticated requestor; the first one not allowed
 * forbids the request. When all are allowed the request continues as the new user, with
 * `system:authenticated` (or `system:unauthenticated` for `system:anonymous`) added as kube adds
 * it, and the impersonation headers removed. Groups, extras or a UID without a user is a 400.
 *
 * Pure: it returns an outcome and the engine turns it into a response, so `check` and `serve`
 * agree.
 */
import { ANONYMOUS_USER, AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP, type UserInfo } from '../authn/types.js';
import type { Attributes, Authorizer } from './types.js';

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

const USER = 'impersonate-user';
const GROUP = 'impersonate-group';
const UID = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';
const AUTHENTICATION_GROUP = 'authentication.k8s.io';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** One thing the requestor asks to act as (kube's ObjectReference per header value). */
export interface ImpersonationRequest {
  readonly kind: 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';
  readonly namespace: string;
  readonly name: string;
  /** `authentication.k8s.io/v1` for UserExtra and UID. */
  readonly apiVersion: string;
  /** The extra key, for UserExtra. */
  readonly fieldPath: string;
}

export type ImpersonationOutcome =
  /** No impersonation headers: the request goes on as the authenticated user. */
  | { readonly kind: 'none' }
  /** Every request allowed: go on as `user` (audit records it as impersonatedUser). */
  | { readonly kind: 'impersonated'; readonly user: UserInfo; readonly requests: readonly ImpersonationRequest[] }
  /** A bad header combination: kube answers 400 BadRequest with this message. */
  | { readonly kind: 'bad-request'; readonly message: string }
  /** Headers present but nobody authenticated: kube answers a plain 500 with this message. */
  | { readonly kind: 'internal-error'; readonly message: string }
  /** The first request not allowed: 403 for these attributes, with the authorizer's reason. */
  | { readonly kind: 'forbidden'; readonly attributes: Attributes; readonly reason: string };

const NONE: ImpersonationOutcome = Object.freeze({ kind: 'none' });

function values(headers: Headers, name: string): readonly string[] {
  const v = headers[name];
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : v;
}

/**
 * True when any `Impersonate-*` header kube-apiserver acts on is present; a cheap test for the
 * hot path.
 */
export function hasImpersonationHeaders(headers: Headers): boolean {
  for (const k in headers) {
    if (k.startsWith('impersonate-') && (k === USER || k === GROUP || k === UID || k.startsWith(EXTRA_PREFIX))) return true;
  }
  return false;
}

/** url.PathUnescape, falling back to the key as sent when an escape is malformed. */
function unescapeExtraKey(encoded: string): string {
  if (!encoded.includes('%')) return encoded;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded.charCodeAt(i);
    if (c === 0x25) {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return encoded;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(encoded[i] as string, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** serviceaccount.SplitUsername: `system:serviceaccount:<namespace>:<name>` with valid parts. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace = '', name = ''] = parts;
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) return undefined;
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) return undefined;
  return { namespace, name };
}

/** buildImpersonationRequests: user (or service account), groups, extras, then the UID. */
function buildRequests(headers: Headers): { requests: ImpersonationRequest[]; hasUser: boolean; hasOthers: boolean } {
  const requests: ImpersonationRequest[] = [];
  const user = values(headers, USER)[0] ?? '';
  if (user !== '') {
    const sa = splitServiceAccountUsername(user);
    requests.push(
      sa
        ? { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name, apiVersion: '', fieldPath: '' }
        : { kind: 'User', namespace: '', name: user, apiVersion: '', fieldPath: '' },
    );
  }
  const groups = values(headers, GROUP);
  for (const g of groups) requests.push({ kind: 'Group', namespace: '', name: g, apiVersion: '', fieldPath: '' });
  let hasExtra = false;
  for (const header in headers) {
    if (!header.startsWith(EXTRA_PREFIX)) continue;
    hasExtra = true;
    const key = unescapeExtraKey(header.slice(EXTRA_PREFIX.length).toLowerCase());
    for (const v of values(headers, header)) requests.push({ kind: 'UserExtra', namespace: '', name: v, apiVersion: `${AUTHENTICATION_GROUP}/v1`, fieldPath: key });
  }
  const uid = values(headers, UID)[0] ?? '';
  if (uid !== '') requests.push({ kind: 'UID', namespace: '', name: uid, apiVersion: `${AUTHENTICATION_GROUP}/v1`, fieldPath: '' });
  return { requests, hasUser: user !== '', hasOthers: groups.length > 0 || hasExtra || uid !== '' };
}

/** Go's `%v` of a []v1.ObjectReference, as the 400 message prints the requests. */
export function formatRequests(requests: readonly ImpersonationRequest[]): string {
  const one = (r: ImpersonationRequest): string => `{${[r.kind, r.namespace, r.name, '', r.apiVersion, '', r.fieldPath].join(' ')}}`;
  return `[${requests.map(one).join(' ')}]`;
}

/** The attributes one request is authorized with. */
function attributesFor(requestor: UserInfo, r: ImpersonationRequest): Attributes {
  const [group = '', version = ''] = r.apiVersion === '' ? [] : r.apiVersion.split('/');
  const resource = { ServiceAccount: 'serviceaccounts', User: 'users', Group: 'groups', UserExtra: 'userextras', UID: 'uids' }[r.kind];
  return {
    user: requestor,
    verb: 'impersonate',
    isResourceRequest: true,
    path: '',
    apiGroup: group,
    apiVersion: version,
    namespace: r.namespace,
    resource,
    subresource: r.kind === 'UserExtra' ? r.fieldPath : '',
    name: r.name,
  };
}

/**
 * Applies the impersonation headers of a request for `requestor`, asking `authorizer` about each.
 *
 * @example
 * const out = await impersonate(chain, { 'impersonate-user': 'bob' }, admin);
 * // { kind: 'impersonated', user: { name: 'bob', uid: '', groups: ['system:authenticated'], extra: {} }, requests: [...] }
 */
export async function impersonate(authorizer: Authorizer, headers: Headers, requestor: UserInfo | undefined): Promise<ImpersonationOutcome> {
  if (!hasImpersonationHeaders(headers)) return NONE;
  const { requests, hasUser, hasOthers } = buildRequests(headers);
  if (hasOthers && !hasUser) return { kind: 'bad-request', message: `requested ${formatRequests(requests)} without impersonating a user` };
  if (requests.length === 0) return NONE;
  if (!requestor) return { kind: 'internal-error', message: 'no user found for request' };

  // Groups given explicitly are the whole truth; otherwise a service account has its fixed groups.
  const groupsSpecified = values(headers, GROUP).length > 0;
  let username = '';
  let uid = '';
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    const attributes = attributesFor(requestor, r);
    switch (r.kind) {
      case 'ServiceAccount':
        username = `${SERVICE_ACCOUNT_PREFIX}${r.namespace}:${r.name}`;
        if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
        break;
      case 'User':
        username = r.name;
        break;
      case 'Group':
        groups.push(r.name);
        break;
      case 'UserExtra':
        (extra[r.fieldPath] ??= []).push(r.name);
        break;
      case 'UID':
        uid = r.name;
        break;
    }
    const decision = await authorizer.authorize(attributes);
    // An evaluation error forbids too: impersonation is never granted on a failed check.
    if (decision.decision !== 'Allow') return { kind: 'forbidden', attributes, reason: decision.reason };
  }

  if (username !== ANONYMOUS_USER) {
    if (!groups.includes(AUTHENTICATED_GROUP) && !groups.includes(UNAUTHENTICATED_GROUP)) groups.push(AUTHENTICATED_GROUP);
  } else if (!groups.includes(UNAUTHENTICATED_GROUP)) {
    groups.push(UNAUTHENTICATED_GROUP);
  }
  return { kind: 'impersonated', user: { name: username, uid, groups, extra }, requests };
}

/** The request's headers without the impersonation ones, as kube strips them before the handler. */
export function withoutImpersonationHeaders(headers: Headers): Headers {
  const out: Record<string, string | readonly string[] | undefined> = {};
  for (const k in headers) {
    if (k === USER || k === GROUP || k === UID || k.startsWith(EXTRA_PREFIX)) continue;
    out[k] = headers[k];
  }
  return out;
}
