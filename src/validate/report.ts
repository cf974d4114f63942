/**
 * The result of `doorman validate` and its two renderings: one line per problem,
 * `<file>: <field path>: <kube-apiserver's message>` (a `fix:` line under it where doorman knows
 * the fix), or `-o json` as `{"valid", "errors", "warnings"}`.
 */

/** One problem: where, which field (empty when the whole file or flag is meant), and the message. */
export interface Problem {
  readonly file: string;
  readonly field: string;
  readonly message: string;
  /** What to change, when doorman knows. */
  readonly fix?: string;
}

export interface ValidationReport {
  /** True when the server would start: no errors (warnings allowed). */
  readonly valid: boolean;
  readonly errors: readonly Problem[];
  readonly warnings: readonly Problem[];
  /** Context for the human reader (release, where flags and files came from, what was not checked). */
  readonly notes: readonly string[];
}

function problemLine(p: Problem): string {
  return [p.file, p.field, p.message].filter((s) => s !== '').join(': ');
}

/** The human report: notes, errors, warnings, then a verdict line. */
export function formatReport(r: ValidationReport, subject: string): string {
  const lines: string[] = [];
  for (const n of r.notes) lines.push(`# ${n}`);
  for (const e of r.errors) {
    lines.push(problemLine(e));
    if (e.fix) lines.push(`  fix: ${e.fix}`);
  }
  for (const w of r.warnings) {
    lines.push(`warning: ${problemLine(w)}`);
    if (w.fix) lines.push(`  fix: ${w.fix}`);
  }
  const counts = `${r.errors.length} error${r.errors.length === 1 ? '' : 's'}, ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}`;
  lines.push(r.valid ? `valid: ${subject} would start (${counts})` : `invalid: ${subject} would not start (${counts})`);
  return `${lines.join('\n')}\n`;
}

/** The `-o json` object. */
export function reportJSON(r: ValidationReport): { valid: boolean; errors: readonly Problem[]; warnings: readonly Problem[] } {
  return { valid: r.valid, errors: r.errors, warnings: r.warnings };
}
