/**
 * RequestInfo resolution: from method + canonical URL to the attributes kube-apiserver
 * authorizes and audits (verb, API group/version, namespace, resource, subresource, name), the
 * behaviour of k8s.io/apiserver's `RequestInfoFactory.NewRequestInfo` as configured by
 * kube-apiserver (API prefixes `api` and `apis`, `api` groupless), targeting v1.35. It runs on
 * every request, so it allocates one record and one path split and compiles nothing per call.
 */
import {
  fieldSelectorExactMatch,
  INVALID_SELECTOR,
  isGoInt64,
  isValidLabelSelector,
  isValidPathSegmentName,
} from './selectors.js';
import type { CanonicalURL, RequestInfo } from './types.js';

/**
 * The resolver's answer. `error` is set only for `/{prefix}/[{group}/]{version}/watch` and
 * `.../proxy` with nothing after the special verb; `info` then still holds what was known
 * (a resource request with prefix, group and version; verb = lower-cased method; parts null).
 *
 * kube-apiserver's RequestInfo filter (staging/src/k8s.io/apiserver/pkg/endpoints/filters/
 * requestinfo.go) answers any resolver error with `responsewriters.InternalError`, i.e. Go's
 * `http.Error` with status 500, `Content-Type: text/plain; charset=utf-8`,
 * `X-Content-Type-Options: nosniff`, and the body
 * `Internal Server Error: <%q of the raw request URI>: failed to create RequestInfo: <error>\n`
 * with `&`, `<`, `>` then HTML-escaped (responsewriters/errors.go `sanitizer`). The request
 * stops there: in `DefaultBuildHandlerChain` (pkg/server/config.go) only audit-init (the
 * `Audit-ID` header), panic recovery and the received-timestamp filter wrap RequestInfo, so
 * there is no authentication, no audit event and no authorization.
 */
export interface RequestInfoResolution {
  readonly info: RequestInfo;
  /** Resolver error text, e.g. `unable to determine kind and namespace from url, /api/v1/watch`. */
  readonly error?: string;
}

function emptyInfo(path: string, verb: string): Mutable<RequestInfo> {
  // Every field present, in one order: one object shape for V8, and the selectors are '' like
  // Go's zero values (AuthorizeWithSelectors is GA and locked on since v1.34).
  return {
    isResourceRequest: false,
    path,
    verb,
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: null,
    fieldSelector: '',
    labelSelector: '',
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Kube verb for an HTTP method on a resource path; unknown methods get the empty verb. */
function verbForMethod(method: string): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return '';
  }
}

/** Go `strings.EqualFold(v, "false")`: ASCII case-insensitive, plus U+017F (ſ) folding to `s`. */
function equalFoldFalse(v: string): boolean {
  if (v.length !== 5) return false;
  const lower = v.toLowerCase();
  return lower === 'false' || (lower.slice(0, 3) === 'fal' && v.charCodeAt(3) === 0x17f && lower[4] === 'e');
}

/**
 * The list options kube-apiserver decodes from the query (metainternalversion.ListOptions via
 * the parameter codec), reduced to what RequestInfo uses: did decoding succeed, and the
 * `metadata.name` the field selector pins. Decoding fails when `timeoutSeconds` or `limit` is
 * not an int64, or the field or label selector does not parse. (`watch`, `allowWatchBookmarks`,
 * `sendInitialEvents`, ... never fail: any value but `0`/`false` is true.)
 */
function decodedSelectorName(q: URLSearchParams): string | undefined | typeof INVALID_SELECTOR {
  const timeout = q.get('timeoutSeconds');
  if (timeout !== null && !isGoInt64(timeout)) return INVALID_SELECTOR;
  const limit = q.get('limit');
  if (limit !== null && !isGoInt64(limit)) return INVALID_SELECTOR;
  const fieldSelector = q.get('fieldSelector');
  const name = fieldSelector === null ? undefined : fieldSelectorExactMatch(fieldSelector, 'metadata.name');
  if (name === INVALID_SELECTOR) return name;
  const labelSelector = q.get('labelSelector');
  if (labelSelector !== null && !isValidLabelSelector(labelSelector)) return INVALID_SELECTOR;
  return name;
}

/**
 * Resolves the RequestInfo of a request, as kube-apiserver v1.35 does.
 *
 * - `/api/{v}/...` and `/apis/{g}/{v}/...` with at least one segment after the version are
 *   resource requests; everything else is a non-resource request with verb = lower-cased
 *   method (`HEAD /healthz` is `head`). `/apis/{g}/{v}` keeps `apiPrefix: 'apis'`.
 * - Segments come from the decoded path (`%2F` splits), with leading/trailing `/` trimmed and
 *   empty inner segments kept.
 * - GET/HEAD without a name is `list`, or `watch` when the `watch` query value is present and
 *   not `0`/`false` (case-insensitive; empty counts as true). A field selector pinning
 *   `metadata.name` (`metadata.name=x` or `==x`) sets `name` when every list option decodes
 *   and `x` is a valid path segment name; the verb stays list/watch.
 * - DELETE without a name is `deletecollection`.
 * - `fieldSelector`/`labelSelector` (first raw values) are copied for list, watch and
 *   deletecollection, except when the verb came from the legacy `/watch/` path prefix; they
 *   are always present, `''` when not copied.
 *
 * Never throws, for any method or path. Callers must not mutate the returned record.
 *
 * @example
 * const { info } = resolveRequestInfo('GET', parseRequestTarget('/api/v1/namespaces/ns/pods?watch=1'));
 * // info.verb === 'watch', info.namespace === 'ns', info.resource === 'pods'
 */
