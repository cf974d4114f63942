/**
 * CEL's grammar, parsed by recursive descent into doorman's AST, with the optional syntax
 * (`a.?b`, `a[?k]`, `[?x]`, `{?k: v}`) and the macros kube-apiserver's environments know
 * expanded as they are parsed: `has`, `all`, `exists`, `exists_one`/`existsOne`, `map`,
 * `filter`, the two-variable forms and `transformList`/`transformMap`/`transformMapEntry`
 * (cel-go's ext.TwoVarComprehensions), `optMap`/`optFlatMap` and the lists extension's `sortBy`. Offsets are recorded where
 * cel-go reports them, so checker messages point at the same column.
 */
import type { ComprehensionExpr, Expr, MacroName, MapEntry } from './ast.js';
import { CelUint, type CelValue } from './value.js';

export interface ParseIssue {
  readonly offset: number;
  readonly message: string;
}

/** Syntax or macro errors, in source order (lexical errors are collected before the parse stops). */
export class ParseError extends Error {
  constructor(readonly issues: readonly ParseIssue[]) {
    super(issues[0]?.message ?? 'Syntax error');
  }
}

function parseError(offset: number, message: string, earlier: readonly ParseIssue[] = []): ParseError {
  return new ParseError([...earlier, { offset, message }]);
}

type TokenKind = 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'ident' | 'op' | 'eof';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly offset: number;
  readonly value?: CelValue;
}

