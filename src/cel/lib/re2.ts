/**
 * RE2 patterns, as Go's regexp (and so cel-go's `matches` and Kubernetes' `find`/`findAll`) reads
 * them, translated to JavaScript RegExps with the 'u' flag. The parser follows Go's
 * regexp/syntax (Go 1.25, Perl flags) closely enough to reject exactly what it rejects with its
 * error text ("error parsing regexp: missing closing ): `(a`"), and the emitter spells out Go's
 * meaning where JavaScript's differs: flag groups such as `(?i)` and `(?s:...)` become explicit
 * character sets (JavaScript on Node 20 has no inline modifiers), `^`/`$` mean text boundaries
 * unless `(?m)`, `.` excludes only `\n`, `\s` is ASCII, `\pN`/`\p{Greek}` map to Unicode property
 * escapes, and POSIX classes such as `[[:alpha:]]` expand to ranges. Go's leftmost-first match
 * semantics are what a backtracking JavaScript engine does, so match results agree. Compiled
 * patterns are cached in a bounded map.
 */
import { CelEvalError } from '../value.js';

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

const ERR_INVALID_CHAR_CLASS_RANGE = 'invalid character class range';
const ERR_INVALID_ESCAPE = 'invalid escape sequence';
const ERR_INVALID_NAMED_CAPTURE = 'invalid named capture';
const ERR_INVALID_PERL_OP = 'invalid or unsupported Perl syntax';
const ERR_INVALID_REPEAT_OP = 'invalid nested repetition operator';
const ERR_INVALID_REPEAT_SIZE = 'invalid repeat count';
const ERR_MISSING_BRACKET = 'missing closing ]';
const ERR_MISSING_PAREN = 'missing closing )';
const ERR_MISSING_REPEAT_ARGUMENT = 'missing argument to repetition operator';
const ERR_TRAILING_BACKSLASH = 'trailing backslash at end of expression';
const ERR_UNEXPECTED_PAREN = 'unexpected )';
const ERR_NESTING_DEPTH = 'expression nests too deeply';

function syntaxError(code: string, expr: string): never {
  throw new CelEvalError(`error parsing regexp: ${code}: \`${expr}\``);
}

// ---------------------------------------------------------------------------------------------
// Code point sets
// ---------------------------------------------------------------------------------------------

const MAX_RUNE = 0x10ffff;

/** Sorted, merged [lo, hi] pairs. */
type Ranges = number[];

function cleanRanges(r: readonly number[]): Ranges {
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < r.length; i += 2) pairs.push([r[i] ?? 0, r[i + 1] ?? 0]);
  pairs.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: Ranges = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= (out[last] ?? 0) + 1) {
      if (hi > (out[last] ?? 0)) out[last] = hi;
    } else {
      out.push(lo, hi);
    }
  }
  return out;
}

function negateRanges(r: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (let i = 0; i + 1 < r.length; i += 2) {
    const lo = r[i] ?? 0;
    if (next <= lo - 1) out.push(next, lo - 1);
    next = (r[i + 1] ?? 0) + 1;
  }
  if (next <= MAX_RUNE) out.push(next, MAX_RUNE);
  return out;
}

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function rangesBody(r: Ranges): string {
  let out = '';
  for (let i = 0; i + 1 < r.length; i += 2) {
    const lo = r[i] ?? 0;
    const hi = r[i + 1] ?? 0;
    out += lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Case folding: Go's unicode.SimpleFold orbits, rebuilt from the engine's case mappings
// ---------------------------------------------------------------------------------------------

const MIN_FOLD = 0x0041;
const MAX_FOLD = 0x1e943;

let orbitTable: { orbit: Map<number, readonly number[]>; foldable: readonly number[] } | undefined;

/**
 * Code points joined by simple (single code point) lower/upper case mappings form the same
 * orbits as CaseFolding.txt's simple foldings, except for the Turkish dotless i, which has case
 * mappings but no folding. Built on first use of `(?i)`.
 */
function folds(): { orbit: Map<number, readonly number[]>; foldable: readonly number[] } {
  if (orbitTable) return orbitTable;
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    for (let p = parent.get(r); p !== undefined && p !== r; p = parent.get(r)) r = p;
    parent.set(x, r);
    return r;
  };
  for (let cp = MIN_FOLD; cp <= MAX_FOLD; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (cp === 0x130 || cp === 0x131) continue;
    const ch = String.fromCodePoint(cp);
    for (const m of [ch.toLowerCase(), ch.toUpperCase()]) {
      if (m === ch) continue;
      const other = m.codePointAt(0) ?? cp;
      if (m.length !== String.fromCodePoint(other).length || other === 0x130 || other === 0x131) continue;
      if (!parent.has(cp)) parent.set(cp, cp);
      if (!parent.has(other)) parent.set(other, other);
      parent.set(find(cp), find(other));
    }
  }
  const groups = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const root = find(cp);
    const g = groups.get(root);
    if (g) g.push(cp);
    else groups.set(root, [cp]);
  }
  const orbit = new Map<number, readonly number[]>();
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    g.sort((a, b) => a - b);
    for (const cp of g) orbit.set(cp, g);
  }
  orbitTable = { orbit, foldable: [...orbit.keys()].sort((a, b) => a - b) };
  return orbitTable;
}

