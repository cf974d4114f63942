/**
 * The request module's public surface: the one canonical parse of a request target and the
 * RequestInfo kube-apiserver derives from it. Everything downstream (authentication
 * conditions, authorization, audit, routing) reads these results and never re-parses the URL.
 */
export type { CanonicalURL, RequestInfo } from './types.js';
export { parseRequestTarget } from './url.js';
export { resolveRequestInfo, isLongRunning, type RequestInfoResolution } from './requestinfo.js';
export { firstHeader, type HeaderMap } from './headers.js';
