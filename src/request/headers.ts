/**
 * Reading request headers as Node delivers them (lower-cased names; a repeated header may arrive
 * as a list): the first value, as Go's `Header.Get` reads it.
 */

/** Request headers by lower-cased name. */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The first value of header `name` (lower-case), or undefined when absent. */
export function firstHeader(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : (v as string | undefined);
}
