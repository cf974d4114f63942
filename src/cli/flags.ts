/**
 * Value parsers for kube-apiserver's flag syntax on top of commander: Go booleans
 * (`--anonymous-auth=false`), Go durations (`70s`, `1m30s`), integers, repeatable paths.
 */
import { InvalidArgumentError } from 'commander';

/** strconv.ParseBool, as pflag's bool flags accept it. */
export function parseBoolFlag(v: string | undefined): boolean {
  if (v === undefined) return true;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new InvalidArgumentError(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

export function parseIntFlag(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw new InvalidArgumentError(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds. */
export function parseDuration(v: string): number {
  const s = v.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let i = s.startsWith('-') || s.startsWith('+') ? 1 : 0;
  const sign = s.startsWith('-') ? -1 : 1;
  let total = 0;
  if (i >= s.length) throw new InvalidArgumentError(`time: invalid duration ${JSON.stringify(v)}`);
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m || m[1] === undefined || m[2] === undefined) throw new InvalidArgumentError(`time: invalid duration ${JSON.stringify(v)}`);
    total += Number(m[1]) * (UNIT_MS[m[2]] ?? 0);
    i = re.lastIndex;
  }
  return sign * total;
}

/** Accumulates a repeatable flag; a comma-separated value adds several entries (pflag StringSlice). */
export function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), ...v.split(',').filter((x) => x !== '')];
}
