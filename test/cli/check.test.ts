/**
 * `doorman check` as a process: one line per stage for the hardened example's `/apis` 401, the
 * `-o json` object, `--requests` as a table and as JSON lines in input order, and bad input as a
 * one-line error with exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const EX = new URL('../../examples/hardened/', import.meta.url).pathname;
const HARDENED = ['--authorization-mode=RBAC', `--authentication-config=${EX}authentication-config.yaml`, `--token-auth-file=${EX}tokens.csv`, `--rbac-objects=${EX}rbac.yaml`];
const dir = mkdtempSync(join(tmpdir(), 'doorman-check-cli-'));

function requestsFile(text: string): string {
  const p = join(dir, `requests-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(p, text);
  return p;
}

function assertUsage(r: { code: number | null; stdout: string; stderr: string }, want: RegExp): void {
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr.trimEnd(), want);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
}

test('the hardened /apis 401, one line per stage', async () => {
  const r = await runCli(['check', ...HARDENED, 'GET', '/apis']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      'request:        GET /apis → non-resource path "/apis", verb get',
      'authentication: none: no credentials; anonymous not allowed on /apis: conditions are /livez, /readyz, /healthz',
      'authorization:  not reached: the request is not authenticated (401)',
      'audit:          no events: --audit-policy-file is not set',
      'response:       401 Unauthorized application/json {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
      '',
    ].join('\n'),
  );
});

test('-o json with a token, impersonation headers and an audit policy', async () => {
  const r = await runCli(['check', ...HARDENED, `--audit-policy-file=${EX}audit-policy.yaml`, '-o', 'json', '--token', 'example-alice-token', '-H', 'Audit-ID: x1', 'GET', '/api/v1/namespaces/kube-system/pods']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { authentication: { authenticator: string }; authorization: { decision: string }; response: { code: number; headers: Record<string, string> }; auditEvents: { auditID: string }[] };
  assert.equal(j.authentication.authenticator, 'token-file');
  assert.equal(j.authorization.decision, 'forbid');
  assert.equal(j.response.code, 403);
  assert.equal(j.response.headers['Audit-Id'], 'x1');
  assert.deepEqual(j.auditEvents.map((e) => e.auditID), ['x1']);
});

test('--requests: a table in input order; -o json: one object per line', async () => {
  const file = requestsFile(
    [
      '# health and discovery',
      'GET /livez',
      '',
      'GET /apis --token example-alice-token',
      "GET /apis -H 'User-Agent: curl/8.5.0'",
      'HEAD /healthz',
      'GET /api/v1/namespaces/default/pods --user bob --group readers',
    ].join('\n'),
  );
  const table = await runCli(['check', ...HARDENED, '--requests', file]);
  assert.equal(table.code, 0, table.stderr);
  const rows = table.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
  assert.deepEqual(rows[0], ['LINE', 'METHOD', 'URL', 'IDENTITY', 'AUTHENTICATION', 'AUTHORIZATION', 'CODE']);
  assert.deepEqual(rows.slice(1).map((r) => [r[0], r[r.length - 1]]), [['2', '200'], ['4', '200'], ['5', '401'], ['6', '403'], ['7', '404']]);
  assert.match(table.stdout, /--user bob\s+asserted bob\s+allow rbac\s+404/);
  const lines = await runCli(['check', ...HARDENED, '--requests', file, '-o', 'json']);
  assert.equal(lines.code, 0);
  const objs = lines.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { response: { code: number; body: string } });
  assert.deepEqual(objs.map((o) => o.response.code), [200, 200, 401, 403, 404], 'HEAD is verb head, which get does not grant');
  assert.match(objs[2]?.response.body ?? '', /^\{\n {2}"kind": "Status"/, 'curl gets the pretty 401');
});

test('bad input: exit 2, one line, no stack', async () => {
  // Independent processes: run them side by side.
  const cases: [Promise<{ code: number | null; stdout: string; stderr: string }>, RegExp][] = [
    [runCli(['check', ...HARDENED, 'FETCH', '/apis']), /^Error: unknown method "FETCH"/],
    [runCli(['check', ...HARDENED, 'GET', 'apis']), /^Error: malformed URL "apis"/],
    [runCli(['check', ...HARDENED, 'GET']), /^Error: missing METHOD URL/],
    [runCli(['check', ...HARDENED, '--client-cert', join(dir, 'none.crt'), 'GET', '/apis']), /^Error: --client-cert .*none\.crt: no such file or directory$/],
    [runCli(['check', ...HARDENED, '--requests', join(dir, 'none.txt')]), /^Error: --requests .*none\.txt: no such file or directory$/],
    [runCli(['check', '--token-auth-file=/no/tokens.csv', 'GET', '/apis']), /^Error: doorman serve would not start with these flags: open \/no\/tokens\.csv: no such file or directory/],
    [runCli(['check', ...HARDENED, '--requests', requestsFile('GET /livez\nGET /apis --tokn x\n')]), /^Error: .*: line 2: unknown flag "--tokn"$/],
  ];
  const results = await Promise.all(cases.map(([p]) => p));
  results.forEach((r, i) => assertUsage(r, (cases[i] as [unknown, RegExp])[1]));
});