/** Words CEL reserves: not usable as identifiers. */
const RESERVED: ReadonlySet<string> = new Set([
  'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '%', '?', ':', '.', ',', '[', ']', '(', ')', '{', '}'];

const MAX_INT = 2n ** 63n - 1n;
const MAX_UINT = 2n ** 64n - 1n;
/** cel-go's default limit on nesting depth (parser.MaxRecursionDepth). */
const MAX_DEPTH = 250;

class Lexer {
  private pos = 0;
  /** Characters no token starts with: reported as ANTLR does, then skipped, and lexing goes on. */
  readonly errors: ParseIssue[] = [];
  constructor(private readonly src: string) {}

  private error(offset: number, message: string): never {
    throw parseError(offset, `Syntax error: ${message}`);
  }

  next(): Token {
    const s = this.src;
    for (;;) {
      while (this.pos < s.length && /[\s]/.test(s[this.pos] ?? '')) this.pos++;
      if (s.startsWith('//', this.pos)) {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
        continue;
      }
      break;
    }
    const start = this.pos;
    if (start >= s.length) return { kind: 'eof', text: '<EOF>', offset: start };
    const c = s[start] ?? '';
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[start + 1] ?? ''))) return this.number(start);
    if (/[_a-zA-Z]/.test(c)) {
      let end = start + 1;
      while (end < s.length && /[_a-zA-Z0-9]/.test(s[end] ?? '')) end++;
      const word = s.slice(start, end);
      const quote = s[end];
      if ((quote === '"' || quote === "'") && /^(r|R|b|B|rb|rB|Rb|RB|br|bR|Br|BR)$/.test(word)) {
        this.pos = end;
        return this.string(start, /[rR]/.test(word), /[bB]/.test(word));
      }
      this.pos = end;
      return { kind: 'ident', text: word, offset: start };
    }
    if (c === '"' || c === "'") return this.string(start, false, false);
    if (c === '`') {
      const end = s.indexOf('`', start + 1);
      if (end < 0) this.error(start, `token recognition error at: '${s.slice(start)}'`);
      this.pos = end + 1;
      return { kind: 'ident', text: s.slice(start, end + 1), offset: start };
    }
    for (const op of OPERATORS) {
      if (s.startsWith(op, start)) {
        this.pos = start + op.length;
        return { kind: 'op', text: op, offset: start };
      }
    }
    // A half operator (`=`, `&`, `|`) fails on the character after it, which ANTLR includes.
    const len = '=&|'.includes(c) && start + 1 < s.length ? 2 : 1;
    this.errors.push({ offset: start, message: `Syntax error: token recognition error at: '${s.slice(start, start + len)}'` });
    this.pos = start + len;
    return this.next();
  }

  private number(start: number): Token {
    const s = this.src;
    const hex = /^0[xX][0-9a-fA-F]+/.exec(s.slice(start));
    if (hex) {
      this.pos = start + hex[0].length;
      return this.integer(start, BigInt(hex[0]), hex[0]);
    }
    const m = /^([0-9]*\.[0-9]+([eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+|[0-9]+)/.exec(s.slice(start));
    const text = m?.[0] ?? '';
    this.pos = start + text.length;
    if (/[.eE]/.test(text)) return { kind: 'double', text, offset: start, value: Number(text) };
    return this.integer(start, BigInt(text), text);
  }

  private integer(start: number, v: bigint, text: string): Token {
    const u = this.src[this.pos];
    if (u === 'u' || u === 'U') {
      this.pos++;
      if (v > MAX_UINT) this.error(start, `invalid uint literal`);
      return { kind: 'uint', text: `${text}u`, offset: start, value: new CelUint(v) };
    }
    // The magnitude may be 2^63 only under a unary minus; the parser checks the sign.
    if (v > MAX_INT + 1n) this.error(start, 'invalid int literal');
    return { kind: 'int', text, offset: start, value: v };
  }

  private string(start: number, raw: boolean, bytes: boolean): Token {
    const s = this.src;
    const q = s[this.pos] ?? '';
    const triple = s.startsWith(q.repeat(3), this.pos);
    const delim = triple ? q.repeat(3) : q;
    let i = this.pos + delim.length;
    const out: number[] = []; // bytes for a bytes literal, code points otherwise
    const pushText = (t: string): void => {
      if (bytes) for (const b of Buffer.from(t, 'utf8')) out.push(b);
      else for (const ch of t) out.push(ch.codePointAt(0) ?? 0);
    };
    for (;;) {
      if (i >= s.length) this.error(start, `token recognition error at: '${s.slice(start)}'`);
      if (s.startsWith(delim, i)) {
        i += delim.length;
        break;
      }
      const ch = s[i] ?? '';
      if (!triple && (ch === '\n' || ch === '\r')) this.error(start, `token recognition error at: '${s.slice(start, i)}'`);
      if (ch === '\\' && !raw) {
        const [value, len, isByte] = this.escape(i, q);
        if (isByte && bytes) out.push(value);
        else if (bytes) pushText(String.fromCodePoint(value));
        else out.push(value);
        i += len;
        continue;
      }
      const cp = s.codePointAt(i) ?? 0;
      pushText(String.fromCodePoint(cp));
      i += cp > 0xffff ? 2 : 1;
    }
    this.pos = i;
    const text = s.slice(start, i);
    if (bytes) return { kind: 'bytes', text, offset: start, value: Uint8Array.from(out) };
    return { kind: 'string', text, offset: start, value: String.fromCodePoint(...out) };
  }

  /** One escape sequence at `i`: its value, its length, and whether it names a raw byte. */
  private escape(i: number, quote: string): [number, number, boolean] {
    const s = this.src;
    const c = s[i + 1] ?? '';
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34, '`': 96, '?': 63 };
    if (c in simple) return [simple[c] ?? 0, 2, false];
    const hexLen = c === 'x' || c === 'X' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const digits = s.slice(i + 2, i + 2 + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(digits)) this.error(i, `token recognition error at: '${s.slice(i, i + 2 + hexLen)}'`);
      const v = parseInt(digits, 16);
      if (hexLen > 2 && (v > 0x10ffff || (v >= 0xd800 && v < 0xe000))) this.error(i, `invalid unicode code point`);
      return [v, 2 + hexLen, hexLen === 2];
    }
    if (/[0-3]/.test(c) && /^[0-7]{2}$/.test(s.slice(i + 2, i + 4))) return [parseInt(s.slice(i + 1, i + 4), 8), 4, true];
    void quote;
    return this.error(i, `token recognition error at: '${s.slice(i, i + 2)}'`);
  }
}

/** The macros a release's environment has beyond the standard ones. */
export interface ParseOptions {
  /** ext.TwoVarComprehensions (kube 1.32+). */
  readonly twoVariableComprehensions: boolean;
  /** ext.Lists version 2+ `sortBy` (kube 1.34+). */
  readonly sortBy: boolean;
}

const ALL_MACROS: ParseOptions = { twoVariableComprehensions: true, sortBy: true };

class Parser {
  private readonly lexer: Lexer;
  private tok: Token;
  private nextId = 1;
  private depth = 0;

  constructor(
    src: string,
    private readonly options: ParseOptions,
  ) {
    this.lexer = new Lexer(src);
    this.tok = this.lexer.next();
  }

