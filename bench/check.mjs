// `doorman check` as operators run it, in absolute figures on this machine (called by run.mjs;
// `node bench/check.mjs` after `npm run build` also works). Prints:
//   CHECK single <median ms> ms (max <ms>)  — one whole `doorman check` process on the hardened example
//   CHECK requests-10000 <s> s              — one process checking 10,000 --requests lines
// Targets (issue 5): a single check well under 1 s; 10,000 lines within 10 s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const quick = process.argv.includes('--quick');
const cli = join(root, 'dist/cli/main.js');
const ex = join(root, 'examples/hardened');
const flags = [
  '--authorization-mode=RBAC',
  `--authentication-config=${join(ex, 'authentication-config.yaml')}`,
  `--token-auth-file=${join(ex, 'tokens.csv')}`,
  `--rbac-objects=${join(ex, 'rbac.yaml')}`,
  `--audit-policy-file=${join(ex, 'audit-policy.yaml')}`,
];

function timed(args) {
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, [cli, 'check', ...flags, ...args], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 28 });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const cpu = cpus();
console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}/${process.arch}`);

const runs = quick ? 3 : 9;
const singles = [];
for (let i = 0; i < runs; i++) singles.push(timed(['GET', '/apis']));
singles.sort((a, b) => a - b);
console.log(`CHECK single ${singles[Math.floor(singles.length / 2)].toFixed(0)} ms (max ${singles[singles.length - 1].toFixed(0)} ms, ${runs} processes, GET /apis on the hardened example)`);

const mix = [
  'GET /livez',
  'GET /readyz?verbose',
  'GET /apis',
  'GET /apis --token example-alice-token',
  'GET /api/v1/namespaces/default/pods --token example-alice-token',
  'GET /api/v1/namespaces/kube-system/pods --token example-alice-token',
  'DELETE /api/v1/namespaces/default/pods/web --user bob --group readers',
  "GET /version -H 'User-Agent: curl/8.5.0'",
  'GET /livez --token wrong',
  'GET /apis/apps/v1/deployments --token example-admin-token',
];
const dir = mkdtempSync(join(tmpdir(), 'doorman-bench-check-'));
const file = join(dir, 'requests.txt');
writeFileSync(file, Array.from({ length: 10_000 }, (_, i) => mix[i % mix.length]).join('\n'));
const json = timed(['--requests', file, '-o', 'json']);
const table = timed(['--requests', file]);
console.log(`CHECK requests-10000 ${(json / 1000).toFixed(2)} s (-o json; table ${(table / 1000).toFixed(2)} s)`);