function orbitOf(cp: number): readonly number[] {
  return folds().orbit.get(cp) ?? [cp];
}

/** Go's appendFoldedRange: the range plus everything that folds to something in it. */
function appendFoldedRange(out: number[], lo: number, hi: number): void {
  out.push(lo, hi);
  if (hi < MIN_FOLD || lo > MAX_FOLD || (lo <= MIN_FOLD && hi >= MAX_FOLD)) return;
  const { foldable } = folds();
  let a = 0;
  let b = foldable.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if ((foldable[m] ?? 0) < lo) a = m + 1;
    else b = m;
  }
  for (let i = a; i < foldable.length && (foldable[i] ?? 0) <= hi; i++) {
    for (const f of orbitOf(foldable[i] ?? 0)) out.push(f, f);
  }
}

function foldRanges(r: Ranges): Ranges {
  const out: number[] = [];
  for (let i = 0; i + 1 < r.length; i += 2) appendFoldedRange(out, r[i] ?? 0, r[i + 1] ?? 0);
  return cleanRanges(out);
}

// ---------------------------------------------------------------------------------------------
// Named classes
// ---------------------------------------------------------------------------------------------

interface Group {
  readonly sign: 1 | -1;
  readonly ranges: Ranges;
}

const g = (sign: 1 | -1, ...ranges: number[]): Group => ({ sign, ranges: cleanRanges(ranges) });

const DIGIT = [0x30, 0x39];
const SPACE = [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20];
const WORD = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];

const PERL_GROUPS: Readonly<Record<string, Group>> = {
  '\\d': g(1, ...DIGIT),
  '\\D': g(-1, ...DIGIT),
  '\\s': g(1, ...SPACE),
  '\\S': g(-1, ...SPACE),
  '\\w': g(1, ...WORD),
  '\\W': g(-1, ...WORD),
};

const POSIX: Readonly<Record<string, readonly number[]>> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: DIGIT,
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: WORD,
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};

const POSIX_GROUPS: Readonly<Record<string, Group>> = Object.fromEntries(
  Object.entries(POSIX).flatMap(([name, r]) => [
    [`[:${name}:]`, g(1, ...r)],
    [`[:^${name}:]`, g(-1, ...r)],
  ]),
);

/** Unicode scripts (Unicode 15.0, as Go 1.25's unicode package has them). */
const SCRIPTS = [
  'Adlam', 'Ahom', 'Anatolian_Hieroglyphs', 'Arabic', 'Armenian', 'Avestan', 'Balinese', 'Bamum', 'Bassa_Vah', 'Batak',
  'Bengali', 'Bhaiksuki', 'Bopomofo', 'Brahmi', 'Braille', 'Buginese', 'Buhid', 'Canadian_Aboriginal', 'Carian',
  'Caucasian_Albanian', 'Chakma', 'Cham', 'Cherokee', 'Chorasmian', 'Common', 'Coptic', 'Cuneiform', 'Cypriot',
  'Cypro_Minoan', 'Cyrillic', 'Deseret', 'Devanagari', 'Dives_Akuru', 'Dogra', 'Duployan', 'Egyptian_Hieroglyphs',
  'Elbasan', 'Elymaic', 'Ethiopic', 'Georgian', 'Glagolitic', 'Gothic', 'Grantha', 'Greek', 'Gujarati', 'Gunjala_Gondi',
  'Gurmukhi', 'Han', 'Hangul', 'Hanifi_Rohingya', 'Hanunoo', 'Hatran', 'Hebrew', 'Hiragana', 'Imperial_Aramaic',
  'Inherited', 'Inscriptional_Pahlavi', 'Inscriptional_Parthian', 'Javanese', 'Kaithi', 'Kannada', 'Katakana', 'Kawi',
  'Kayah_Li', 'Kharoshthi', 'Khitan_Small_Script', 'Khmer', 'Khojki', 'Khudawadi', 'Lao', 'Latin', 'Lepcha', 'Limbu',
  'Linear_A', 'Linear_B', 'Lisu', 'Lycian', 'Lydian', 'Mahajani', 'Makasar', 'Malayalam', 'Mandaic', 'Manichaean',
  'Marchen', 'Masaram_Gondi', 'Medefaidrin', 'Meetei_Mayek', 'Mende_Kikakui', 'Meroitic_Cursive', 'Meroitic_Hieroglyphs',
  'Miao', 'Modi', 'Mongolian', 'Mro', 'Multani', 'Myanmar', 'Nabataean', 'Nag_Mundari', 'Nandinagari', 'New_Tai_Lue',
  'Newa', 'Nko', 'Nushu', 'Nyiakeng_Puachue_Hmong', 'Ogham', 'Ol_Chiki', 'Old_Hungarian', 'Old_Italic',
  'Old_North_Arabian', 'Old_Permic', 'Old_Persian', 'Old_Sogdian', 'Old_South_Arabian', 'Old_Turkic', 'Old_Uyghur',
  'Oriya', 'Osage', 'Osmanya', 'Pahawh_Hmong', 'Palmyrene', 'Pau_Cin_Hau', 'Phags_Pa', 'Phoenician', 'Psalter_Pahlavi',
  'Rejang', 'Runic', 'Samaritan', 'Saurashtra', 'Sharada', 'Shavian', 'Siddham', 'SignWriting', 'Sinhala', 'Sogdian',
  'Sora_Sompeng', 'Soyombo', 'Sundanese', 'Syloti_Nagri', 'Syriac', 'Tagalog', 'Tagbanwa', 'Tai_Le', 'Tai_Tham',
  'Tai_Viet', 'Takri', 'Tamil', 'Tangsa', 'Tangut', 'Telugu', 'Thaana', 'Thai', 'Tibetan', 'Tifinagh', 'Tirhuta', 'Toto',
  'Ugaritic', 'Vai', 'Vithkuqi', 'Wancho', 'Warang_Citi', 'Yezidi', 'Yi', 'Zanabazar_Square',
];

