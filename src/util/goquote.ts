/**
 * Go's strconv.Quote, which every `%q` in kube-apiserver's messages goes through: printable
 * characters as they are, `\a`-style escapes, `\xNN` for other control bytes and for invalid
 * UTF-8, `\uNNNN`/`\UNNNNNNNN` for other non-printable code points.
 */

/** Go's unicode.IsPrint, near enough: letters, marks, numbers, punctuation, symbols (and space). */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

const NAMED: ReadonlyMap<number, string> = new Map([
  [0x07, '\\a'],
  [0x08, '\\b'],
  [0x0c, '\\f'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  [0x0b, '\\v'],
  [0x5c, '\\\\'],
  [0x22, '\\"'],
]);

const hex = (v: number, n: number): string => v.toString(16).padStart(n, '0');

/** One code point as Go's strconv.Quote writes it inside double quotes. */
export function goEscapeRune(codePoint: number): string {
  const named = NAMED.get(codePoint);
  if (named !== undefined) return named;
  // Go strings cannot hold surrogates.
  const cp = codePoint >= 0xd800 && codePoint <= 0xdfff ? 0xfffd : codePoint;
  const ch = String.fromCodePoint(cp);
  if (cp === 0x20 || PRINTABLE.test(ch)) return ch;
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  if (cp < 0x10000) return `\\u${hex(cp, 4)}`;
  return `\\U${hex(cp, 8)}`;
}

/**
 * Quotes `s` the way Go's `%q` verb does.
 *
 * @example
 * goQuote('a\tb') // '"a\\tb"'
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += goEscapeRune(ch.codePointAt(0) ?? 0xfffd);
  return `${out}"`;
}

/** Decodes one rune the way Go's utf8.DecodeRune does; an invalid sequence is (U+FFFD, 1). */
function decodeRune(b: Uint8Array, i: number): [rune: number, width: number] {
  const c0 = b[i] ?? 0;
  if (c0 < 0x80) return [c0, 1];
  const cont = (j: number, lo = 0x80, hi = 0xbf): number | undefined => {
    const c = b[i + j];
    return c !== undefined && c >= lo && c <= hi ? c & 0x3f : undefined;
  };
  if (c0 >= 0xc2 && c0 <= 0xdf) {
    const c1 = cont(1);
    if (c1 !== undefined) return [((c0 & 0x1f) << 6) | c1, 2];
  } else if (c0 >= 0xe0 && c0 <= 0xef) {
    // Overlong forms (E0 80..9F) and surrogates (ED A0..BF) are invalid, as in Go.
    const c1 = cont(1, c0 === 0xe0 ? 0xa0 : 0x80, c0 === 0xed ? 0x9f : 0xbf);
    const c2 = cont(2);
    if (c1 !== undefined && c2 !== undefined) return [((c0 & 0x0f) << 12) | (c1 << 6) | c2, 3];
  } else if (c0 >= 0xf0 && c0 <= 0xf4) {
    const c1 = cont(1, c0 === 0xf0 ? 0x90 : 0x80, c0 === 0xf4 ? 0x8f : 0xbf);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 !== undefined && c2 !== undefined && c3 !== undefined) return [((c0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4];
  }
  return [0xfffd, 1];
}

/** Go's strconv.Quote over raw bytes (a Go string that may hold invalid UTF-8, printed `\xNN`). */
export function goQuoteBytes(b: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < b.length; ) {
    const [r, width] = decodeRune(b, i);
    if (width === 1 && r === 0xfffd) {
      out += `\\x${hex(b[i] ?? 0, 2)}`;
      i += 1;
      continue;
    }
    i += width;
    out += goEscapeRune(r);
  }
  return `${out}"`;
}
