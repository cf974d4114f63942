/**
 * JSON the way Go's encoding/json writes it, for byte-exact audit events. Go differs from
 * `JSON.stringify` in three ways that show up in real audit logs: it escapes `<`, `>` and `&`
 * (`"?a=1\u0026b=2"`), U+2028/U+2029, and replaces invalid UTF-16/UTF-8 with U+FFFD. Raw JSON
 * embedded in an event (request and response bodies) is compacted with the same escaping, as Go
 * does for a `json.Marshaler`'s output, and can have `metadata.managedFields` removed without
 * reordering keys or losing number precision.
 */

const HEX = '0123456789abcdef';
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/;

/**
 * Quotes a string exactly as Go's encoding/json does (HTML-safe escaping on).
 *
 * @example
 * goJSONString('/api?a=1&b=2') // '"/api?a=1\\u0026b=2"'
 */
export function goJSONString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      switch (c) {
        case 0x22: rep = '\\"'; break;
        case 0x5c: rep = '\\\\'; break;
        case 0x08: rep = '\\b'; break;
        case 0x0c: rep = '\\f'; break;
        case 0x0a: rep = '\\n'; break;
        case 0x0d: rep = '\\r'; break;
        case 0x09: rep = '\\t'; break;
        default: rep = `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
      }
    } else if (c === 0x2028 || c === 0x2029) {
      rep = `\\u${c.toString(16)}`;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair passes through unchanged
        continue;
      }
      rep = '\\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      rep = '\\ufffd';
    }
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return `${out}${s.slice(start)}"`;
}

/** A parsed JSON value that keeps strings and numbers as their source text. */
export type RawNode =
  | { readonly t: 'object'; readonly entries: Array<[key: string, keyRaw: string, value: RawNode]> }
  | { readonly t: 'array'; readonly items: RawNode[] }
  | { readonly t: 'string'; readonly raw: string }
  | { readonly t: 'literal'; readonly raw: string };

class RawParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseDocument(): RawNode {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) throw new SyntaxError(`invalid character after top-level value at offset ${this.i}`);
    return v;
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  private value(): RawNode {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { t: 'string', raw: this.string() };
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) throw new SyntaxError(`invalid character at offset ${this.i}`);
    this.i += m[0].length;
    return { t: 'literal', raw: m[0] };
  }

  private string(): string {
    const s = this.s;
    const start = this.i;
    this.i++;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return s.slice(start, this.i);
      }
      if (c === 0x5c) {
        const e = s[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(this.i + 2, this.i + 6))) throw new SyntaxError(`invalid escape at offset ${this.i}`);
          this.i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 2;
        else throw new SyntaxError(`invalid escape at offset ${this.i}`);
        continue;
      }
      if (c < 0x20) throw new SyntaxError(`invalid control character in string at offset ${this.i}`);
      this.i++;
    }
    throw new SyntaxError('unexpected end of JSON input');
  }

  private object(): RawNode {
    this.i++;
    const entries: Array<[string, string, RawNode]> = [];
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return { t: 'object', entries };
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') throw new SyntaxError(`expected object key at offset ${this.i}`);
      const keyRaw = this.string();
      const key = JSON.parse(keyRaw) as string;
      this.ws();
      if (this.s[this.i] !== ':') throw new SyntaxError(`expected ':' at offset ${this.i}`);
      this.i++;
      entries.push([key, keyRaw, this.value()]);
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return { t: 'object', entries };
      if (c !== ',') throw new SyntaxError(`expected ',' or '}' at offset ${this.i - 1}`);
    }
  }

  private array(): RawNode {
    this.i++;
    const items: RawNode[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return { t: 'array', items };
    }
    for (;;) {
      items.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return { t: 'array', items };
      if (c !== ',') throw new SyntaxError(`expected ',' or ']' at offset ${this.i - 1}`);
    }
  }
}

/** Parses JSON text keeping key order and the exact text of strings and numbers. Throws SyntaxError. */
export function parseRaw(text: string): RawNode {
  return new RawParser(text).parseDocument();
}

// Go's compact(escape=true) rewrites these inside already-encoded JSON.
const HTML_IN_RAW = /[<>&\u2028\u2029]/g;
function escapeRawString(raw: string): string {
  return raw.replace(HTML_IN_RAW, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes a RawNode back as compact, HTML-escaped JSON (what Go emits for embedded raw JSON). */
export function writeRaw(n: RawNode): string {
  switch (n.t) {
    case 'literal':
      return n.raw;
    case 'string':
      return escapeRawString(n.raw);
    case 'array':
      return `[${n.items.map(writeRaw).join(',')}]`;
    case 'object':
      return `{${n.entries.map(([, keyRaw, v]) => `${escapeRawString(keyRaw)}:${writeRaw(v)}`).join(',')}}`;
  }
}

/** The value of `key` in an object node (the last one, as Go's decoder keeps). */
export function rawGet(n: RawNode | undefined, key: string): RawNode | undefined {
  if (n?.t !== 'object') return undefined;
  let found: RawNode | undefined;
  for (const [k, , v] of n.entries) if (k === key) found = v;
  return found;
}

/** The decoded string value of a string node, else undefined. */
export function rawString(n: RawNode | undefined): string | undefined {
  return n?.t === 'string' ? (JSON.parse(n.raw) as string) : undefined;
}

function dropManagedFields(obj: RawNode | undefined): RawNode | undefined {
  if (obj?.t !== 'object') return obj;
  const meta = rawGet(obj, 'metadata');
  if (meta?.t !== 'object' || !meta.entries.some(([k]) => k === 'managedFields')) return obj;
  const newMeta: RawNode = { t: 'object', entries: meta.entries.filter(([k]) => k !== 'managedFields') };
  return { t: 'object', entries: obj.entries.map(([k, kr, v]) => [k, kr, v === meta ? newMeta : v]) };
}

/**
 * Removes `metadata.managedFields` from an object, from each of a list's `items`, and from each
 * row object of a meta/v1 Table, as kube's audit does when `omitManagedFields` is in effect.
 * The input is not changed.
 */
export function withoutManagedFields(root: RawNode): RawNode {
  const top = dropManagedFields(root) ?? root;
  if (top.t !== 'object') return top;
  let out: ObjectNode = top;
  const items = rawGet(out, 'items');
  if (items?.t === 'array') {
    const newItems: RawNode = { t: 'array', items: items.items.map((it) => dropManagedFields(it) ?? it) };
    out = replaceEntry(out, items, newItems);
  }
  const rows = rawGet(out, 'rows');
  if (rawString(rawGet(out, 'kind')) === 'Table' && rows?.t === 'array') {
    const newRows: RawNode = {
      t: 'array',
      items: rows.items.map((row) => {
        const obj = rawGet(row, 'object');
        const stripped = dropManagedFields(obj);
        return obj && stripped && stripped !== obj && row.t === 'object' ? replaceEntry(row, obj, stripped) : row;
      }),
    };
    out = replaceEntry(out, rows, newRows);
  }
  return out;
}

type ObjectNode = RawNode & { t: 'object' };

function replaceEntry(obj: ObjectNode, old: RawNode, repl: RawNode): ObjectNode {
  return { t: 'object', entries: obj.entries.map(([k, kr, v]) => [k, kr, v === old ? repl : v]) };
}
