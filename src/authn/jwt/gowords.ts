/**
 * Go's words for the JSON and time values that appear in kube-apiserver's JWT messages: json
 * decoding errors (`json: cannot unmarshal number into Go value of type string`) and time.Time's
 * `%v` rendering (`2024-01-02 15:04:05 +0000 UTC`). doorman prints times in UTC.
 */
import { goQuote } from '../../util/goquote.js';

/** The JSON kind Go's UnmarshalTypeError names. */
export function goJSONKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'object';
}

/** `json: cannot unmarshal <kind> into Go value of type <type>`. */
export function cannotUnmarshal(v: unknown, goType: string): string {
  return `json: cannot unmarshal ${goJSONKind(v)} into Go value of type ${goType}`;
}

/**
 * `json: cannot unmarshal <kind> into Go struct field <struct>.<path> of type <type>`: how
 * encoding/json words a type mismatch inside a struct. It also words so an error that a field's
 * own UnmarshalJSON returned (go-oidc's `audience`, `jsonTime`), the caller's decoder adding the
 * field it was decoding; map keys are never part of the path.
 */
export function cannotUnmarshalField(v: unknown, struct: string, path: string, goType: string): string {
  return `json: cannot unmarshal ${goJSONKind(v)} into Go struct field ${struct}.${path} of type ${goType}`;
}

/** A JSON.parse failure in encoding/json's words. */
export function goJSONSyntaxError(text: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (text.trim() === '' || /end of (JSON )?input/i.test(msg)) return 'unexpected end of JSON input';
  const pos = /position (\d+)/.exec(msg);
  const at = pos ? Number(pos[1]) : text.search(/\S/);
  const ch = text[at] ?? '';
  return at <= text.search(/\S/) ? `invalid character '${ch}' looking for beginning of value` : `invalid character '${ch}' at offset ${at}`;
}

/** Decodes a JSON object, or explains in Go's words why it is not one. */
export function parseJSONObject(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: goJSONSyntaxError(text, e) };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: cannotUnmarshal(v, 'map[string]json.RawMessage') };
  return { ok: true, value: v as Record<string, unknown> };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * time.Time's `%v` in UTC; `withFraction` prints sub-second digits like Go (trailing zeros dropped).
 * `undefined` is Go's zero time.
 */
export function goTime(ms: number | undefined, withFraction = false): string {
  if (ms === undefined) return '0001-01-01 00:00:00 +0000 UTC';
  const d = new Date(ms);
  let s = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (withFraction && d.getUTCMilliseconds() > 0) s += `.${pad(d.getUTCMilliseconds(), 3)}`.replace(/0+$/, '');
  return `${s} +0000 UTC`;
}

/** Go's `%q` of a string slice: `["a" "b"]`. */
export function goQuotedList(xs: readonly string[]): string {
  return `[${xs.map(goQuote).join(' ')}]`;
}

/** go-oidc's unmarshalResp: a JSON decoding failure worded by the response's Content-Type. */
export function unmarshalRespError(contentType: string | undefined, jsonError: string): string {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json') return `got Content-Type = application/json, but could not unmarshal as JSON: ${jsonError}`;
  return `expected Content-Type = application/json, got ${goQuote(contentType ?? '')}: ${jsonError}`;
}

/**
 * The key encoding/json folds a JSON object key to before matching it against struct fields:
 * field names match exactly or case-insensitively with Unicode simple folding (so `ISS` and `Iss`
 * reach the `iss` field, `ſub` (long s) the `sub` field, and the Kelvin sign `K` is a `k`). Only
 * those two non-ASCII letters fold to ASCII ones.
 */
function foldGoName(s: string): string {
  return s.replace(/\u017f/g, 's').replace(/\u212a/g, 'k').toLowerCase();
}

/**
 * The struct field (by its JSON name) a JSON object key is decoded into, or undefined when none:
 * Go's decoder matches every key, in document order, so a later key that folds to the same
 * field overwrites an earlier one.
 */
export function goFieldName(key: string, fields: ReadonlySet<string>): string | undefined {
  if (fields.has(key)) return key;
  const folded = foldGoName(key);
  for (const f of fields) if (foldGoName(f) === folded) return f;
  return undefined;
}

/**
 * The value a Go `string` struct field ends up with after decoding `obj`: the last string among
 * the keys that match `field` (a `null` leaves the field as it was), or "".
 */
export function goStringField(obj: Readonly<Record<string, unknown>>, field: string): string {
  const only: ReadonlySet<string> = new Set([field]);
  let value = '';
  for (const [k, v] of Object.entries(obj)) if (typeof v === 'string' && goFieldName(k, only) !== undefined) value = v;
  return value;
}