const CATEGORIES = [
  'C', 'Cc', 'Cf', 'Cn', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
];

/** Go's unicode.CategoryAliases (long names), looked up case- and separator-insensitively since Go 1.25. */
const CATEGORY_ALIASES: Readonly<Record<string, string>> = {
  Cased_Letter: 'LC', Close_Punctuation: 'Pe', Combining_Mark: 'M', Connector_Punctuation: 'Pc', Control: 'Cc',
  Currency_Symbol: 'Sc', Dash_Punctuation: 'Pd', Decimal_Number: 'Nd', Enclosing_Mark: 'Me', Final_Punctuation: 'Pf',
  Format: 'Cf', Initial_Punctuation: 'Pi', Letter: 'L', Letter_Number: 'Nl', Line_Separator: 'Zl',
  Lowercase_Letter: 'Ll', Mark: 'M', Math_Symbol: 'Sm', Modifier_Letter: 'Lm', Modifier_Symbol: 'Sk',
  Nonspacing_Mark: 'Mn', Number: 'N', Open_Punctuation: 'Ps', Other: 'C', Other_Letter: 'Lo', Other_Number: 'No',
  Other_Punctuation: 'Po', Other_Symbol: 'So', Paragraph_Separator: 'Zp', Private_Use: 'Co', Punctuation: 'P',
  Separator: 'Z', Space_Separator: 'Zs', Spacing_Mark: 'Mc', Surrogate: 'Cs', Symbol: 'S', Titlecase_Letter: 'Lt',
  Unassigned: 'Cn', Uppercase_Letter: 'Lu', cntrl: 'Cc', digit: 'Nd', punct: 'P',
};

/** Go's canonicalName: separators dropped, first letter upper case, the rest lower case. */
function canonicalName(name: string): string {
  let out = '';
  let first = true;
  for (const c of name) {
    if (c === '_' || c === '-' || c === ' ') continue;
    if (first) {
      out += c >= 'a' && c <= 'z' ? c.toUpperCase() : c;
      first = false;
    } else {
      out += c >= 'A' && c <= 'Z' ? c.toLowerCase() : c;
    }
  }
  return out;
}

/** JavaScript property escapes whose union is the named Go table; `invert` for Go's "Assigned". */
interface UnicodeTable {
  readonly props: readonly string[];
  readonly invert: boolean;
}

function categoryProps(cat: string): readonly string[] {
  // Go's C (Other) is Cc, Cf, Co and Cs; ECMAScript's \p{C} also takes in the unassigned Cn.
  return cat === 'C' ? ['\\p{Cc}', '\\p{Cf}', '\\p{Co}', '\\p{Cs}'] : [`\\p{${cat}}`];
}

let unicodeTables: Map<string, UnicodeTable> | undefined;

function unicodeTable(name: string): UnicodeTable | undefined {
  if (!unicodeTables) {
    const m = new Map<string, UnicodeTable>();
    m.set('Any', { props: ['\\p{Any}'], invert: false });
    m.set('Assigned', { props: ['\\p{Cn}'], invert: true });
    m.set('Ascii', { props: ['\\p{ASCII}'], invert: false });
    m.set('Lc', { props: ['\\p{LC}'], invert: false });
    for (const [alias, cat] of Object.entries(CATEGORY_ALIASES)) m.set(canonicalName(alias), { props: categoryProps(cat), invert: false });
    for (const s of SCRIPTS) m.set(canonicalName(s), { props: [`\\p{Script=${s}}`], invert: false });
    for (const c of CATEGORIES) m.set(c, { props: categoryProps(c), invert: false });
    unicodeTables = m;
  }
  return unicodeTables.get(canonicalName(name));
}

