/**
 * The request as doorman's engine sees it: one canonical parse of the request target, and the
 * RequestInfo that kube-apiserver derives from method + path. Every later stage (anonymous
 * conditions, authorization, audit, routing) reads these fields and never re-parses the URL.
 */

/** The single canonical parse of a request target. */
export interface CanonicalURL {
  /**
   * The request target as sent for origin-form (`/path?query`) and `*`; for absolute-form its
   * origin-form part, like Go's `URL.RequestURI()`. Used in audit `requestURI` and 500 messages.
   */
  readonly requestURI: string;
  /** The percent-decoded path (Go's `URL.Path`): what conditions, RBAC and routing compare. */
  readonly path: string;
  /** The raw query without `?` (Go's `URL.RawQuery`). */
  readonly rawQuery: string;
  /**
   * Decoded query parameters, in order, repeated keys kept, with Go `url.ParseQuery` rules
   * (pairs containing `;` or a bad escape are dropped). Shared: do not mutate.
   */
  readonly query: URLSearchParams;
}

/** kube-apiserver's request.RequestInfo. */
export interface RequestInfo {
  readonly isResourceRequest: boolean;
  readonly path: string;
  readonly verb: string;
  readonly apiPrefix: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  /** Path segments from the resource on; null for non-resource requests. */
  readonly parts: readonly string[] | null;
  /**
   * First raw `fieldSelector` / `labelSelector` query values, copied for list, watch and
   * deletecollection (not for the legacy `/watch/` prefix). `resolveRequestInfo` always sets
   * both, `''` when not copied; optional only so hand-built records may leave them out.
   */
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
}