  private id(): number {
    return this.nextId++;
  }

  private advance(): Token {
    const t = this.tok;
    this.tok = this.lexer.next();
    return t;
  }

  private isOp(text: string): boolean {
    return this.tok.kind === 'op' && this.tok.text === text;
  }

  private syntax(t: Token, message: string): never {
    throw parseError(t.offset, `Syntax error: ${message}`, this.lexer.errors);
  }

  private expect(text: string): Token {
    if (!this.isOp(text)) this.syntax(this.tok, `mismatched input '${this.tok.text}' expecting '${text}'`);
    return this.advance();
  }

  parse(): Expr {
    const e = this.expr();
    if (this.tok.kind !== 'eof') this.syntax(this.tok, `extraneous input '${this.tok.text}' expecting <EOF>`);
    const [first, ...more] = this.lexer.errors;
    if (first) throw new ParseError([first, ...more]);
    return e;
  }

  private expr(): Expr {
    if (++this.depth > MAX_DEPTH) throw parseError(this.tok.offset, `expression recursion limit exceeded: ${MAX_DEPTH}`);
    try {
      const cond = this.or();
      if (!this.isOp('?')) return cond;
      const q = this.advance();
      const a = this.or();
      this.expect(':');
      const b = this.expr();
      return { kind: 'call', id: this.id(), offset: q.offset, fn: '_?_:_', args: [cond, a, b] };
    } finally {
      this.depth--;
    }
  }

  private binaryLeft(next: () => Expr, ops: Readonly<Record<string, string>>): Expr {
    let left = next();
    for (;;) {
      const t = this.tok;
      const text = t.kind === 'op' || (t.kind === 'ident' && t.text === 'in') ? t.text : undefined;
      const fn = text === undefined ? undefined : ops[text];
      if (fn === undefined) return left;
      this.advance();
      const right = next();
      left = { kind: 'call', id: this.id(), offset: t.offset, fn, args: [left, right] };
    }
  }

  private or(): Expr {
    return this.binaryLeft(() => this.and(), { '||': '_||_' });
  }

  private and(): Expr {
    return this.binaryLeft(() => this.relation(), { '&&': '_&&_' });
  }

  private relation(): Expr {
    return this.binaryLeft(() => this.addition(), { '<': '_<_', '<=': '_<=_', '>': '_>_', '>=': '_>=_', '==': '_==_', '!=': '_!=_', in: '@in' });
  }

  private addition(): Expr {
    return this.binaryLeft(() => this.multiplication(), { '+': '_+_', '-': '_-_' });
  }

  private multiplication(): Expr {
    return this.binaryLeft(() => this.unary(), { '*': '_*_', '/': '_/_', '%': '_%_' });
  }

  private unary(): Expr {
    if (this.isOp('!') || this.isOp('-')) {
      const ops: Token[] = [];
      const sign = this.tok.text;
      while (this.isOp(sign)) ops.push(this.advance());
      // A minus directly on a number literal is a negative literal (cel-go folds it).
      if (sign === '-' && ops.length % 2 === 1 && (this.tok.kind === 'int' || this.tok.kind === 'double')) {
        const minus = ops.pop() as Token;
        const lit = this.advance();
        const value: CelValue = lit.kind === 'int' ? -(lit.value as bigint) : -(lit.value as number);
        let e: Expr = { kind: 'const', id: this.id(), offset: minus.offset, value };
        e = this.member(e);
        return this.wrapUnary(ops, '-_', e);
      }
      const operand = this.member(this.primary());
      return this.wrapUnary(ops, sign === '!' ? '!_' : '-_', operand);
    }
    return this.member(this.primary());
  }

  private wrapUnary(ops: readonly Token[], fn: string, operand: Expr): Expr {
    let e = operand;
    for (let i = ops.length - 1; i >= 0; i--) e = { kind: 'call', id: this.id(), offset: ops[i]?.offset ?? 0, fn, args: [e] };
    if (e.kind === 'const' && typeof e.value === 'bigint' && e.value > MAX_INT) this.syntax({ kind: 'int', text: '', offset: e.offset }, 'invalid int literal');
    return e;
  }

