/**
 * Turning audit events into bytes, and the request facts that go into them. `serializeEvent`
 * writes exactly what kube-apiserver's JSON encoder writes for an audit.k8s.io/v1 Event (Go
 * struct field order, omitempty, sorted map keys, Go string escaping, MicroTime); `formatLegacy`
 * writes the one-line `--audit-log-format=legacy` text of `audit/format.go`. `sourceIPs` and
 * `truncateUserAgent` reproduce `utilnet.SourceIPs` and `maybeTruncateUserAgent`.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { UserInfo } from '../authn/types.js';
import { goQuote } from '../util/goquote.js';
import { goJSONString } from './gojson.js';
import { firstHeader } from '../request/headers.js';
import { formatMicroTime, formatRFC3339Nano } from './time.js';
import {
  AUDIT_API_VERSION,
  type AuditEvent,
  type AuditUserInfo,
  type ObjectReference,
  type ResponseStatus,
  type StatusDetails,
} from './types.js';

const MAX_USER_AGENT_BYTES = 1024;
const USER_AGENT_TRUNCATE_SUFFIX = '...TRUNCATED';

// Events repeat a small vocabulary (levels, stages, verbs, URIs, agents, annotation keys and
// reasons): quote each distinct string once (bounded). Audit IDs are unique and skip this.
const quotedStrings = new Map<string, string>();
const MAX_QUOTED = 4096;
const MAX_QUOTED_LENGTH = 512;

function quote(s: string): string {
  let q = quotedStrings.get(s);
  if (q === undefined) {
    q = goJSONString(s);
    if (s.length <= MAX_QUOTED_LENGTH) {
      if (quotedStrings.size >= MAX_QUOTED) quotedStrings.clear();
      quotedStrings.set(s, q);
    }
  }
  return q;
}

function sortedKeys(o: Readonly<Record<string, unknown>>): string[] {
  // Go's encoding/json sorts map keys by their bytes.
  return Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function stringArray(list: readonly string[]): string {
  return `[${list.map(quote).join(',')}]`;
}

const userJSONCache = new WeakMap<AuditUserInfo, string>();

function userJSON(u: AuditUserInfo): string {
  // Events of one user repeat the same bytes; frozen users are encoded once.
  const known = userJSONCache.get(u);
  if (known !== undefined) return known;
  const json = encodeUser(u);
  if (Object.isFrozen(u)) userJSONCache.set(u, json);
  return json;
}

function encodeUser(u: AuditUserInfo): string {
  const parts: string[] = [];
  if (u.username) parts.push(`"username":${goJSONString(u.username)}`);
  if (u.uid) parts.push(`"uid":${goJSONString(u.uid)}`);
  if (u.groups && u.groups.length > 0) parts.push(`"groups":${stringArray(u.groups)}`);
  if (u.extra) {
    const keys = sortedKeys(u.extra);
    if (keys.length > 0) {
      parts.push(`"extra":{${keys.map((k) => `${goJSONString(k)}:${stringArray(u.extra?.[k] ?? [])}`).join(',')}}`);
    }
  }
  return `{${parts.join(',')}}`;
}

const OBJECT_REF_FIELDS = ['resource', 'namespace', 'name', 'uid', 'apiGroup', 'apiVersion', 'resourceVersion', 'subresource'] as const;

function objectRefJSON(r: ObjectReference): string {
  const parts: string[] = [];
  for (const f of OBJECT_REF_FIELDS) {
    const v = r[f];
    if (v) parts.push(`"${f}":${goJSONString(v)}`);
  }
  return `{${parts.join(',')}}`;
}

function detailsJSON(d: StatusDetails): string {
  const parts: string[] = [];
  for (const f of ['name', 'group', 'kind', 'uid'] as const) {
    const v = d[f];
    if (v) parts.push(`"${f}":${goJSONString(v)}`);
  }
  if (d.causes && d.causes.length > 0) {
    const causes = d.causes.map((c) => {
      const cp: string[] = [];
      if (c.reason) cp.push(`"reason":${goJSONString(c.reason)}`);
      if (c.message) cp.push(`"message":${goJSONString(c.message)}`);
      if (c.field) cp.push(`"field":${goJSONString(c.field)}`);
      return `{${cp.join(',')}}`;
    });
    parts.push(`"causes":[${causes.join(',')}]`);
  }
  if (d.retryAfterSeconds) parts.push(`"retryAfterSeconds":${Math.trunc(d.retryAfterSeconds)}`);
  return `{${parts.join(',')}}`;
}

/** meta/v1 Status as written inside an event: `metadata` first and always, then the set fields. */
export function responseStatusJSON(s: ResponseStatus): string {
  let out = '{"metadata":{}';
  if (s.status) out += `,"status":${goJSONString(s.status)}`;
  if (s.message) out += `,"message":${goJSONString(s.message)}`;
  if (s.reason) out += `,"reason":${goJSONString(s.reason)}`;
  if (s.details) out += `,"details":${detailsJSON(s.details)}`;
  if (s.code) out += `,"code":${Math.trunc(s.code)}`;
  return `${out}}`;
}