const foldExtrasCache = new Map<string, Ranges>();

/** Go's FoldCategory/FoldScript: code points outside the table whose case orbit reaches into it. */
function foldExtras(props: readonly string[]): Ranges {
  const key = props.join('');
  const cached = foldExtrasCache.get(key);
  if (cached) return cached;
  const re = new RegExp(`^[${key}]$`, 'u');
  const inTable = (cp: number): boolean => re.test(String.fromCodePoint(cp));
  const out: number[] = [];
  for (const cp of folds().foldable) {
    if (!inTable(cp) && orbitOf(cp).some(inTable)) out.push(cp, cp);
  }
  const r = cleanRanges(out);
  foldExtrasCache.set(key, r);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Character classes
// ---------------------------------------------------------------------------------------------

/** A union of explicit ranges, property escapes, and complements of (property escapes ∪ ranges). */
class ClassSet {
  readonly ranges: number[] = [];
  readonly props: string[] = [];
  readonly negs: { props: readonly string[]; ranges: Ranges }[] = [];

  addRange(lo: number, hi: number, fold: boolean): void {
    if (fold) appendFoldedRange(this.ranges, lo, hi);
    else this.ranges.push(lo, hi);
  }

  addGroup(group: Group, fold: boolean): void {
    const base = fold ? foldRanges(group.ranges) : group.ranges;
    this.ranges.push(...(group.sign > 0 ? base : negateRanges(base)));
  }

  addTable(table: UnicodeTable, sign: 1 | -1, fold: boolean): void {
    const extras = fold && table.props[0] !== '\\p{Any}' ? foldExtras(table.props) : [];
    const positive = (sign > 0) !== table.invert;
    if (positive) {
      this.props.push(...table.props);
      this.ranges.push(...extras);
    } else {
      this.negs.push({ props: table.props, ranges: extras });
    }
  }

  /** The JavaScript pattern for this set, or for its complement. */
  emit(negated: boolean): string {
    const simple: string[] = [];
    const complex: string[] = [];
    for (const n of this.negs) {
      const only = n.props[0];
      if (n.ranges.length === 0 && n.props.length === 1 && only !== undefined) simple.push(`\\P${only.slice(2)}`);
      else complex.push(rangesBody(n.ranges) + n.props.join(''));
    }
    const inner = rangesBody(cleanRanges(this.ranges)) + this.props.join('') + simple.join('');
    if (complex.length === 0) return negated ? `[^${inner}]` : `[${inner}]`;
    if (inner === '' && complex.length === 1) return negated ? `[${complex[0] ?? ''}]` : `[^${complex[0] ?? ''}]`;
    if (!negated) return `(?:[${inner}]|${complex.map((b) => `(?![${b}])[\\s\\S]`).join('|')})`;
    return `(?:(?![${inner}])${complex.map((b) => `(?=[${b}])`).join('')}[\\s\\S])`;
  }
}

// ---------------------------------------------------------------------------------------------
// Syntax tree
// ---------------------------------------------------------------------------------------------

type Node =
  | { readonly k: 'lit'; readonly cp: number; readonly fold: boolean }
  | { readonly k: 'class'; readonly set: ClassSet; readonly negated: boolean }
  | { readonly k: 'any' | 'anyNotNL' | 'bol' | 'eol' | 'bot' | 'eot' | 'wb' | 'nwb' | 'empty' }
  | { readonly k: 'cap'; readonly sub: Node }
  | { readonly k: 'concat' | 'alt'; readonly subs: readonly Node[] }
  | { readonly k: 'rep'; readonly op: 'star' | 'plus' | 'quest' | 'repeat'; readonly sub: Node; readonly min: number; readonly max: number; readonly lazy: boolean };

function children(n: Node): readonly Node[] {
  switch (n.k) {
    case 'cap':
    case 'rep':
      return [n.sub];
    case 'concat':
    case 'alt':
      return n.subs;
    default:
      return [];
  }
}

const MAX_REPEAT = 1000;
const MAX_HEIGHT = 1000;

/** Go's repeatIsValid: nested counted repetitions may not multiply past 1000 copies. */
function repeatIsValid(n: Node, limit: number): boolean {
  let budget = limit;
  if (n.k === 'rep' && n.op === 'repeat') {
    let m = n.max;
    if (m === 0) return true;
    if (m < 0) m = n.min;
    if (m > budget) return false;
    if (m > 0) budget = Math.trunc(budget / m);
  }
  return children(n).every((c) => repeatIsValid(c, budget));
}

function height(n: Node): number {
  let h = 1;
  for (const c of children(n)) h = Math.max(h, 1 + height(c));
  return h;
}

function countNodes(n: Node): number {
  return children(n).reduce((sum, c) => sum + countNodes(c), 1);
}

// ---------------------------------------------------------------------------------------------
// Parser (regexp/syntax with the Perl flags regexp.Compile uses)
// ---------------------------------------------------------------------------------------------

const FOLD_CASE = 1;
const DOT_NL = 8;
const ONE_LINE = 16;
const NON_GREEDY = 32;
const FLAG_MASK = 0xffff;

interface Frame {
  readonly alts: Node[][];
  cur: Node[];
  readonly capture: boolean;
  /** Flags in force before the group opened, restored at its `)`. */
  readonly flags: number;
}

function isAlnum(c: string | undefined): boolean {
  return c !== undefined && /^[0-9A-Za-z]$/.test(c);
}

function unhex(c: string | undefined): number {
  if (c === undefined || !/^[0-9A-Fa-f]$/.test(c)) return -1;
  return parseInt(c, 16);
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}

class Parser {
  private i = 0;
  private flags = ONE_LINE;
  private readonly stack: Frame[] = [{ alts: [], cur: [], capture: false, flags: ONE_LINE }];
  private lastRepeat = -1;

  constructor(private readonly s: string) {}

  private get top(): Frame {
    return this.stack[this.stack.length - 1] as Frame;
  }

  private push(n: Node): void {
    this.top.cur.push(n);
  }

  /** The code point at index j and the index after it; U+FFFD past the end, as Go's decoder gives. */
  private rune(j: number): { cp: number; next: number } {
    if (j >= this.s.length) return { cp: 0xfffd, next: j };
    const cp = this.s.codePointAt(j) ?? 0xfffd;
    return { cp, next: j + (cp > 0xffff ? 2 : 1) };
  }

  private literal(cp: number): void {
    this.push({ k: 'lit', cp, fold: (this.flags & FOLD_CASE) !== 0 });
  }

  parse(): Node {
    const s = this.s;
    while (this.i < s.length) {
      let repeatAt = -1;
      const c = s[this.i];
      switch (c) {
        case '(':
          if (s[this.i + 1] === '?') {
            this.parsePerlFlags();
            break;
          }
          this.stack.push({ alts: [], cur: [], capture: true, flags: this.flags });
          this.i++;
          break;
        case '|':
          this.top.alts.push(this.top.cur);
          this.top.cur = [];
          this.i++;
          break;
        case ')':
          this.closeGroup();
          this.i++;
          break;
        case '^':
          this.push({ k: this.flags & ONE_LINE ? 'bot' : 'bol' });
          this.i++;
          break;
        case '$':
          this.push({ k: this.flags & ONE_LINE ? 'eot' : 'eol' });
          this.i++;
          break;
        case '.':
          this.push({ k: this.flags & DOT_NL ? 'any' : 'anyNotNL' });
          this.i++;
          break;
        case '[':
          this.parseClass();
          break;
        case '*':
        case '+':
        case '?': {
          const op = c === '*' ? 'star' : c === '+' ? 'plus' : 'quest';
          repeatAt = this.i;
          this.i = this.repeat(op, op === 'plus' ? 1 : 0, op === 'star' || op === 'plus' ? -1 : 1, this.i, this.i + 1);
          break;
        }
        case '{': {
          const r = this.parseRepeat(this.i);
          if (!r) {
            this.literal(0x7b);
            this.i++;
            break;
          }
          if (r.min < 0 || r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max >= 0 && r.min > r.max)) {
            syntaxError(ERR_INVALID_REPEAT_SIZE, s.slice(this.i, r.after));
          }
          repeatAt = this.i;
          this.i = this.repeat('repeat', r.min, r.max, this.i, r.after);
          break;
        }
        case '\\':
          this.parseBackslash();
          break;
        default: {
          const { cp, next } = this.rune(this.i);
          this.literal(cp);
          this.i = next;
        }
      }
      this.lastRepeat = repeatAt;
    }
    if (this.stack.length !== 1) syntaxError(ERR_MISSING_PAREN, s);
    const root = this.finish(this.top);
    if (countNodes(root) >= MAX_HEIGHT && height(root) > MAX_HEIGHT) syntaxError(ERR_NESTING_DEPTH, s);
    return root;
  }

  private finish(f: Frame): Node {
    const branches = [...f.alts, f.cur].map((b): Node => (b.length === 0 ? { k: 'empty' } : b.length === 1 ? (b[0] as Node) : { k: 'concat', subs: b }));
    return branches.length === 1 ? (branches[0] as Node) : { k: 'alt', subs: branches };
  }

  private closeGroup(): void {
    if (this.stack.length < 2) syntaxError(ERR_UNEXPECTED_PAREN, this.s);
    const f = this.stack.pop() as Frame;
    const body = this.finish(f);
    this.flags = f.flags;
    this.push(f.capture ? { k: 'cap', sub: body } : body);
  }

  /** Applies a repetition to the last item; returns the index after the operator (and its `?`). */
  private repeat(op: 'star' | 'plus' | 'quest' | 'repeat', min: number, max: number, start: number, afterOp: number): number {
    let after = afterOp;
    let flags = this.flags;
    if (this.s[after] === '?') {
      after++;
      flags ^= NON_GREEDY;
    }
    if (this.lastRepeat >= 0) syntaxError(ERR_INVALID_REPEAT_OP, this.s.slice(this.lastRepeat, after));
    const sub = this.top.cur.pop();
    if (sub === undefined) syntaxError(ERR_MISSING_REPEAT_ARGUMENT, this.s.slice(start, after));
    const node: Node = { k: 'rep', op, sub, min, max, lazy: (flags & NON_GREEDY) !== 0 };
    this.push(node);
    if (op === 'repeat' && (min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) {
      syntaxError(ERR_INVALID_REPEAT_SIZE, this.s.slice(start, after));
    }
    return after;
  }

  /** {n}, {n,} or {n,m}; undefined when not of that form (then `{` is a literal). */
  private parseRepeat(start: number): { min: number; max: number; after: number } | undefined {
    const s = this.s;
    let j = start + 1;
    const int = (): number | undefined => {
      if (!/^[0-9]$/.test(s[j] ?? '')) return undefined;
      if (s[j] === '0' && /^[0-9]$/.test(s[j + 1] ?? '')) return undefined; // no leading zeros
      let n = 0;
      let big = false;
      while (/^[0-9]$/.test(s[j] ?? '')) {
        if (n >= 1e8) big = true;
        if (!big) n = n * 10 + Number(s[j]);
        j++;
      }
      return big ? -1 : n;
    };
    let min = int();
    if (min === undefined || j >= s.length) return undefined;
    let max = min;
    if (s[j] === ',') {
      j++;
      if (j >= s.length) return undefined;
      if (s[j] === '}') max = -1;
      else {
        const m = int();
        if (m === undefined) return undefined;
        max = m;
        if (m < 0) min = -1;
      }
    }
    if (s[j] !== '}') return undefined;
    return { min, max, after: j + 1 };
  }

  private parsePerlFlags(): void {
    const s = this.s;
    const start = this.i;
    const t = s.slice(start);
    const startsWithP = t.length > 4 && t[2] === 'P' && t[3] === '<';
    const startsWithName = t.length > 3 && t[2] === '<';
    if (startsWithP || startsWithName) {
      const nameStart = startsWithP ? 4 : 3;
      const end = t.indexOf('>');
      if (end < 0) syntaxError(ERR_INVALID_NAMED_CAPTURE, t);
      const name = t.slice(nameStart, end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) syntaxError(ERR_INVALID_NAMED_CAPTURE, t.slice(0, end + 1));
      this.stack.push({ alts: [], cur: [], capture: true, flags: this.flags });
      this.i = start + end + 1;
      return;
    }
    let j = start + 2;
    let flags = this.flags;
    let sign = 1;
    let sawFlag = false;
    while (j < s.length) {
      const { cp, next } = this.rune(j);
      j = next;
      const c = String.fromCodePoint(cp);
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        if (c === 'i') flags |= FOLD_CASE;
        else if (c === 'm') flags &= ~ONE_LINE & FLAG_MASK;
        else if (c === 's') flags |= DOT_NL;
        else flags |= NON_GREEDY;
        sawFlag = true;
        continue;
      }
      if (c === '-') {
        if (sign < 0) break;
        sign = -1;
        flags = ~flags & FLAG_MASK;
        sawFlag = false;
        continue;
      }
      if (c === ':' || c === ')') {
        if (sign < 0) {
          if (!sawFlag) break;
          flags = ~flags & FLAG_MASK;
        }
        if (c === ':') this.stack.push({ alts: [], cur: [], capture: false, flags: this.flags });
        this.flags = flags;
        this.i = j;
        return;
      }
      break;
    }
    syntaxError(ERR_INVALID_PERL_OP, s.slice(start, j));
  }

  private parseBackslash(): void {
    const s = this.s;
    const next = s[this.i + 1];
    switch (next) {
      case 'A':
        this.push({ k: 'bot' });
        this.i += 2;
        return;
      case 'b':
        this.push({ k: 'wb' });
        this.i += 2;
        return;
      case 'B':
        this.push({ k: 'nwb' });
        this.i += 2;
        return;
      case 'C':
        syntaxError(ERR_INVALID_ESCAPE, '\\C');
        break;
      case 'Q': {
        const rest = s.slice(this.i + 2);
        const end = rest.indexOf('\\E');
        const lit = end < 0 ? rest : rest.slice(0, end);
        for (const ch of lit) this.literal(ch.codePointAt(0) ?? 0xfffd);
        this.i = end < 0 ? s.length : this.i + 2 + end + 2;
        return;
      }
      case 'z':
        this.push({ k: 'eot' });
        this.i += 2;
        return;
      default:
        break;
    }
    const fold = (this.flags & FOLD_CASE) !== 0;
    const set = new ClassSet();
    const u = this.parseUnicodeClass(this.i, set, fold);
    if (u !== undefined) {
      this.push({ k: 'class', set, negated: false });
      this.i = u;
      return;
    }
    const perl = PERL_GROUPS[s.slice(this.i, this.i + 2)];
    if (perl) {
      set.addGroup(perl, fold);
      this.push({ k: 'class', set, negated: false });
      this.i += 2;
      return;
    }
    const { cp, next: after } = this.parseEscape(this.i);
    this.literal(cp);
    this.i = after;
  }

  /** An ordinary escape starting at the backslash at j. */
  private parseEscape(j: number): { cp: number; next: number } {
    const s = this.s;
    let k = j + 1;
    if (k >= s.length) syntaxError(ERR_TRAILING_BACKSLASH, '');
    const first = this.rune(k);
    k = first.next;
    const c = String.fromCodePoint(first.cp);
    const bad = (): never => syntaxError(ERR_INVALID_ESCAPE, s.slice(j, k));
    if (first.cp < 0x80 && !isAlnum(c)) return { cp: first.cp, next: k };
    if (isOctal(c)) {
      // \1-\7 alone would be a backreference, which RE2 does not support; with more digits, octal.
      if (c !== '0' && !isOctal(s[k])) return bad();
      let r = first.cp - 48;
      for (let n = 1; n < 3 && isOctal(s[k]); n++) {
        r = r * 8 + (s.charCodeAt(k) - 48);
        k++;
      }
      return { cp: r, next: k };
    }
    switch (c) {
      case 'x': {
        if (k >= s.length) return bad();
        const open = this.rune(k);
        k = open.next;
        if (open.cp === 0x7b) {
          let r = 0;
          let digits = 0;
          for (;;) {
            if (k >= s.length) return bad();
            const d = this.rune(k);
            k = d.next;
            if (d.cp === 0x7d) break;
            const v = unhex(String.fromCodePoint(d.cp));
            if (v < 0) return bad();
            r = r * 16 + v;
            if (r > MAX_RUNE) return bad();
            digits++;
          }
          if (digits === 0) return bad();
          return { cp: r, next: k };
        }
        const x = unhex(String.fromCodePoint(open.cp));
        const second = this.rune(k);
        k = second.next;
        const y = unhex(String.fromCodePoint(second.cp));
        if (x < 0 || y < 0) return bad();
        return { cp: x * 16 + y, next: k };
      }
      case 'a':
        return { cp: 0x07, next: k };
      case 'f':
        return { cp: 0x0c, next: k };
      case 'n':
        return { cp: 0x0a, next: k };
      case 'r':
        return { cp: 0x0d, next: k };
      case 't':
        return { cp: 0x09, next: k };
      case 'v':
        return { cp: 0x0b, next: k };
      default:
        return bad();
    }
  }

  /** \pN, \p{Name}, \PN, \P{^Name}: adds the table to `set`; returns the index after it, or undefined. */
  private parseUnicodeClass(j: number, set: ClassSet, fold: boolean): number | undefined {
    const s = this.s;
    if (s[j] !== '\\' || (s[j + 1] !== 'p' && s[j + 1] !== 'P')) return undefined;
    let sign: 1 | -1 = s[j + 1] === 'P' ? -1 : 1;
    const r = this.rune(j + 2);
    let seq: string;
    let name: string;
    let after: number;
    if (r.cp !== 0x7b) {
      after = r.next;
      seq = s.slice(j, after);
      name = seq.slice(2);
    } else {
      const end = s.indexOf('}', j);
      if (end < 0) syntaxError(ERR_INVALID_CHAR_CLASS_RANGE, s.slice(j));
      after = end + 1;
      seq = s.slice(j, after);
      name = s.slice(j + 3, end);
    }
    if (name.startsWith('^')) {
      sign = sign > 0 ? -1 : 1;
      name = name.slice(1);
    }
    const table = unicodeTable(name);
    if (!table) syntaxError(ERR_INVALID_CHAR_CLASS_RANGE, seq);
    set.addTable(table, sign, fold);
    return after;
  }

  private parseClass(): void {
    const s = this.s;
    const whole = s.slice(this.i);
    const fold = (this.flags & FOLD_CASE) !== 0;
    const set = new ClassSet();
    let j = this.i + 1;
    let negated = false;
    if (s[j] === '^') {
      negated = true;
      j++;
    }
    let first = true;
    while (j >= s.length || s[j] !== ']' || first) {
      first = false;
      if (s.length - j > 2 && s[j] === '[' && s[j + 1] === ':') {
        const close = s.indexOf(':]', j + 2);
        if (close >= 0) {
          const name = s.slice(j, close + 2);
          const group = POSIX_GROUPS[name];
          if (!group) syntaxError(ERR_INVALID_CHAR_CLASS_RANGE, name);
          set.addGroup(group, fold);
          j = close + 2;
          continue;
        }
      }
      const u = this.parseUnicodeClass(j, set, fold);
      if (u !== undefined) {
        j = u;
        continue;
      }
      const perl = PERL_GROUPS[s.slice(j, j + 2)];
      if (perl) {
        set.addGroup(perl, fold);
        j += 2;
        continue;
      }
      const rangeStart = j;
      const lo = this.classChar(j, whole);
      j = lo.next;
      let hi = lo.cp;
      if (s.length - j >= 2 && s[j] === '-' && s[j + 1] !== ']') {
        const h = this.classChar(j + 1, whole);
        j = h.next;
        hi = h.cp;
        if (hi < lo.cp) syntaxError(ERR_INVALID_CHAR_CLASS_RANGE, s.slice(rangeStart, j));
      }
      set.addRange(lo.cp, hi, fold);
    }
    this.push({ k: 'class', set, negated });
    this.i = j + 1;
  }

  private classChar(j: number, whole: string): { cp: number; next: number } {
    if (j >= this.s.length) syntaxError(ERR_MISSING_BRACKET, whole);
    if (this.s[j] === '\\') return this.parseEscape(j);
    return this.rune(j);
  }
}