  private member(start: Expr): Expr {
    let e = start;
    for (;;) {
      if (this.isOp('.')) {
        const dot = this.advance();
        let optional = false;
        if (this.isOp('?')) {
          this.advance();
          optional = true;
        }
        if (this.tok.kind !== 'ident') this.syntax(this.tok, `mismatched input '${this.tok.text}' expecting IDENTIFIER`);
        const name = this.fieldName(this.advance());
        if (!optional && this.isOp('(')) {
          const open = this.advance();
          const args = this.exprList(')');
          this.expect(')');
          e = this.memberCall(open.offset, e, name, args);
          continue;
        }
        if (optional) {
          const field: Expr = { kind: 'const', id: this.id(), offset: dot.offset, value: name };
          e = { kind: 'call', id: this.id(), offset: dot.offset, fn: '_?._', args: [e, field] };
        } else {
          e = { kind: 'select', id: this.id(), offset: dot.offset, operand: e, field: name, test: false };
        }
        continue;
      }
      if (this.isOp('[')) {
        const open = this.advance();
        let optional = false;
        if (this.isOp('?')) {
          this.advance();
          optional = true;
        }
        const index = this.expr();
        this.expect(']');
        e = { kind: 'call', id: this.id(), offset: open.offset, fn: optional ? '_[?_]' : '_[_]', args: [e, index] };
        continue;
      }
      return e;
    }
  }

  private fieldName(t: Token): string {
    if (t.text.startsWith('`')) return t.text.slice(1, -1);
    return t.text;
  }

  private exprList(close: string): Expr[] {
    const out: Expr[] = [];
    if (this.isOp(close)) return out;
    out.push(this.expr());
    while (this.isOp(',')) {
      this.advance();
      out.push(this.expr());
    }
    return out;
  }

  private primary(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'int':
        this.advance();
        if ((t.value as bigint) > MAX_INT) this.syntax(t, 'invalid int literal');
        return { kind: 'const', id: this.id(), offset: t.offset, value: t.value ?? null };
      case 'uint':
      case 'double':
      case 'string':
      case 'bytes':
        this.advance();
        return { kind: 'const', id: this.id(), offset: t.offset, value: t.value ?? null };
      case 'ident':
        return this.identOrCall();
      case 'eof':
        return this.syntax(t, `mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}`);
      default:
        break;
    }
    if (this.isOp('(')) {
      this.advance();
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (this.isOp('[')) {
      const open = this.advance();
      const elements: Expr[] = [];
      const optional = new Set<number>();
      while (!this.isOp(']')) {
        if (this.isOp('?')) {
          this.advance();
          optional.add(elements.length);
        }
        elements.push(this.expr());
        if (!this.isOp(',')) break;
        this.advance();
      }
      this.expect(']');
      return { kind: 'list', id: this.id(), offset: open.offset, elements, optional };
    }
    if (this.isOp('{')) {
      const open = this.advance();
      const entries: MapEntry[] = [];
      while (!this.isOp('}')) {
        let optional = false;
        if (this.isOp('?')) {
          this.advance();
          optional = true;
        }
        const key = this.expr();
        const colon = this.expect(':');
        const value = this.expr();
        entries.push({ key, value, optional, offset: colon.offset });
        if (!this.isOp(',')) break;
        this.advance();
      }
      this.expect('}');
      return { kind: 'map', id: this.id(), offset: open.offset, entries };
    }
    if (this.isOp('.')) {
      // A leading dot names the root scope: `.x` is `x`.
      this.advance();
      if (this.tok.kind !== 'ident') this.syntax(this.tok, `mismatched input '${this.tok.text}' expecting IDENTIFIER`);
      return this.identOrCall();
    }
    return this.syntax(t, `mismatched input '${t.text}' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}`);
  }

  private identOrCall(): Expr {
    const t = this.advance();
    const name = t.text;
    if (name === 'true' || name === 'false') return { kind: 'const', id: this.id(), offset: t.offset, value: name === 'true' };
    if (name === 'null') return { kind: 'const', id: this.id(), offset: t.offset, value: null };
    if (name === 'in' || name.startsWith('`')) this.syntax(t, `mismatched input '${name}' expecting IDENTIFIER`);
    if (RESERVED.has(name)) throw parseError(t.offset, `reserved identifier: ${name}`);
    if (this.isOp('(')) {
      const open = this.advance();
      const args = this.exprList(')');
      this.expect(')');
      return this.globalCall(open.offset, name, args);
    }
    if (this.isOp('{')) {
      // Message construction: parsed so the checker can refuse the unknown type by name.
      const open = this.advance();
      let depth = 1;
      while (depth > 0 && this.tok.kind !== 'eof') {
        if (this.isOp('{')) depth++;
        if (this.isOp('}')) depth--;
        this.advance();
      }
      if (depth > 0) this.syntax(this.tok, `mismatched input '<EOF>' expecting '}'`);
      return { kind: 'struct', id: this.id(), offset: open.offset, name };
    }
    return { kind: 'ident', id: this.id(), offset: t.offset, name };
  }