/**
 * Serializes one event as kube-apiserver's JSON encoder does (no trailing newline).
 * `requestObject`/`responseObject` are written as stored: the recorder stores them compacted.
 *
 * @example
 * logFile.write(serializeEvent(event) + '\n');
 */
export function serializeEvent(e: AuditEvent, apiVersion: string = AUDIT_API_VERSION, withTypeMeta = true): string {
  let out = withTypeMeta ? `{"kind":"Event","apiVersion":${quote(apiVersion)},` : '{';
  out += `"level":${quote(e.level)},"auditID":${goJSONString(e.auditID)},"stage":${quote(e.stage)}`;
  out += `,"requestURI":${quote(e.requestURI)},"verb":${quote(e.verb)},"user":${userJSON(e.user)}`;
  if (e.impersonatedUser) out += `,"impersonatedUser":${userJSON(e.impersonatedUser)}`;
  if (e.sourceIPs && e.sourceIPs.length > 0) out += `,"sourceIPs":${stringArray(e.sourceIPs)}`;
  if (e.userAgent) out += `,"userAgent":${quote(e.userAgent)}`;
  if (e.objectRef) out += `,"objectRef":${objectRefJSON(e.objectRef)}`;
  if (e.responseStatus) out += `,"responseStatus":${responseStatusJSON(e.responseStatus)}`;
  if (e.requestObject !== undefined) out += `,"requestObject":${e.requestObject}`;
  if (e.responseObject !== undefined) out += `,"responseObject":${e.responseObject}`;
  out += `,"requestReceivedTimestamp":"${formatMicroTime(e.requestReceivedTimestamp)}"`;
  out += `,"stageTimestamp":"${formatMicroTime(e.stageTimestamp)}"`;
  if (e.annotations) {
    const keys = sortedKeys(e.annotations);
    if (keys.length > 0) {
      out += `,"annotations":{${keys.map((k) => `${quote(k)}:${quote(e.annotations?.[k] ?? '')}`).join(',')}}`;
    }
  }
  return `${out}}`;
}

/**
 * The webhook body: an audit.k8s.io/v1 EventList. As in kube, the items carry no kind/apiVersion
 * of their own (only the list's TypeMeta is set by the encoder).
 */
export function serializeEventList(events: readonly AuditEvent[], apiVersion: string = AUDIT_API_VERSION): string {
  return `{"kind":"EventList","apiVersion":${goJSONString(apiVersion)},"metadata":{},"items":[${events
    .map((e) => serializeEvent(e, apiVersion, false))
    .join(',')}]}`;
}

function legacyStringSlice(list: readonly string[]): string {
  return list.map(goQuote).join(',');
}

