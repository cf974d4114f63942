/**
 * Audit timestamps. kube-apiserver stamps events with `time.Now()` (nanoseconds) and writes them
 * as meta/v1 MicroTime: UTC, always six fractional digits, `Z`. `Date.now()` only has
 * milliseconds, so doorman reads a monotonic high-resolution clock anchored to the wall clock:
 * timestamps are real microseconds and never go backwards within a request.
 */

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
// Re-anchor when the wall clock and the monotonic clock have drifted this far apart (NTP steps,
// suspend): events stay close to wall time without jumping on every small slew.
const MAX_DRIFT_NS = 1_000n * NS_PER_MS;

let anchorWall = BigInt(Date.now()) * NS_PER_MS;
let anchorMono = process.hrtime.bigint();

/**
 * Now, in nanoseconds since the Unix epoch.
 *
 * @example
 * const receivedAt = auditNow();
 */
export function auditNow(): bigint {
  const mono = process.hrtime.bigint();
  const now = anchorWall + (mono - anchorMono);
  const wall = BigInt(Date.now()) * NS_PER_MS;
  const drift = now > wall ? now - wall : wall - now;
  if (drift > MAX_DRIFT_NS) {
    anchorWall = wall;
    anchorMono = mono;
    return wall;
  }
  return now;
}

/** Converts a `Date` (millisecond precision) to audit nanoseconds. */
export function fromDate(d: Date): bigint {
  return BigInt(d.getTime()) * NS_PER_MS;
}

function splitSeconds(ns: bigint): { seconds: bigint; frac: bigint } {
  let seconds = ns / NS_PER_S;
  let frac = ns % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    seconds -= 1n;
  }
  return { seconds, frac };
}

// Events come in bursts within one second: remember the last second's text.
let lastSeconds = -1n;
let lastSecondsText = '';

function wholeSeconds(seconds: bigint): string {
  if (seconds === lastSeconds) return lastSecondsText;
  // toISOString gives `YYYY-MM-DDTHH:MM:SS.mmmZ`; the first 19 characters are the part we need.
  lastSecondsText = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  lastSeconds = seconds;
  return lastSecondsText;
}

/**
 * Formats like Go's MicroTime JSON: `2024-05-01T10:00:00.123456Z` (UTC, six digits, truncated).
 *
 * @example
 * formatMicroTime(1714557600123456789n) // '2024-05-01T10:00:00.123456Z'
 */
export function formatMicroTime(ns: bigint): string {
  const { seconds, frac } = splitSeconds(ns);
  return `${wholeSeconds(seconds)}.${(frac / 1000n).toString().padStart(6, '0')}Z`;
}

/**
 * Formats like Go's `time.RFC3339Nano` in UTC: trailing fractional zeros dropped, no dot when
 * the fraction is zero. Used by the legacy log line.
 */
export function formatRFC3339Nano(ns: bigint): string {
  const { seconds, frac } = splitSeconds(ns);
  const digits = frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${wholeSeconds(seconds)}${digits ? `.${digits}` : ''}Z`;
}

/** Go's `time.Duration.String()` for a non-negative nanosecond count (e.g. `1.5s`, `750ms`). */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let v = neg ? -ns : ns;
  const sign = neg ? '-' : '';
  if (v < 1000n) return `${sign}${v}ns`;
  if (v < NS_PER_MS) return `${sign}${fixed(v, 1000n)}µs`;
  if (v < NS_PER_S) return `${sign}${fixed(v, NS_PER_MS)}ms`;
  let out = '';
  const hours = v / (3600n * NS_PER_S);
  v -= hours * 3600n * NS_PER_S;
  const minutes = v / (60n * NS_PER_S);
  v -= minutes * 60n * NS_PER_S;
  if (hours > 0n) out += `${hours}h`;
  if (hours > 0n || minutes > 0n) out += `${minutes}m`;
  return `${sign}${out}${fixed(v, NS_PER_S)}s`;
}

function fixed(v: bigint, unit: bigint): string {
  const whole = v / unit;
  const frac = v % unit;
  if (frac === 0n) return whole.toString();
  const width = unit.toString().length - 1;
  return `${whole}.${frac.toString().padStart(width, '0').replace(/0+$/, '')}`;
}
