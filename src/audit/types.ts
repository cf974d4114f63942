/**
 * The audit.k8s.io/v1 vocabulary doorman records: levels, stages, the Event and its parts. The
 * shapes follow k8s.io/apiserver's `apis/audit/v1/types.go` field for field, so an event built
 * here serializes to the bytes kube-apiserver writes (see `event.ts` for the encoder).
 */
import type { StatusCause, StatusDetails } from '../api/status.js';

/** How much of a request is recorded, in increasing order. */
export type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';

/** The points in a request's life at which an event may be emitted. */
export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

/** Every level, in kube's order (the order validation messages list them in). */
export const LEVELS: readonly Level[] = ['None', 'Metadata', 'Request', 'RequestResponse'];

/** Every stage, in kube's order (the order validation messages list them in). */
export const STAGES: readonly Stage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

/** The header that carries the audit ID in both directions. */
export const AUDIT_ID_HEADER = 'Audit-ID';

/** The only audit API version kube-apiserver v1.35 reads and writes. */
export const AUDIT_API_VERSION = 'audit.k8s.io/v1';

const LEVEL_RANK: Readonly<Record<Level, number>> = { None: 0, Metadata: 1, Request: 2, RequestResponse: 3 };

/** `a.Less(b)` in kube's terms: `a` records strictly less than `b`. */
export function levelLess(a: Level, b: Level): boolean {
  return LEVEL_RANK[a] < LEVEL_RANK[b];
}

/** authentication.k8s.io/v1 UserInfo as it appears in an event; every field is omitempty. */
export interface AuditUserInfo {
  readonly username?: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** audit.k8s.io/v1 ObjectReference; every field is omitempty. */
export interface ObjectReference {
  readonly resource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly uid?: string;
  readonly apiGroup?: string;
  readonly apiVersion?: string;
  readonly resourceVersion?: string;
  readonly subresource?: string;
}

// meta/v1 StatusCause and StatusDetails: one definition, shared with the API's Status bodies.
export type { StatusCause, StatusDetails };

/**
 * The meta/v1 Status kept in `responseStatus`. Inside an audit event kind/apiVersion are never
 * set, and `metadata` (an empty ListMeta) is always written, so neither appears here.
 */
export interface ResponseStatus {
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code?: number;
}

/**
 * One audit event. Timestamps are nanoseconds since the Unix epoch (see `time.ts`); the encoder
 * writes them with microsecond precision, the legacy line with up to nanoseconds, as kube does.
 * `requestObject` / `responseObject` hold raw JSON text, written as-is (compacted).
 */
export interface AuditEvent {
  readonly level: Level;
  readonly auditID: string;
  readonly stage: Stage;
  readonly requestURI: string;
  readonly verb: string;
  readonly user: AuditUserInfo;
  readonly impersonatedUser?: AuditUserInfo;
  readonly sourceIPs?: readonly string[];
  readonly userAgent?: string;
  readonly objectRef?: ObjectReference;
  readonly responseStatus?: ResponseStatus;
  readonly requestObject?: string;
  readonly responseObject?: string;
  readonly requestReceivedTimestamp: bigint;
  readonly stageTimestamp: bigint;
  readonly annotations?: Readonly<Record<string, string>>;
}