/**
 * The `--audit-log-format=legacy` line (without newline), as `audit.EventString` prints it.
 * kube formats the received timestamp in the server's local zone; doorman uses UTC.
 *
 * @example
 * formatLegacy(event)
 * // 2024-05-01T10:00:00.123456Z AUDIT: id="..." stage="ResponseComplete" ip="10.0.0.7" method="list" ...
 */
export function formatLegacy(e: AuditEvent): string {
  let username = '<none>';
  let groups = '<none>';
  if (e.user.username) {
    username = e.user.username;
    if (e.user.groups && e.user.groups.length > 0) groups = legacyStringSlice(e.user.groups);
  }
  let asUser = '<self>';
  let asGroups = '<lookup>';
  if (e.impersonatedUser) {
    asUser = e.impersonatedUser.username ?? '';
    if (e.impersonatedUser.groups) asGroups = legacyStringSlice(e.impersonatedUser.groups);
  }
  const namespace = e.objectRef?.namespace ? e.objectRef.namespace : '<none>';
  const response = e.responseStatus ? String(Math.trunc(e.responseStatus.code ?? 0)) : '<deferred>';
  const ip = e.sourceIPs?.[0] ?? '<unknown>';
  return (
    `${formatRFC3339Nano(e.requestReceivedTimestamp)} AUDIT: id=${goQuote(e.auditID)} stage=${goQuote(e.stage)} ` +
    `ip=${goQuote(ip)} method=${goQuote(e.verb)} user=${goQuote(username)} groups=${goQuote(groups)} ` +
    `as=${goQuote(asUser)} asgroups=${goQuote(asGroups)} user-agent=${goQuote(e.userAgent ?? '')} ` +
    `namespace=${goQuote(namespace)} uri=${goQuote(e.requestURI)} response="${response}"`
  );
}

/**
 * Copies an authenticated user into the event's UserInfo shape (username, uid, groups, extra).
 *
 * @example
 * toAuditUser({ name: 'alice', uid: '', groups: ['dev'], extra: {} }) // { username: 'alice', groups: ['dev'] }
 */
export function toAuditUser(u: UserInfo): AuditUserInfo {
  // Authenticators hand out one frozen user per credential, so the copy is made once per user.
  const known = auditUsers.get(u);
  if (known) return known;
  const out: { -readonly [K in keyof AuditUserInfo]: AuditUserInfo[K] } = {};
  if (u.name) out.username = u.name;
  if (u.uid) out.uid = u.uid;
  if (u.groups.length > 0) out.groups = Object.freeze([...u.groups]);
  if (Object.keys(u.extra).length > 0) out.extra = Object.freeze(Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, Object.freeze([...v])])));
  const frozen = Object.freeze(out);
  auditUsers.set(u, frozen);
  return frozen;
}

const auditUsers = new WeakMap<UserInfo, AuditUserInfo>();

/** Header bytes as Go sees them: Node hands header values over as latin1 text. */
function headerBytes(v: string): Buffer {
  // A string with characters above U+00FF did not come from the HTTP parser: it is already text.
  return /[^\u0000-\u00ff]/.test(v) ? Buffer.from(v, 'utf8') : Buffer.from(v, 'latin1');
}

/**
 * `maybeTruncateUserAgent`: more than 1024 bytes are cut to 1024 and `...TRUNCATED` appended.
 * Takes the header value as Node delivers it (latin1) and returns the UTF-8 text Go would log.
 */
export function truncateUserAgent(ua: string | undefined): string {
  if (!ua) return '';
  const bytes = headerBytes(ua);
  if (bytes.length > MAX_USER_AGENT_BYTES) return bytes.subarray(0, MAX_USER_AGENT_BYTES).toString('utf8') + USER_AGENT_TRUNCATE_SUFFIX;
  return bytes.toString('utf8');
}

/** A parsed IP: 16 bytes (IPv4 as ::ffff:a.b.c.d), like Go's net.IP. */
type IP16 = Uint8Array;

