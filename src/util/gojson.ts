/**
 * JSON as Go's encoding/json writes it, which is what kube-apiserver's serializer emits:
 * `<`, `>`, `&`, U+2028 and U+2029 are escaped, so bodies match byte for byte.
 */
const ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};
const NEEDS_ESCAPE = /[<>&\u2028\u2029]/g;

/** Compact JSON with a trailing newline, as json.Encoder.Encode writes it. */
export function goJSON(value: unknown): string {
  return JSON.stringify(value).replace(NEEDS_ESCAPE, (c) => ESCAPES[c] ?? c) + '\n';
}

/** Indented JSON (two spaces, no trailing newline), as json.MarshalIndent writes it. */
export function goJSONIndent(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(NEEDS_ESCAPE, (c) => ESCAPES[c] ?? c);
}
