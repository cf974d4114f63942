/**
 * Go's value parsers as kube-apiserver's flags use them (strconv.ParseBool/ParseInt/ParseFloat,
 * time.ParseDuration), with Go's error wording. They throw a plain Error on bad input.
 */

/** strconv.ParseBool. */
export function parseGoBool(raw: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
}

/** strconv.ParseInt (base 10). */
export function parseGoInt(raw: string): number {
  if (!/^[+-]?\d+$/.test(raw)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
  return Number.parseInt(raw, 10);
}

/** strconv.ParseFloat. */
export function parseGoFloat(raw: string): number {
  const n = Number(raw.trim());
  if (raw.trim() === '' || Number.isNaN(n)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(raw)}: invalid syntax`);
  return n;
}

/** Go's `time.ParseDuration`, in milliseconds (`10s`, `1m30s`, `250ms`, `0`). Throws on bad input. */
export function parseGoDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`time: invalid duration ${JSON.stringify(s)}`);
  let total = 0;
  const re = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = re.exec(rest);
    if (!m) {
      throw new Error(/^(\d+\.?\d*|\.\d+)$/.test(rest) ? `time: missing unit in duration ${JSON.stringify(s)}` : `time: invalid duration ${JSON.stringify(s)}`);
    }
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