function parseIPv4(s: string): number[] | null {
  if (!isIPv4(s)) return null;
  return s.split('.').map(Number);
}

/** Go's `net.ParseIP`: IPv4 or IPv6 text, no zone, no brackets. */
function parseIP(s: string): IP16 | null {
  const v4 = parseIPv4(s);
  if (v4) return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);
  if (s.includes('%') || !isIPv6(s)) return null;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // Rewrite an embedded IPv4 tail (`::ffff:1.2.3.4`) as two hex groups, then parse as usual.
    const v4tail = parseIPv4(tail);
    if (!v4tail) return null;
    const [a = 0, b = 0, c = 0, d = 0] = v4tail;
    text = `${text.slice(0, lastColon + 1)}${(a * 256 + b).toString(16)}:${(c * 256 + d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const restParts = rest === undefined || rest === '' ? [] : rest.split(':');
  const explicit = headParts.length + restParts.length;
  if (rest === undefined ? explicit !== 8 : explicit > 7) return null;
  const groups: number[] = headParts.map((p) => parseInt(p, 16));
  for (let i = 0; i < 8 - explicit; i++) groups.push(0);
  for (const p of restParts) groups.push(parseInt(p, 16));
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

function isV4Mapped(ip: IP16): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/** Go's `net.IP.String()`: dotted quad for IPv4 (and IPv4-mapped), RFC 5952 for IPv6. */
function formatIP(ip: IP16): string {
  if (isV4Mapped(ip)) return `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((ip[i * 2] ?? 0) << 8) | (ip[i * 2 + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.map((g) => g.toString(16)).join(':');
  const left = groups.slice(0, bestStart).map((g) => g.toString(16)).join(':');
  const right = groups.slice(bestStart + bestLen).map((g) => g.toString(16)).join(':');
  return `${left}::${right}`;
}

function sameIP(a: IP16, b: IP16): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Peer address → its sourceIPs, for requests without forwarding headers (bounded).
const peerOnly = new Map<string, readonly string[]>();

/**
 * `utilnet.SourceIPs`: the X-Forwarded-For entries (trimmed, invalid ones skipped), then
 * X-Real-Ip unless already listed, then the connection's address unless it equals the last
 * entry. Addresses are written as Go prints them (`::ffff:10.0.0.1` becomes `10.0.0.1`).
 *
 * @example
 * sourceIPs({ 'x-forwarded-for': '1.2.3.4, 10.0.0.1' }, '::ffff:10.0.0.1') // ['1.2.3.4', '10.0.0.1']
 */
export function sourceIPs(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  remoteAddress: string | undefined,
): string[] {
  const forwarded = (firstHeader(headers, 'x-forwarded-for') ?? '');
  const realIP = (firstHeader(headers, 'x-real-ip') ?? '');
  // The common case, no forwarding headers: the answer depends on the peer address alone.
  if (forwarded === '' && realIP === '' && remoteAddress) {
    let known = peerOnly.get(remoteAddress);
    if (!known) {
      const ip = parseIP(remoteAddress);
      known = Object.freeze(ip ? [formatIP(ip)] : []);
      if (peerOnly.size >= 4096) peerOnly.clear();
      peerOnly.set(remoteAddress, known);
    }
    return [...known];
  }
  const ips: IP16[] = [];
  if (forwarded !== '') {
    for (const part of forwarded.split(',')) {
      const ip = parseIP(part.trim());
      if (ip) ips.push(ip);
    }
  }
  if (realIP !== '') {
    const ip = parseIP(realIP);
    if (ip && !ips.some((x) => sameIP(x, ip))) ips.push(ip);
  }
  const remote = remoteAddress ? parseIP(remoteAddress) : null;
  if (remote) {
    const last = ips[ips.length - 1];
    if (!last || !sameIP(remote, last)) ips.push(remote);
  }
  return ips.map(formatIP);
}
