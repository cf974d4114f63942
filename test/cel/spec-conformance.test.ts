/**
 * The official CEL conformance tests (google/cel-spec tests/simple/testdata/*.textproto, as data in
 * test/fixtures/cel-spec-cases.json) run against doorman's CEL, each compiled as a kube claim
 * mapping (`compileExpression(expr, 'claims', 'any')`). A case that binds variables runs with the
 * bound names rewritten `claims.<name>` and the values passed as the claims map.
 *
 * Values are compared structurally with CEL's notion of sameness: `int`, `uint` and `double` are
 * distinct, NaN matches NaN, `-0.0` matches `0.0`, map entries match regardless of order. An
 * expected error matches any evaluation error whose message contains the textproto's message
 * (compared case-insensitively, `_` read as a space, quotes ignored); an empty message matches any
 * error.
 *
 * Not every case passes yet: test/fixtures/cel-spec-known-failures.json lists the ones that fail
 * today, each with what doorman gives and why. The test fails on any other failure, and on a
 * listed case that now passes (remove it from the list). `CEL_SPEC_DUMP=<file>` writes the current
 * failures, in the known-failures format without reasons, to that file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { compileExpression } from '../../src/cel/index.js';
import { CelDuration, CelMap, CelObject, CelOpaque, CelOptional, CelTimestamp, CelTypeValue, CelUint, type CelKey, type CelValue } from '../../src/cel/value.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

type Expect = { value: Json } | { error: string } | { compileError: true };

interface SpecCase {
  section: string;
  name: string;
  expr: string;
  expect: Expect;
  disableCheck?: boolean;
  celGoCheckError?: string;
  bindings?: Record<string, Json>;
  declarations?: Record<string, Json>;
  claimsExpr?: string;
  runnable?: false;
  notRunnableReason?: string;
}

interface KnownFailure {
  name: string;
  got: Json;
  want: Json;
  reason: string;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/cel-spec-cases.json', import.meta.url), 'utf8')) as {
  counts: Record<string, { total: number; included: number; skipped: number }>;
  cases: SpecCase[];
  skipped: { section: string; name: string; reason: string }[];
};
const knownFailures = (
  JSON.parse(readFileSync(new URL('../fixtures/cel-spec-known-failures.json', import.meta.url), 'utf8')) as {
    failures: KnownFailure[];
  }
).failures;

const caseId = (c: SpecCase): string => `${c.section}/${c.name}`;

// ---- fixture values <-> CEL values ----

const RFC3339 = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

function parseTimestamp(s: string): bigint {
  const m = RFC3339.exec(s);
  if (!m) throw new Error(`bad timestamp in fixture: ${s}`);
  const [, y, mo, d, h, mi, se, frac, zone] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(se), 0);
  let seconds = BigInt(Math.round(date.getTime() / 1000));
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    seconds -= sign * (BigInt(zone.slice(1, 3)) * 3600n + BigInt(zone.slice(4, 6)) * 60n);
  }
  return seconds * 1_000_000_000n + BigInt((frac ?? '').padEnd(9, '0'));
}

function formatTimestamp(nanos: bigint): string {
  const sec = nanos >= 0n ? nanos / 1_000_000_000n : -((-nanos + 999_999_999n) / 1_000_000_000n);
  const frac = nanos - sec * 1_000_000_000n;
  const d = new Date(Number(sec) * 1000);
  const y = d.getUTCFullYear();
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const f = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${f}Z`;
}

function parseDuration(s: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(s);
  if (!m) throw new Error(`bad duration in fixture: ${s}`);
  const n = BigInt(m[2] ?? '0') * 1_000_000_000n + BigInt((m[3] ?? '').padEnd(9, '0'));
  return m[1] ? -n : n;
}

function formatDuration(nanos: bigint): string {
  const neg = nanos < 0n;
  const a = neg ? -nanos : nanos;
  const frac = a % 1_000_000_000n;
  const f = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${neg ? '-' : ''}${a / 1_000_000_000n}${f}s`;
}

function decode(j: Json): CelValue {
  if (j === null || typeof j === 'boolean' || typeof j === 'string' || typeof j === 'number') return j;
  if (Array.isArray(j)) return j.map(decode);
  const [tag, v] = Object.entries(j)[0] ?? [];
  switch (tag) {
    case 'int':
      return BigInt(v as string);
    case 'uint':
      return new CelUint(BigInt(v as string));
    case 'double':
      return Number(v as string);
    case 'bytes':
      return new Uint8Array(Buffer.from(v as string, 'base64'));
    case 'type':
      return new CelTypeValue(v as string);
    case 'timestamp':
      return new CelTimestamp(parseTimestamp(v as string));
    case 'duration':
      return new CelDuration(parseDuration(v as string));
    case 'map':
      return new CelMap((v as [Json, Json][]).map(([k, x]) => [decode(k) as CelKey, decode(x)] as const));
    default:
      throw new Error(`unknown fixture value ${JSON.stringify(j)}`);
  }
}

function encode(v: CelValue): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { int: v.toString() };
  if (typeof v === 'number') return Number.isFinite(v) ? v : { double: String(v) };
  if (v instanceof CelUint) return { uint: v.value.toString() };
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(encode);
  if (v instanceof CelMap) return { map: [...v.pairs()].map(([k, x]) => [encode(k), encode(x)]) };
  if (v instanceof CelTypeValue) return { type: v.name };
  if (v instanceof CelTimestamp) return { timestamp: formatTimestamp(v.nanos) };
  if (v instanceof CelDuration) return { duration: formatDuration(v.nanos) };
  if (v instanceof CelOptional) return v.present ? { optional: encode(v.inner) } : { optional: 'none' };
  if (v instanceof CelObject) return { object: v.typeName };
  if (v instanceof CelOpaque) return { opaque: v.typeName };
  return { unknown: String(v) };
}

/** Structural sameness: CEL kinds kept apart, NaN same as NaN, map order ignored. */
function same(a: CelValue, b: CelValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (a instanceof CelUint) return b instanceof CelUint && a.value === b.value;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x: CelValue, i: number) => same(x, b[i] as CelValue));
  if (a instanceof CelMap) {
    if (!(b instanceof CelMap) || a.size !== b.size) return false;
    const rest = [...b.pairs()];
    for (const [k, x] of a.pairs()) {
      const i = rest.findIndex(([k2, y]) => same(k, k2) && same(x, y));
      if (i < 0) return false;
      rest.splice(i, 1);
    }
    return true;
  }
  if (a instanceof CelTypeValue) return b instanceof CelTypeValue && a.name === b.name;
  if (a instanceof CelTimestamp) return b instanceof CelTimestamp && a.nanos === b.nanos;
  if (a instanceof CelDuration) return b instanceof CelDuration && a.nanos === b.nanos;
  if (a instanceof CelOptional) return b instanceof CelOptional && a.present === b.present && (!a.present || same(a.inner, b.inner));
  return false;
}

