/**
 * Kubernetes' CEL URL library (`url`, `isURL` and the `kubernetes.URL` accessors), as
 * k8s.io/apiserver/pkg/cel/library/urls.go declares it. kube accepts what Go's
 * url.ParseRequestURI accepts and then keeps what url.Parse makes of the string (both from the
 * port of Go's net/url in util/gourl).
 */
import { CelMap, CelOpaque } from '../value.js';
import { decl, fail, fn, instanceArg, method, stringArg, traversalCost, withCost, type FunctionDecl } from '../decl.js';
import { BOOL, STRING, listOf, mapOf, named } from '../types.js';
import { fromBytes, parseGoURL, parseQuery, parseRequestURIError, type GoURL } from '../../util/gourl.js';
// ---------------------------------------------------------------------------------------------
// The CEL library.

/** A `kubernetes.URL` value. */
export class CelURL extends CelOpaque {
  override readonly typeName = 'kubernetes.URL';
  constructor(readonly url: GoURL) {
    super();
  }
  /** kube compares the re-serialized URLs. */
  override equals(other: CelOpaque): boolean {
    return other instanceof CelURL && this.url.toString() === other.url.toString();
  }
  override toString(): string {
    return fromBytes(this.url.toString());
  }
}

export const URL_TYPE = named('kubernetes.URL');

const URL_ERROR = 'URL parse error during conversion from string: ';

/**
 * kube's stringToUrl: ParseRequestURI decides validity (it is what the OpenAPI 'uri' format
 * uses), then Parse builds the value, since ParseRequestURI would fold a #fragment into the path
 * or query.
 */
export function parseKubeURL(s: string): CelURL {
  const invalid = parseRequestURIError(s);
  if (invalid !== undefined) fail(`${URL_ERROR}${invalid}`);
  // Parse can still fail where ParseRequestURI did not look: a '#...' hidden in the query.
  const url = parseGoURL(s);
  if ('error' in url) fail(`${URL_ERROR}${url.error}`);
  return new CelURL(url);
}

function isKubeURL(s: string): boolean {
  return parseRequestURIError(s) === undefined;
}


function getQuery(u: GoURL): CelMap {
  const m = new CelMap();
  for (const [k, vs] of parseQuery(u.rawQuery)) m.set(fromBytes(k), vs.map(fromBytes));
  return m;
}

export const URL_LIBRARY: readonly FunctionDecl[] = [
  decl('url', withCost(fn('string_to_url', [STRING], URL_TYPE, (args) => parseKubeURL(stringArg(args, 0))), (a) => traversalCost(a))),
  decl('getScheme', method('url_get_scheme', URL_TYPE, [], STRING, (args) => fromBytes(instanceArg(args, 0, CelURL).url.scheme))),
  decl('getHost', method('url_get_host', URL_TYPE, [], STRING, (args) => fromBytes(instanceArg(args, 0, CelURL).url.host))),
  decl('getHostname', method('url_get_hostname', URL_TYPE, [], STRING, (args) => fromBytes(instanceArg(args, 0, CelURL).url.hostname()))),
  decl('getPort', method('url_get_port', URL_TYPE, [], STRING, (args) => fromBytes(instanceArg(args, 0, CelURL).url.port()))),
  decl('getEscapedPath', method('url_get_escaped_path', URL_TYPE, [], STRING, (args) => fromBytes(instanceArg(args, 0, CelURL).url.escapedPath()))),
  decl('getQuery', method('url_get_query', URL_TYPE, [], mapOf(STRING, listOf(STRING)), (args) => getQuery(instanceArg(args, 0, CelURL).url))),
  // kube's cost function has no case for isURL, so it costs the flat 1.
  decl('isURL', fn('is_url_string', [STRING], BOOL, (args) => isKubeURL(stringArg(args, 0)))),
];
