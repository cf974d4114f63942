/**
 * commander argument parsers for kube-apiserver's flag syntax: Go booleans
 * (`--anonymous-auth=false`), Go durations (`70s`, `1m30s`), integers, repeatable lists. The
 * Go parsing itself lives in util/goparse; this only turns its errors into commander's.
 */
import { InvalidArgumentError } from 'commander';
import { parseGoBool, parseGoDuration, parseGoInt } from '../util/goparse.js';

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
