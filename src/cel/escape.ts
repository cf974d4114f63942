/**
 * Kubernetes' CEL identifier escaping (k8s.io/apiserver/pkg/cel/escaping.go), undone on every
 * string-key lookup in a token's claims and a user's extra, as kube-apiserver 1.34+ does:
 * `claims.kubernetes__dot__io` (and `claims['kubernetes__dot__io']`) read the claim `kubernetes.io`.
 */

/** CEL's reserved words; `__<word>__` stands for the word itself. */
const RESERVED: ReadonlySet<string> = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

const SEQUENCES: Readonly<Record<string, string>> = { underscores: '__', dot: '.', dash: '-', slash: '/' };

/**
 * Undoes the escaping; `undefined` when the name holds an unknown escape sequence (kube then
 * selects the name as written).
 *
 * @example
 * unescapeIdentifier('kubernetes__dot__io') // 'kubernetes.io'
 */
export function unescapeIdentifier(escaped: string): string | undefined {
  let ok = true;
  const out = escaped.replace(/__[^_]+__/g, (s) => {
    const inner = s.slice(2, -2);
    const mapped = SEQUENCES[inner];
    if (mapped !== undefined) return mapped;
    // A reserved word is only an escape when it is the whole identifier.
    if (RESERVED.has(inner) && s.length === escaped.length) return inner;
    ok = false;
    return '';
  });
  return ok ? out : undefined;
}