  private globalCall(offset: number, name: string, args: Expr[]): Expr {
    if (name === 'has' && args.length === 1) {
      const a = args[0] as Expr;
      if (a.kind !== 'select') throw parseError(offset, 'invalid argument to has() macro');
      return { ...a, id: this.id(), offset, test: true };
    }
    return { kind: 'call', id: this.id(), offset, fn: name, args };
  }

  private simpleName(e: Expr | undefined, offset: number): string {
    if (e?.kind !== 'ident') throw parseError(e?.offset ?? offset, 'argument must be a simple name');
    return e.name;
  }

  private comprehension(offset: number, macro: MacroName, range: Expr, names: readonly (Expr | undefined)[], filter: Expr | undefined, body: Expr): ComprehensionExpr {
    const v = this.simpleName(names[0], offset);
    const v2 = names.length > 1 ? this.simpleName(names[1], offset) : undefined;
    if (v2 !== undefined && v2 === v) throw parseError(names[1]?.offset ?? offset, `duplicate variable name: ${v}`);
    for (const n of [v, v2]) if (n === '@result' || n === '__result__') throw parseError(offset, `iteration variable overwrites accumulator variable`);
    return {
      kind: 'comprehension',
      id: this.id(),
      offset,
      macro,
      range,
      var: v,
      ...(v2 !== undefined ? { var2: v2 } : {}),
      ...(filter ? { filter } : {}),
      body,
    };
  }

  private memberCall(offset: number, target: Expr, name: string, args: Expr[]): Expr {
    const n = args.length;
    const twoVar = this.options.twoVariableComprehensions;
    const [a, b, c, d] = args;
    switch (name) {
      case 'all':
      case 'exists':
        if (n === 2) return this.comprehension(offset, name, target, [a], undefined, b as Expr);
        if (n === 3 && twoVar) return this.comprehension(offset, name, target, [a, b], undefined, c as Expr);
        break;
      case 'exists_one':
      case 'existsOne':
        if (n === 2) return this.comprehension(offset, 'exists_one', target, [a], undefined, b as Expr);
        if (n === 3 && twoVar) return this.comprehension(offset, 'exists_one', target, [a, b], undefined, c as Expr);
        break;
      case 'map':
        if (n === 2) return this.comprehension(offset, 'map', target, [a], undefined, b as Expr);
        if (n === 3) return this.comprehension(offset, 'map', target, [a], b, c as Expr);
        break;
      case 'filter':
        if (n === 2) return this.comprehension(offset, 'filter', target, [a], undefined, b as Expr);
        break;
      case 'transformList':
      case 'transformMap':
      case 'transformMapEntry':
        if (!twoVar) break;
        if (n === 3) return this.comprehension(offset, name, target, [a, b], undefined, c as Expr);
        if (n === 4) return this.comprehension(offset, name, target, [a, b], c, d as Expr);
        break;
      case 'optMap':
      case 'optFlatMap':
        if (n === 2) return this.comprehension(offset, name, target, [a], undefined, b as Expr);
        break;
      case 'sortBy':
        if (n !== 2 || !this.options.sortBy) break;
        if (!['list', 'select', 'ident', 'comprehension', 'call'].includes(target.kind)) {
          throw parseError(target.offset, 'sortBy can only be applied to a list, identifier, comprehension, call or select expression');
        }
        return this.comprehension(offset, name, target, [a], undefined, b as Expr);
      default:
        break;
    }
    return { kind: 'call', id: this.id(), offset, fn: name, target, args };
  }
}

/**
 * Parses one expression; throws `ParseError` with cel-go's wording and the offset it reports.
 *
 * @example
 * parse("claims.?hd.orValue('') == 'example.com'")
 */
export function parse(source: string, options: ParseOptions = ALL_MACROS): Expr {
  return new Parser(source, options).parse();
}