// ---------------------------------------------------------------------------------------------
// Emitter
// ---------------------------------------------------------------------------------------------

function emitLiteral(cp: number): string {
  const ch = String.fromCodePoint(cp);
  return /^[A-Za-z0-9]$/.test(ch) ? ch : hex(cp);
}

function emit(n: Node): string {
  switch (n.k) {
    case 'lit': {
      if (!n.fold) return emitLiteral(n.cp);
      const orbit = orbitOf(n.cp);
      return orbit.length === 1 ? emitLiteral(n.cp) : `[${orbit.map(hex).join('')}]`;
    }
    case 'class':
      return n.set.emit(n.negated);
    case 'any':
      return '[\\s\\S]';
    case 'anyNotNL':
      return '[^\\n]';
    case 'bol':
      return '(?:^|(?<=\\n))';
    case 'eol':
      return '(?:$|(?=\\n))';
    case 'bot':
      return '^';
    case 'eot':
      return '$';
    case 'wb':
      return '\\b';
    case 'nwb':
      return '\\B';
    case 'empty':
      return '(?:)';
    case 'cap':
      return `(${emit(n.sub)})`;
    case 'concat':
      return n.subs.map((s) => (s.k === 'alt' ? `(?:${emit(s)})` : emit(s))).join('');
    case 'alt':
      return n.subs.map(emit).join('|');
    case 'rep': {
      const sub = n.sub;
      const atomic = sub.k === 'lit' || sub.k === 'class' || sub.k === 'any' || sub.k === 'anyNotNL' || sub.k === 'cap';
      const body = atomic ? emit(sub) : `(?:${emit(sub)})`;
      let q: string;
      if (n.op === 'star') q = '*';
      else if (n.op === 'plus') q = '+';
      else if (n.op === 'quest') q = '?';
      else if (n.max === -1) q = `{${n.min},}`;
      else if (n.max === n.min) q = `{${n.min}}`;
      else q = `{${n.min},${n.max}}`;
      return body + q + (n.lazy ? '?' : '');
    }
  }
}

/** The JavaScript source (for the 'u' flag) of an RE2 pattern; throws CelEvalError with Go's message. */
export function translateRE2(pattern: string): string {
  return emit(new Parser(pattern).parse());
}

const CACHE_LIMIT = 512;
const cache = new Map<string, RegExp | CelEvalError>();

/**
 * Compiles an RE2 pattern to an equivalent RegExp (flag 'u', unanchored, like Go's MatchString).
 * Throws CelEvalError with Go's text, e.g. "error parsing regexp: missing closing ): `(a`".
 */
export function compileRE2(pattern: string): RegExp {
  let hit = cache.get(pattern);
  if (hit === undefined) {
    try {
      hit = new RegExp(translateRE2(pattern), 'u');
    } catch (e) {
      if (!(e instanceof CelEvalError)) throw e;
      hit = e;
    }
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
  } else {
    cache.delete(pattern); // refresh its place: least recently used goes first
  }
  cache.set(pattern, hit);
  if (hit instanceof CelEvalError) throw new CelEvalError(hit.message);
  return hit;
}
