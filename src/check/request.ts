/**
 * What `doorman check` is asked: a method, a URL, an identity and extra headers, turned into the
 * EngineRequest the HTTPS server would hand the engine. Input that could never reach the server
 * (an unknown method, a URL that is not a request target, a header without a colon, identity
 * flags that contradict each other) is a `REQUEST_INVALID` DoormanError with one line naming the
 * problem; input the server would answer (a bad percent-escape: 400) is left to the engine.
 */
import { METHODS } from 'node:http';
import { DoormanError } from '../errors.js';

/** The authenticator name `check` reports for `--user`: nothing was authenticated. */
export const ASSERTED_AUTHENTICATOR = 'asserted';

/** Who the request comes from. At most one of token / client certificate / asserted user. */
export interface CheckIdentity {
  /** `--token`: sent as `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** `--client-cert FILE`: presented on the (simulated) TLS connection. */
  readonly clientCertFile?: string | undefined;
  /** `--user/--group/--uid`: an asserted identity; authentication is skipped. */
  readonly user?: { readonly name: string; readonly groups: readonly string[]; readonly uid: string } | undefined;
  /** `--as`, `--as-group`, `--as-uid`: impersonation headers, as kubectl sends them. */
  readonly as?: string | undefined;
  readonly asGroups?: readonly string[] | undefined;
  readonly asUid?: string | undefined;
}

/** One request to check. */
export interface CheckRequest {
  readonly method: string;
  /** `/path?query`, or an absolute `https://host/path?query` (its origin-form is used). */
  readonly url: string;
  readonly identity: CheckIdentity;
  /** `Name: value` lines (`-H`), e.g. `User-Agent: curl/8.5.0`. */
  readonly headers?: readonly string[] | undefined;
  /** The client address the server would see; 127.0.0.1 by default. */
  readonly sourceIP?: string | undefined;
}

function invalid(message: string): DoormanError {
  return new DoormanError('REQUEST_INVALID', message);
}

const KNOWN_METHODS: ReadonlySet<string> = new Set(METHODS);

/** The method as sent on the request line (upper case); unknown methods are refused. */
export function normalizeMethod(method: string): string {
  const m = method.toUpperCase();
  if (!KNOWN_METHODS.has(m)) throw invalid(`unknown method ${JSON.stringify(method)}: use an HTTP method such as GET, HEAD, POST, PUT, PATCH or DELETE`);
  return m;
}

/**
 * The request target a client would put on the request line: origin-form as given, or the
 * path and query of an absolute http(s) URL (its fragment dropped, as clients do).
 */
export function requestTarget(url: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(url)) throw invalid(`malformed URL ${JSON.stringify(url)}: whitespace and control characters cannot be sent in a request target`);
  if (url.startsWith('/')) return url;
  const abs = /^https?:\/\/[^/?#]+/i.exec(url);
  if (abs) {
    const rest = url.slice(abs[0].length).replace(/#.*$/s, '');
    return rest.startsWith('/') ? rest : `/${rest}`;
  }
  throw invalid(`malformed URL ${JSON.stringify(url)}: give a path starting with "/" (e.g. /apis) or an absolute https:// URL`);
}

/** Lower-cased header map from the request's identity and `Name: value` lines. */
export function requestHeaders(req: Pick<CheckRequest, 'identity' | 'headers'>): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const add = (name: string, value: string): void => {
    const prev = headers[name];
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  };
  for (const line of req.headers ?? []) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw invalid(`malformed header ${JSON.stringify(line)}: expected "Name: value"`);
    add(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const id = req.identity;
  if (id.user && (id.token !== undefined || id.clientCertFile !== undefined)) {
    throw invalid('--user asserts an identity without authentication; it cannot be combined with --token or --client-cert');
  }
  if (id.token !== undefined) {
    if (headers['authorization'] !== undefined) throw invalid('--token and an Authorization header cannot both be given');
    add('authorization', `Bearer ${id.token}`);
  }
  if (id.as !== undefined) add('impersonate-user', id.as);
  for (const g of id.asGroups ?? []) add('impersonate-group', g);
  if (id.asUid !== undefined) add('impersonate-uid', id.asUid);
  return headers;
}
