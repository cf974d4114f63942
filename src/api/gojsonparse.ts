/**
 * A JSON reader that fails the way Go's encoding/json fails. kube-apiserver quotes decoder errors
 * verbatim in its 400 answers (`couldn't get version/kind; json parse error: invalid character
 * 'x' looking for beginning of value`), so the syntax check follows Go's scanner state by state,
 * on bytes, including its end-of-input rule (a number or literal cut short reports the space Go
 * feeds at EOF). The result keeps object members in order with duplicates, because kube's strict
 * decoder reports duplicate fields and Go lets the last one win.
 */
import { goQuote } from '../util/goquote.js';

/** A parsed JSON value; objects keep their members in input order, duplicates included. */
export type JsonNode =
  | { readonly k: 'object'; readonly entries: readonly (readonly [string, JsonNode])[] }
  | { readonly k: 'array'; readonly items: readonly JsonNode[] }
  | { readonly k: 'string'; readonly v: string }
  | { readonly k: 'number'; readonly raw: string }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'null' };

/** Go's `*json.SyntaxError`; `message` is its Error() text. */
export class GoJSONSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoJSONSyntaxError';
  }
}

const END = 'unexpected end of JSON input';

/** Go's quoteChar: the offending byte as Go's scanner names it. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  // Go converts the byte to a rune (Latin-1) before quoting it.
  const q = goQuote(String.fromCharCode(c));
  return `'${q.slice(1, -1)}'`;
}

function syntax(c: number, context: string): GoJSONSyntaxError {
  return new GoJSONSyntaxError(`invalid character ${quoteChar(c)} ${context}`);
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
/** At end of input Go's scanner is fed one space; states that cannot take one report it. */
const EOF_SPACE = 0x20;