export function resolveRequestInfo(method: string, url: CanonicalURL): RequestInfoResolution {
  const path = url.path;
  const info = emptyInfo(path, method.toLowerCase());

  // Split with leading and trailing slashes trimmed (all of them, as Go's strings.Trim does).
  let from = 0;
  let to = path.length;
  while (from < to && path.charCodeAt(from) === 0x2f) from++;
  while (to > from && path.charCodeAt(to - 1) === 0x2f) to--;
  if (from === to) return { info };
  const seg = path.slice(from, to).split('/');
  if (seg.length < 3) return { info };

  const prefix = seg[0] as string;
  if (prefix !== 'api' && prefix !== 'apis') return { info };
  info.apiPrefix = prefix;
  let i = 1;
  if (prefix === 'apis') {
    // The grouped prefix needs group, version and at least one more segment.
    if (seg.length - i < 3) return { info };
    info.apiGroup = seg[i++] as string;
  }

  info.isResourceRequest = true;
  info.apiVersion = seg[i++] as string;

  // seg.length - i >= 1 from here on: both prefixes guarantee a segment after the version.
  let verbViaPathPrefix = false;
  const special = seg[i] as string;
  if (special === 'watch' || special === 'proxy') {
    if (seg.length - i < 2) {
      // Go prints `req.URL` here; for origin-form that is the request URI as sent.
      return { info, error: `unable to determine kind and namespace from url, ${url.requestURI}` };
    }
    info.verb = special;
    i++;
    verbViaPathPrefix = true;
  } else {
    info.verb = verbForMethod(method);
  }

  if (seg[i] === 'namespaces' && seg.length - i > 1) {
    info.namespace = seg[i + 1] as string;
    // `/namespaces/{ns}/{resource}/...`, unless the third segment is a subresource of the
    // Namespace object itself (`status`, `finalize`): then the request is about namespace {ns}.
    const third = seg[i + 2];
    if (third !== undefined && third !== 'status' && third !== 'finalize') i += 2;
  }

  const parts = seg.slice(i);
  info.parts = parts;
  const n = parts.length;
  if (n >= 1) info.resource = parts[0] as string;
  if (n >= 2) info.name = parts[1] as string;
  // The `/proxy/` prefix form takes no subresource: the rest is the proxied path.
  if (n >= 3 && info.verb !== 'proxy') info.subresource = parts[2] as string;

  if (info.name === '' && info.verb === 'get') {
    const q = url.query;
    const watch = q.get('watch');
    const name = q.size === 0 ? undefined : decodedSelectorName(q);
    if (name === INVALID_SELECTOR) {
      // Upstream logs the decode error and falls back to reading `watch` alone, with a plain
      // lower-case comparison instead of the codec's EqualFold.
      const w = watch?.toLowerCase();
      info.verb = watch === null || w === 'false' || w === '0' ? 'list' : 'watch';
    } else {
      info.verb = watch === null || watch === '0' || equalFoldFalse(watch) ? 'list' : 'watch';
      if (name !== undefined && isValidPathSegmentName(name)) info.name = name;
    }
  }

  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';

  if (!verbViaPathPrefix && (info.verb === 'list' || info.verb === 'watch' || info.verb === 'deletecollection')) {
    const q = url.query;
    info.fieldSelector = q.get('fieldSelector') ?? '';
    info.labelSelector = q.get('labelSelector') ?? '';
  }

  return { info };
}

/**
 * kube-apiserver's long-running request predicate (`BasicLongRunningRequestCheck` with the
 * sets kube-apiserver configures): verbs `watch` and `proxy`; resource requests for the
 * subresources `attach`, `exec`, `proxy`, `log` and `portforward`; and non-resource paths under
 * `/debug/pprof/`. Long-running requests get a ResponseStarted audit stage and no request timeout.
 * @example
 * isLongRunning(resolveRequestInfo('GET', parseRequestTarget('/api/v1/pods?watch=true')).info); // true
 */
export function isLongRunning(info: RequestInfo): boolean {
  if (info.verb === 'watch' || info.verb === 'proxy') return true;
  if (info.isResourceRequest) {
    switch (info.subresource) {
      case 'attach':
      case 'exec':
      case 'proxy':
      case 'log':
      case 'portforward':
        return true;
      default:
        return false;
    }
  }
  return info.path.startsWith('/debug/pprof/');
}
