/**
 * meta/v1 `Status` responses exactly as kube-apiserver writes them: key order, omitted empty
 * fields, Go JSON escaping, pretty-printing for curl/Wget/browsers or `?pretty=true`, and the
 * headers of the 401 and 403 answers.
 */
import { goJSON, goJSONIndent } from '../util/gojson.js';
import { goQuote } from '../util/goquote.js';
import type { RequestInfo } from '../request/types.js';
import { parseGoBool } from '../util/goparse.js';

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/** meta/v1 StatusCause, in its JSON key order. */
export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** A buffered HTTP answer produced by the engine. */
export interface EngineResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The Status object, when the body is one (audit copies it into responseStatus). */
  readonly statusObject?: Status;
  /** The body is an API object (audit keeps it as responseObject at level RequestResponse). */
  readonly apiObject?: boolean;
  /** `Warning` header texts the handler adds (e.g. unknown fields in a request body). */
  readonly warnings?: readonly string[];
}

/** kube-apiserver's isPrettyPrint: `?pretty=<bool>` first, then the user agent. */
export function isPrettyPrint(query: URLSearchParams, userAgent: string | undefined): boolean {
  const pp = query.get('pretty');
  if (pp !== null && pp !== '') {
    try {
      return parseGoBool(pp);
    } catch {
      return false;
    }
  }
  const ua = userAgent ?? '';
  return ua.startsWith('curl') || ua.startsWith('Wget') || ua.startsWith('Mozilla/5.0');
}

/** Serializes an API object as kube-apiserver's JSON serializer does. */
export function encodeObject(obj: unknown, pretty: boolean): string {
  return pretty ? goJSONIndent(obj) : goJSON(obj);
}

/** A Status answer with its code, JSON body and the Status kept for audit. */
const JSON_ONLY: Readonly<Record<string, string>> = Object.freeze({ 'Content-Type': 'application/json' });
const JSON_NOSNIFF: Readonly<Record<string, string>> = Object.freeze({ 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });

// The two header sets nearly every Status answer uses are shared constants; others are copied
// key by key (a spread plus properties is slow in V8).
function withContentType(extra: Record<string, string>): Readonly<Record<string, string>> {
  const keys = Object.keys(extra);
  if (keys.length === 0) return JSON_ONLY;
  if (keys.length === 1 && extra['X-Content-Type-Options'] === 'nosniff') return JSON_NOSNIFF;
  const out: Record<string, string> = { 'Content-Type': 'application/json' };
  for (const k of keys) out[k] = extra[k] as string;
  return out;
}

export function statusResponse(status: Status, pretty: boolean, extraHeaders: Record<string, string> = {}): EngineResponse {
  return {
    status: status.code,
    headers: withContentType(extraHeaders),
    body: encodeObject(status, pretty),
    statusObject: status,
  };
}

const UNAUTHORIZED_STATUS: Status = Object.freeze({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: Object.freeze({}),
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
});
// The 401 never varies but by pretty-printing: build both once, not per request.
const UNAUTHORIZED = [statusResponse(UNAUTHORIZED_STATUS, false), statusResponse(UNAUTHORIZED_STATUS, true)] as const;

/** The 401 every failed authentication gets. */
export function unauthorized(pretty: boolean): EngineResponse {
  return UNAUTHORIZED[pretty ? 1 : 0];
}

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The inner forbidden message (responsewriters.forbiddenMessage), HTML-escaped. */
export function forbiddenMessage(userName: string, info: RequestInfo): string {
  const who = `User ${goQuote(userName)}`;
  if (!info.isResourceRequest) return htmlEscape(`${who} cannot ${info.verb} path ${goQuote(info.path)}`);
  const res = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const where = info.namespace ? `in the namespace ${goQuote(info.namespace)}` : 'at the cluster scope';
  return htmlEscape(`${who} cannot ${info.verb} resource ${goQuote(res)} in API group ${goQuote(info.apiGroup)} ${where}`);
}

/** The 403 for a denied request, with the authorizer's reason appended when non-empty. */
export function forbidden(userName: string, info: RequestInfo, reason: string, pretty: boolean): EngineResponse {
  let msg = forbiddenMessage(userName, info);
  if (reason !== '') msg += `: ${reason}`;
  const resource = info.isResourceRequest ? info.resource : '';
  const group = info.isResourceRequest ? info.apiGroup : '';
  const name = info.isResourceRequest ? info.name : '';
  const gr = group ? `${resource}.${group}` : resource;
  let message: string;
  if (gr === '') message = `forbidden: ${msg}`;
  else if (name === '') message = `${gr} is forbidden: ${msg}`;
  else message = `${gr} ${goQuote(name)} is forbidden: ${msg}`;
  const details: { name?: string; group?: string; kind?: string } = {};
  if (name) details.name = name;
  if (group) details.group = group;
  if (resource) details.kind = resource;
  return statusResponse(
    { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 },
    pretty,
    { 'X-Content-Type-Options': 'nosniff' },
  );
}

/** Plain-text 500 as responsewriters.InternalError writes it. */
export function internalError(requestURI: string, err: string): EngineResponse {
  return {
    status: 500,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    body: htmlEscape(`Internal Server Error: ${goQuote(requestURI)}: ${err}`) + '\n',
  };
}

/** Go's not-found handler: `404 page not found`. */
export function notFound(): EngineResponse {
  return {
    status: 404,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    body: '404 page not found\n',
  };
}

/** A 400 for a request target that cannot be parsed: Go's server answers before any handler, without detail. */
export function badRequest(): EngineResponse {
  return { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }, body: '400 Bad Request' };
}