class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}

  get eof(): boolean {
    return this.pos >= this.b.length;
  }
  peek(): number {
    return this.b[this.pos] ?? -1;
  }
  skipSpace(): void {
    while (this.pos < this.b.length && isSpace(this.b[this.pos] as number)) this.pos++;
  }
  /** The next byte, or EOF_SPACE with `eofSpace` set when input ran out inside a token. */
  tokenByte(): { c: number; eof: boolean } {
    if (this.pos >= this.b.length) return { c: EOF_SPACE, eof: true };
    return { c: this.b[this.pos] as number, eof: false };
  }

  value(): JsonNode {
    this.skipSpace();
    if (this.eof) throw new GoJSONSyntaxError(END);
    const c = this.peek();
    switch (c) {
      case 0x7b:
        return this.object();
      case 0x5b:
        return this.array();
      case 0x22:
        return { k: 'string', v: this.string() };
      case 0x74:
        this.literal('true');
        return { k: 'bool', v: true };
      case 0x66:
        this.literal('false');
        return { k: 'bool', v: false };
      case 0x6e:
        this.literal('null');
        return { k: 'null' };
      default:
        if (c === 0x2d || isDigit(c)) return { k: 'number', raw: this.number() };
        throw syntax(c, 'looking for beginning of value');
    }
  }

  private object(): JsonNode {
    this.pos++; // {
    const entries: [string, JsonNode][] = [];
    this.skipSpace();
    if (this.eof) throw new GoJSONSyntaxError(END);
    if (this.peek() === 0x7d) {
      this.pos++;
      return { k: 'object', entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.eof) throw new GoJSONSyntaxError(END);
      if (this.peek() !== 0x22) throw syntax(this.peek(), 'looking for beginning of object key string');
      const key = this.string();
      this.skipSpace();
      if (this.eof) throw new GoJSONSyntaxError(END);
      if (this.peek() !== 0x3a) throw syntax(this.peek(), 'after object key');
      this.pos++;
      entries.push([key, this.value()]);
      this.skipSpace();
      if (this.eof) throw new GoJSONSyntaxError(END);
      const c = this.peek();
      this.pos++;
      if (c === 0x7d) return { k: 'object', entries };
      if (c !== 0x2c) throw syntax(c, 'after object key:value pair');
    }
  }

  private array(): JsonNode {
    this.pos++; // [
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.eof) throw new GoJSONSyntaxError(END);
    if (this.peek() === 0x5d) {
      this.pos++;
      return { k: 'array', items };
    }
    for (;;) {
      items.push(this.value());
      this.skipSpace();
      if (this.eof) throw new GoJSONSyntaxError(END);
      const c = this.peek();
      this.pos++;
      if (c === 0x5d) return { k: 'array', items };
      if (c !== 0x2c) throw syntax(c, 'after array element');
    }
  }

  private string(): string {
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    const flush = (end: number): void => {
      if (end > runStart) out += Buffer.from(this.b.buffer, this.b.byteOffset + runStart, end - runStart).toString('utf8');
    };
    for (;;) {
      if (this.eof) throw new GoJSONSyntaxError(END);
      const c = this.b[this.pos] as number;
      if (c === 0x22) {
        flush(this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) throw syntax(c, 'in string literal');
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      flush(this.pos);
      this.pos++;
      if (this.eof) throw new GoJSONSyntaxError(END);
      const e = this.b[this.pos] as number;
      this.pos++;
      const simple: Record<number, string> = { 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t', 0x5c: '\\', 0x2f: '/', 0x22: '"' };
      if (simple[e] !== undefined) out += simple[e];
      else if (e === 0x75) out += this.unicodeEscape();
      else throw syntax(e, 'in string escape code');
      runStart = this.pos;
    }
  }

  /** `\uXXXX`, pairing surrogates as Go does; a lone surrogate becomes U+FFFD. */
  private unicodeEscape(): string {
    const hi = this.hex4();
    if (hi >= 0xd800 && hi < 0xdc00) {
      // Only a following \uDC00-\uDFFF completes the pair; anything else is left for the loop.
      if (this.b[this.pos] === 0x5c && this.b[this.pos + 1] === 0x75) {
        const save = this.pos;
        this.pos += 2;
        const lo = this.hex4();
        if (lo >= 0xdc00 && lo < 0xe000) return String.fromCharCode(hi, lo);
        this.pos = save;
      }
      return '\ufffd';
    }
    if (hi >= 0xdc00 && hi < 0xe000) return '\ufffd';
    return String.fromCharCode(hi);
  }

  private hex4(): number {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      if (this.eof) throw new GoJSONSyntaxError(END);
      const c = this.b[this.pos] as number;
      if (!isHex(c)) throw syntax(c, 'in \\u hexadecimal character escape');
      v = v * 16 + parseInt(String.fromCharCode(c), 16);
      this.pos++;
    }
    return v;
  }

  private literal(word: string): void {
    this.pos++; // first letter already checked
    for (let i = 1; i < word.length; i++) {
      const { c } = this.tokenByte();
      if (c !== word.charCodeAt(i)) throw syntax(c, `in literal ${word} (expecting '${word[i]}')`);
      this.pos++;
    }
  }

  /** Go's number states: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?; returns the text. */
  private number(): string {
    const start = this.pos;
    let t = this.tokenByte();
    if (t.c === 0x2d) {
      this.pos++;
      t = this.tokenByte();
      if (!isDigit(t.c)) throw syntax(t.c, 'in numeric literal');
    }
    if (t.c === 0x30) this.pos++;
    else while (isDigit(this.tokenByte().c) && !this.tokenByte().eof) this.pos++;
    t = this.tokenByte();
    if (!t.eof && t.c === 0x2e) {
      this.pos++;
      t = this.tokenByte();
      if (t.eof || !isDigit(t.c)) throw syntax(t.c, 'after decimal point in numeric literal');
      while (!this.tokenByte().eof && isDigit(this.tokenByte().c)) this.pos++;
      t = this.tokenByte();
    }
    if (!t.eof && (t.c === 0x65 || t.c === 0x45)) {
      this.pos++;
      t = this.tokenByte();
      if (!t.eof && (t.c === 0x2b || t.c === 0x2d)) {
        this.pos++;
        t = this.tokenByte();
      }
      if (t.eof || !isDigit(t.c)) throw syntax(t.c, 'in exponent of numeric literal');
      while (!this.tokenByte().eof && isDigit(this.tokenByte().c)) this.pos++;
    }
    return Buffer.from(this.b.buffer, this.b.byteOffset + start, this.pos - start).toString('latin1');
  }
}

/**
 * Parses one JSON document, throwing {@link GoJSONSyntaxError} with Go's wording.
 *
 * @example
 * parseGoJSON(Buffer.from('{"a":1,}')) // throws: invalid character '}' looking for beginning of object key string
 */
export function parseGoJSON(data: Uint8Array): JsonNode {
  const r = new Reader(data);
  const v = r.value();
  r.skipSpace();
  if (!r.eof) throw syntax(r.peek(), 'after top-level value');
  return v;
}

/** The word Go's UnmarshalTypeError uses for a JSON value's kind. */
export function jsonKindWord(n: JsonNode): string {
  switch (n.k) {
    case 'object':
      return 'object';
    case 'array':
      return 'array';
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'bool':
      return 'bool';
    case 'null':
      return 'null';
  }
}
