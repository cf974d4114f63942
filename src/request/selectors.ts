/**
 * The parts of Kubernetes' selector grammars that RequestInfo resolution depends on: whether a
 * field selector parses and which `metadata.name` it pins (k8s.io/apimachinery/pkg/fields
 * `ParseSelector` + `RequiresExactMatch`), whether a label selector parses
 * (k8s.io/apimachinery/pkg/labels `Parse`), and Go's `strconv.ParseInt` for the integer list
 * options. kube-apiserver decodes list options before it trusts a `metadata.name` field
 * selector, and any of these failing means "no name from the selector"; getting validity wrong
 * would widen what an RBAC `resourceNames` rule grants, so validity follows upstream exactly.
 * Matching objects against selectors is not done here.
 */

/** Marks a selector that does not parse. */
export const INVALID_SELECTOR: unique symbol = Symbol('invalid selector');

/** Compares strings in Unicode code point order (Go's byte-wise sort of UTF-8 strings). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (U+D800..) below U+E000..U+FFFF; code point order puts them above.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** fields.UnescapeValue: `\\`, `\,`, `\=` are escapes; any other `\x`, or a bare `,`/`=`, is an error. */
function unescapeFieldValue(s: string): string | undefined {
  if (!s.includes('\\') && !s.includes(',') && !s.includes('=')) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') return undefined;
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      return undefined;
    } else {
      out += c;
    }
  }
  return inSlash ? undefined : out;
}

/**
 * Parses a field selector as `fields.ParseSelector` does and answers `RequiresExactMatch(field)`.
 *
 * Terms are split on commas not escaped by `\`; each term splits at the first `!=`, `==` or `=`
 * (in that preference at each position); the right side is unescaped. Upstream sorts the terms
 * and returns the first `=`/`==` term on `field`, so with two such terms the one that sorts
 * first wins (`metadata.name=b,metadata.name=a` pins `a`). A `!=` term never pins.
 *
 * @returns the pinned value, `undefined` when the selector parses but pins nothing, or
 *   {@link INVALID_SELECTOR} when it does not parse.
 * @example
 * fieldSelectorExactMatch('metadata.name==web,spec.nodeName=n1', 'metadata.name'); // 'web'
 */
export function fieldSelectorExactMatch(
  selector: string,
  field: string,
): string | undefined | typeof INVALID_SELECTOR {
  let bestTerm: string | undefined;
  let bestValue: string | undefined;
  let start = 0;
  let inSlash = false;
  for (let i = 0; i <= selector.length; i++) {
    if (i < selector.length) {
      const c = selector.charCodeAt(i);
      if (inSlash) {
        inSlash = false;
        continue;
      }
      if (c === 0x5c /* \ */) {
        inSlash = true;
        continue;
      }
      if (c !== 0x2c /* , */) continue;
    }
    const term = selector.slice(start, i);
    start = i + 1;
    if (term === '') continue;
    let opAt = -1;
    let opLen = 0;
    let pins = false;
    for (let j = 0; j < term.length; j++) {
      const c = term.charCodeAt(j);
      const next = term.charCodeAt(j + 1);
      if (c === 0x21 /* ! */ && next === 0x3d) {
        opAt = j;
        opLen = 2;
        break;
      }
      if (c === 0x3d /* = */) {
        opAt = j;
        opLen = next === 0x3d ? 2 : 1;
        pins = true;
        break;
      }
    }
    if (opAt < 0) return INVALID_SELECTOR;
    const value = unescapeFieldValue(term.slice(opAt + opLen));
    if (value === undefined) return INVALID_SELECTOR;
    if (pins && term.slice(0, opAt) === field) {
      if (bestTerm === undefined || compareCodePoints(term, bestTerm) < 0) {
        bestTerm = term;
        bestValue = value;
      }
    }
  }
  return bestValue;
}

// Token kinds of the label-selector lexer (upstream's names, as plain numbers).
const T_EOS = 0;
const T_CLOSE_PAR = 1;
const T_COMMA = 2;
const T_NOT = 3; // `!`: DoesNotExist
const T_DOUBLE_EQUALS = 4;
const T_EQUALS = 5;
const T_GREATER = 6;
const T_IDENT = 7;
const T_IN = 8;
const T_LESS = 9;
const T_NOT_EQUALS = 10;
const T_NOT_IN = 11;
const T_OPEN_PAR = 12;

function isSpecialSymbol(c: number): boolean {
  // = ! ( ) , > <
  return c === 0x3d || c === 0x21 || c === 0x28 || c === 0x29 || c === 0x2c || c === 0x3e || c === 0x3c;
}

function isSelectorSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** The operator token spelled by s[from, to), or -1. */
function symbolToken(s: string, from: number, to: number): number {
  const c = s.charCodeAt(from);
  if (to - from === 1) {
    switch (c) {
      case 0x29: return T_CLOSE_PAR;
      case 0x2c: return T_COMMA;
      case 0x21: return T_NOT;
      case 0x3d: return T_EQUALS;
      case 0x3e: return T_GREATER;
      case 0x3c: return T_LESS;
      case 0x28: return T_OPEN_PAR;
      default: return -1;
    }
  }
  if (to - from === 2 && s.charCodeAt(from + 1) === 0x3d) {
    if (c === 0x3d) return T_DOUBLE_EQUALS;
    if (c === 0x21) return T_NOT_EQUALS;
  }
  return -1;
}

/** In a value position the keywords `in` / `notin` are ordinary identifiers. */
function asValue(t: number): number {
  return t === T_IN || t === T_NOT_IN ? T_IDENT : t;
}

/**
 * A one-token-lookahead lexer with the upstream lexer's behaviour, quirks included: a NUL
 * character reads as end of input, so where a token would start it ends the selector, and inside
 * an identifier or operator it ends that token and is skipped. After the end it stays at the end.
 */
class LabelLexer {
  readonly #s: string;
  #pos = 0;
  /** Current token kind, and its text as s[from, to). */
  tok = T_EOS;
  #from = 0;
  #to = 0;
  #done = false;

  constructor(s: string) {
    this.#s = s;
  }