const normalize = (s: string): string =>
  s
    .toLowerCase()
    .replace(/['"`]/g, '')
    .replace(/[_\s]+/g, ' ')
    .trim();

// ---- running one case ----

type Outcome = { value: CelValue } | { error: string } | { compileError: string } | { threw: string };

function run(c: SpecCase): Outcome {
  try {
    const compiled = compileExpression(c.claimsExpr ?? c.expr, 'claims', 'any');
    if (!compiled.ok) return { compileError: compiled.error.detail };
    const claims = new CelMap(Object.entries(c.bindings ?? {}).map(([k, v]) => [k, decode(v)] as const));
    const r = compiled.program.evaluate(claims);
    return r.ok ? { value: r.value } : { error: r.error };
  } catch (e) {
    return { threw: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

function passes(c: SpecCase, got: Outcome): boolean {
  const want = c.expect;
  if ('compileError' in want) return 'compileError' in got;
  if ('error' in want) return 'error' in got && normalize(got.error).includes(normalize(want.error));
  return 'value' in got && same(got.value, decode(want.value));
}

function gotJson(o: Outcome): Json {
  if ('value' in o) return { value: encode(o.value) };
  return o as Json;
}

const runnable = fixture.cases.filter((c) => c.runnable !== false);

test('the cel-spec fixture is well formed', () => {
  const ids = fixture.cases.map(caseId);
  assert.equal(new Set(ids).size, ids.length, 'case names are unique within a section');
  assert.ok(fixture.cases.length > 1000);
  for (const c of fixture.cases) {
    assert.ok(c.runnable !== false || (c.notRunnableReason ?? '') !== '', `${caseId(c)}: a case that is not run says why`);
    if (c.bindings && c.runnable !== false) assert.ok(c.claimsExpr !== undefined, `${caseId(c)}: a case with bindings runs through claims`);
    if ('value' in c.expect) decode(c.expect.value);
  }
  const all = new Set(ids);
  const listed = knownFailures.map((f) => f.name);
  assert.equal(new Set(listed).size, listed.length, 'a known failure is listed once');
  for (const f of knownFailures) {
    assert.ok(all.has(f.name), `known failure ${f.name} is not a fixture case`);
    assert.ok(f.reason !== '', `known failure ${f.name} says why`);
  }
});

test('cel-spec conformance: exactly the known failures fail', () => {
  const failures: KnownFailure[] = [];
  for (const c of runnable) {
    const got = run(c);
    if (!passes(c, got)) failures.push({ name: caseId(c), got: gotJson(got), want: c.expect as Json, reason: '' });
  }
  if (process.env['CEL_SPEC_DUMP']) writeFileSync(process.env['CEL_SPEC_DUMP'], JSON.stringify(failures, null, 1) + '\n');

  const expected = new Map(knownFailures.map((f) => [f.name, f]));
  const failing = new Set(failures.map((f) => f.name));
  const problems: string[] = [];
  for (const f of failures) {
    if (!expected.has(f.name)) problems.push(`new failure ${f.name}: ${JSON.stringify(fixture.cases.find((c) => caseId(c) === f.name)?.expr)} gave ${JSON.stringify(f.got)}, want ${JSON.stringify(f.want)}`);
  }
  for (const name of expected.keys()) {
    if (!failing.has(name)) problems.push(`${name} now passes: remove it from test/fixtures/cel-spec-known-failures.json`);
  }
  assert.deepEqual(problems, []);
});
