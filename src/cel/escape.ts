/**
 * Kubernetes' CEL identifier escaping, undone on field selection: `claims.kubernetes__dot__io`
 * reads the claim `kubernetes.io`, as kube-apiserver 1.34+ does for `claims` and `user.extra`
 * (k8s.io/apiserver/pkg/cel/escaping.go). The index form `claims["kubernetes.io"]` never needs it.
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
