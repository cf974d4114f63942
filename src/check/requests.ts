/**
 * `doorman check --requests FILE`: one request per line, `METHOD URL [identity flags]`, e.g.
 * `GET /apis --token abc`. Blank lines and `#` comments are skipped. Words split like a shell's:
 * single or double quotes keep spaces (`-H 'User-Agent: curl/8.5.0'`), a backslash escapes the
 * next character outside single quotes. The flags themselves are parsed by the CLI, with the very
 * definitions `doorman check` uses for one request.
 */
import { DoormanError } from '../errors.js';

/** One request line: its 1-based number in the file and its words. */
export interface RequestLine {
  readonly line: number;
  readonly words: readonly string[];
}

/** Splits one line into words; an unterminated quote is an error naming it. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new DoormanError('REQUEST_INVALID', `unterminated ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

/** The request lines of a `--requests` file, in order; errors name the line. */
export function readRequestLines(text: string): RequestLine[] {
  const out: RequestLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    try {
      out.push({ line: i + 1, words: splitWords(trimmed) });
    } catch (e) {
      throw new DoormanError('REQUEST_INVALID', `line ${i + 1}: ${(e as Error).message}`, { cause: e });
    }
  });
  return out;
}
