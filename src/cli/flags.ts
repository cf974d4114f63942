/**
 * commander argument parsers for kube-apiserver's flag syntax: Go booleans
 * (`--anonymous-auth=false`), Go durations (`70s`, `1m30s`), integers, repeatable lists. The
 * Go parsing itself lives in util/goparse; this only turns its errors into commander's.
 */
import { InvalidArgumentError } from 'commander';
import { parseGoBool, parseGoDuration, parseGoInt } from '../util/goparse.js';
import { goQuote } from '../util/goquote.js';

function commanderParser<T>(parse: (raw: string) => T): (raw: string) => T {
  return (raw) => {
    try {
      return parse(raw);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/** A bool flag: bare `--flag` is true, `--flag=false` is false. */
export const parseBoolFlag = (v: string | undefined): boolean => (v === undefined ? true : commanderParser(parseGoBool)(v));
export const parseIntFlag = commanderParser(parseGoInt);
/** A Go duration, in milliseconds. */
export const parseDuration = commanderParser(parseGoDuration);
/** Wraps any Go-style parser for commander. */
export { commanderParser };

/** Accumulates a repeatable flag; a comma-separated value adds several entries (pflag StringSlice). */
export function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), ...v.split(',').filter((x) => x !== '')];
}

/**
 * Go's encoding/csv reading one record (the first line), as pflag's StringSlice reads each value:
 * fields may be quoted (`""` is a quote inside one), empty fields are kept, and a stray quote is
 * encoding/csv's ParseError. An empty value is no fields at all.
 */
export function readGoCSV(value: string): string[] {
  if (value === '') return [];
  const nl = value.indexOf('\n');
  // encoding/csv reads one line (a quoted field may span lines; flags never need that).
  let line = nl < 0 ? value : value.slice(0, nl);
  if (line.endsWith('\r')) line = line.slice(0, -1);
  const parseError = (col: number, what: string): Error => new Error(`parse error on line 1, column ${col}: ${what}`);
  const fields: string[] = [];
  // Columns are 1-based byte offsets, as encoding/csv counts them.
  const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
  let col = 1;
  let rest = line;
  for (;;) {
    if (!rest.startsWith('"')) {
      const comma = rest.indexOf(',');
      const field = comma < 0 ? rest : rest.slice(0, comma);
      const quote = field.indexOf('"');
      if (quote >= 0) throw parseError(col + bytes(field.slice(0, quote)), 'bare " in non-quoted-field');
      fields.push(field);
      if (comma < 0) return fields;
      col += bytes(field) + 1;
      rest = rest.slice(comma + 1);
      continue;
    }
    rest = rest.slice(1);
    col += 1;
    let field = '';
    for (;;) {
      const quote = rest.indexOf('"');
      if (quote < 0) throw parseError(col + bytes(rest), 'extraneous or missing " in quoted-field');
      field += rest.slice(0, quote);
      col += bytes(rest.slice(0, quote)) + 1;
      rest = rest.slice(quote + 1);
      if (rest.startsWith('"')) {
        field += '"';
        rest = rest.slice(1);
        col += 1;
      } else if (rest.startsWith(',')) {
        fields.push(field);
        rest = rest.slice(1);
        col += 1;
        break;
      } else if (rest === '') {
        fields.push(field);
        return fields;
      } else {
        throw parseError(col - 1, 'extraneous or missing " in quoted-field');
      }
    }
  }
}

/**
 * A pflag StringSlice flag (`--oidc-signing-algs`): each occurrence is read as CSV and appended;
 * unlike {@link collect}, empty entries are kept, so the flag's consumer sees what kube's does.
 */
export const stringSlice = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), ...commanderParser(readGoCSV)(v)];

/** The name pflag gives a flag in its messages: `--name`, or `-s, --name` with a shorthand. */
function pflagName(commanderFlags: string): string {
  const long = longName(commanderFlags);
  const short = flagNames(commanderFlags).find((n) => !n.startsWith('--'));
  return short !== undefined && long !== short ? `${short}, ${long}` : long;
}

function flagNames(commanderFlags: string): string[] {
  return commanderFlags.split(/[ ,|]+/).filter((w) => w.startsWith('-'));
}

function longName(commanderFlags: string): string {
  const names = flagNames(commanderFlags);
  return names.find((n) => n.startsWith('--')) ?? names[0] ?? commanderFlags;
}

/**
 * A commander parse error in pflag's words, as kube-apiserver prints them after `Error: `:
 * `unknown flag: --x`, `flag needs an argument: --x`, `invalid argument "v" for "--x" flag: why`.
 * Commander's "did you mean" hint goes: pflag gives none. Other messages keep their text.
 */
export function pflagMessage(commanderMessage: string): string {
  const text = commanderMessage.replace(/^error: /, '').replace(/\n\(Did you mean [^\n]*\)\s*$/, '').trimEnd();
  let m = /^unknown option '(-[^'=]*)(?:=[^']*)?'$/.exec(text);
  if (m?.[1] !== undefined) {
    const flag = m[1];
    return flag.startsWith('--') ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.charAt(1)}' in ${flag}`;
  }
  m = /^option '([^']+)' argument missing$/.exec(text);
  // commander does not say which spelling was typed; the long one is named.
  if (m?.[1] !== undefined) return `flag needs an argument: ${longName(m[1])}`;
  m = /^option '([^']+)' argument '([\s\S]*)' is invalid\. ([\s\S]*)$/.exec(text);
  if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) return `invalid argument ${goQuote(m[2])} for "${pflagName(m[1])}" flag: ${m[3]}`;
  return text;
}
