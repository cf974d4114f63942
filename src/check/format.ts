/**
 * `doorman check`'s human output: the five stage lines of one request, or for `--requests` a
 * table with one row per request, in input order. `-o json` needs no formatting beyond
 * JSON.stringify and lives in the CLI.
 */
import type { CheckStages } from './explain.js';
import type { CheckIdentity } from './request.js';
import type { CheckJSON } from './trace.js';

const LABELS: readonly (keyof Omit<CheckStages, 'authenticationError'>)[] = ['request', 'authentication', 'authorization', 'audit', 'response'];

/** One line per stage, labels aligned. */
export function formatStages(s: CheckStages): string {
  return LABELS.map((k) => `${`${k}:`.padEnd(16)}${s[k]}`).join('\n') + '\n';
}

/** How a request's identity is shown in the table. */
export function describeIdentity(id: CheckIdentity): string {
  const parts: string[] = [];
  if (id.user) parts.push(`--user ${id.user.name}`);
  if (id.token !== undefined) parts.push('--token');
  if (id.clientCertFile !== undefined) parts.push(`--client-cert ${id.clientCertFile.split('/').pop() ?? ''}`);
  if (id.as !== undefined) parts.push(`--as ${id.as}`);
  return parts.length > 0 ? parts.join(' ') : '-';
}

/** One row of the `--requests` table. */
export interface TableRow {
  readonly line: number;
  readonly method: string;
  readonly url: string;
  readonly identity: CheckIdentity;
  readonly json: CheckJSON;
}

function authnCell(j: CheckJSON): string {
  const a = j.authentication;
  if (a.authenticator !== null) return `${a.authenticator} ${a.user?.username ?? ''}`;
  return a.error !== null ? 'none' : '-';
}

function authzCell(j: CheckJSON): string {
  const z = j.authorization;
  if (!z) return '-';
  return z.authorizer !== '' ? `${z.decision} ${z.authorizer}` : z.decision;
}

/** The table: LINE, METHOD, URL, IDENTITY, AUTHENTICATION, AUTHORIZATION, CODE. */
export function formatTable(rows: readonly TableRow[]): string {
  const cells = [
    ['LINE', 'METHOD', 'URL', 'IDENTITY', 'AUTHENTICATION', 'AUTHORIZATION', 'CODE'],
    ...rows.map((r) => [String(r.line), r.method, r.url, describeIdentity(r.identity), authnCell(r.json), authzCell(r.json), String(r.json.response.code)]),
  ];
  const widths = cells[0]?.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length))) ?? [];
  return cells.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ')).join('\n') + '\n';
}