  /** Upstream's reader: 0 at the end (without advancing), else the next character. */
  #read(): number {
    return this.#pos < this.#s.length ? this.#s.charCodeAt(this.#pos++) : 0;
  }

  text(): string {
    return this.#s.slice(this.#from, this.#to);
  }

  next(): void {
    if (this.#done) return;
    let c = this.#read();
    while (isSelectorSpace(c)) c = this.#read();
    if (c === 0) {
      this.tok = T_EOS;
      this.#from = this.#to = this.#pos;
      this.#done = true;
      return;
    }
    const from = --this.#pos;
    this.#from = from;
    if (isSpecialSymbol(c)) {
      // The longest run of symbol characters that still spells an operator.
      let tok = -1;
      for (;;) {
        const d = this.#read();
        if (d === 0) break;
        if (!isSpecialSymbol(d)) {
          this.#pos--;
          break;
        }
        const t = symbolToken(this.#s, from, this.#pos);
        if (t >= 0) {
          tok = t;
          this.#to = this.#pos;
        } else if (tok >= 0) {
          this.#pos--;
          break;
        }
      }
      // Every single symbol character is an operator, so `tok` is always set here.
      this.tok = tok < 0 ? T_EOS : tok;
      return;
    }
    let end = from;
    for (;;) {
      const d = this.#read();
      if (d === 0) break;
      if (isSpecialSymbol(d) || isSelectorSpace(d)) {
        this.#pos--;
        break;
      }
      end = this.#pos;
    }
    this.#to = end;
    const len = end - from;
    const s = this.#s;
    if (len === 2 && s.startsWith('in', from)) this.tok = T_IN;
    else if (len === 5 && s.startsWith('notin', from)) this.tok = T_NOT_IN;
    else this.tok = T_IDENT;
  }
}

// Upstream's validation grammars (k8s.io/apimachinery/pkg/util/validation), compiled once.
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** validation.IsQualifiedName: `[prefix/]name`, prefix a DNS-1123 subdomain, name ≤ 63. */
function isQualifiedName(s: string): boolean {
  const slash = s.indexOf('/');
  let name = s;
  if (slash >= 0) {
    const prefix = s.slice(0, slash);
    name = s.slice(slash + 1);
    if (name.includes('/')) return false;
    if (prefix === '' || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) return false;
  }
  return name !== '' && name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** validation.IsValidLabelValue: empty, or a qualified-name-shaped string of ≤ 63 characters. */
function isLabelValue(s: string): boolean {
  return s === '' || (s.length <= 63 && QUALIFIED_NAME.test(s));
}

const INT64_MAX_DIGITS = '9223372036854775807';

/**
 * Go's `strconv.ParseInt(s, 10, 64)` succeeds: optional sign, at least one ASCII digit, nothing
 * else (no spaces, no `_`), within int64.
 */
export function isGoInt64(s: string): boolean {
  let i = s.charCodeAt(0) === 0x2b || s.charCodeAt(0) === 0x2d ? 1 : 0;
  const negative = s.charCodeAt(0) === 0x2d;
  if (i === s.length) return false;
  while (i < s.length - 1 && s.charCodeAt(i) === 0x30) i++; // leading zeros do not count
  const digits = s.slice(i);
  for (let j = 0; j < digits.length; j++) {
    const c = digits.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return false;
  }
  if (digits.length !== INT64_MAX_DIGITS.length) return digits.length < INT64_MAX_DIGITS.length;
  // Same length: compare as text; the negative side reaches one further (-9223372036854775808).
  const limit = negative ? '9223372036854775808' : INT64_MAX_DIGITS;
  return digits <= limit;
}

/** One requirement, the lexer on its first token; false when upstream would report an error. */
function labelRequirement(lx: LabelLexer): boolean {
  let t = asValue(lx.tok);
  let key = lx.text();
  lx.next();
  let notExists = false;
  if (t === T_NOT) {
    notExists = true;
    t = asValue(lx.tok);
    key = lx.text();
    lx.next();
  }
  if (t !== T_IDENT || !isQualifiedName(key)) return false;
  const after = asValue(lx.tok);
  // `!key` or a bare `key` (exists): what follows is checked by the caller.
  if (notExists || after === T_EOS || after === T_COMMA) return true;
  const op = lx.tok; // operator position: `in` / `notin` are keywords here
  lx.next();
  switch (op) {
    case T_IN:
    case T_NOT_IN: {
      if (asValue(lx.tok) !== T_OPEN_PAR) return false;
      lx.next();
      const first = asValue(lx.tok);
      if (first !== T_IDENT && first !== T_COMMA && first !== T_CLOSE_PAR) return false;
      // Members are identifiers or empty (`()`, `(,a)`, `(a,)`, `(a,,b)`); "" is a valid value.
      while (asValue(lx.tok) !== T_CLOSE_PAR) {
        const m = asValue(lx.tok);
        const value = lx.text();
        lx.next();
        if (m === T_IDENT) {
          if (!isLabelValue(value)) return false;
          const n = asValue(lx.tok);
          if (n !== T_COMMA && n !== T_CLOSE_PAR) return false;
        } else if (m === T_COMMA) {
          // Upstream eats a second comma at once and then insists on a member, so `(a,,)` and
          // `(,,)` are errors while `(,)` and `(,,,)` parse.
          if (asValue(lx.tok) === T_COMMA) {
            lx.next();
            const n = asValue(lx.tok);
            if (n !== T_IDENT && n !== T_COMMA) return false;
          }
        } else {
          return false;
        }
      }
      lx.next();
      return true;
    }
    case T_EQUALS:
    case T_DOUBLE_EQUALS:
    case T_NOT_EQUALS:
    case T_GREATER:
    case T_LESS: {
      let value = '';
      const n = asValue(lx.tok);
      if (n !== T_EOS && n !== T_COMMA) {
        if (n !== T_IDENT) return false;
        value = lx.text();
        lx.next();
      }
      if ((op === T_GREATER || op === T_LESS) && !isGoInt64(value)) return false;
      return isLabelValue(value);
    }
    default:
      return false;
  }
}

/**
 * True when `labels.Parse` accepts the selector. The grammar:
 * `req ("," req)*` where `req` is `[!]key`, `key (=|==|!=) value`, `key (in|notin) (v, ...)` or
 * `key (>|<) integer`; keys are qualified names, values label values; `""` selects everything.
 * Only validity is decided here; matching objects is not implemented.
 * @example
 * isValidLabelSelector('app=web,tier in (a,b),!canary'); // true
 * isValidLabelSelector('app=web,');                      // false
 */
export function isValidLabelSelector(selector: string): boolean {
  if (selector === '') return true;
  const lx = new LabelLexer(selector);
  lx.next();
  for (;;) {
    const t = asValue(lx.tok);
    if (t === T_EOS) return true;
    if (t !== T_IDENT && t !== T_NOT) return false;
    if (!labelRequirement(lx)) return false;
    const sep = asValue(lx.tok);
    lx.next();
    if (sep === T_EOS) return true;
    if (sep !== T_COMMA) return false;
    const n = asValue(lx.tok);
    if (n !== T_IDENT && n !== T_NOT) return false;
  }
}

/**
 * `path.IsValidPathSegmentName` from k8s.io/apimachinery/pkg/api/validation/path: not `.` or
 * `..`, no `/`, no `%`. The empty string is valid.
 */
export function isValidPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}
