/**
 * Kubernetes' CEL semver library (`semver`, `isSemver`, both with the optional normalize flag,
 * `major`, `minor`, `patch`, `isGreaterThan`, `isLessThan`, `compareTo`, `==`), as
 * k8s.io/apiserver/pkg/cel/library/semverlib.go declares it at the version kube's base
 * environment enables (SemverVersion(1), with the normalizing overloads). Versions are parsed
 * and ordered as github.com/blang/semver/v4 does, whose error messages reach the user unchanged.
 */
import { CelEvalError, CelOpaque } from '../value.js';
import { boolArg, decl, fail, fn, instanceArg, method, stringArg, traversalCost, withCost, type FunctionDecl } from '../decl.js';
import { BOOL, INT, STRING, named } from '../types.js';
import { goQuote } from '../../util/goquote.js';
import { goSplit } from './strings.js';

/** A prerelease identifier: numeric ones order by value and before alphanumeric ones. */
export type PreRelease = { readonly isNum: true; readonly num: bigint } | { readonly isNum: false; readonly str: string };

/** semver.Version. The numbers are uint64, as blang keeps them. */
export interface SemverVersion {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: readonly PreRelease[];
  /** Build metadata: kept, never compared. */
  readonly build: readonly string[];
}

const NUMBERS = /^[0-9]*$/;
const ALPHANUM = /^[0-9A-Za-z-]*$/;
const MAX_UINT64 = (1n << 64n) - 1n;

function hasLeadingZeroes(s: string): boolean {
  return s.length > 1 && s[0] === '0';
}

/** strconv.ParseUint(s, 10, 64) on a string already known to hold only digits. */
function parseUint(s: string): bigint {
  if (s === '') fail(`strconv.ParseUint: parsing ${goQuote(s)}: invalid syntax`);
  const v = BigInt(s);
  if (v > MAX_UINT64) fail(`strconv.ParseUint: parsing ${goQuote(s)}: value out of range`);
  return v;
}

const TITLES = { major: 'Major', minor: 'Minor', patch: 'Patch' } as const;

function versionNumber(part: string, name: keyof typeof TITLES): bigint {
  const title = TITLES[name];
  if (!NUMBERS.test(part)) fail(`Invalid character(s) found in ${name} number ${goQuote(part)}`);
  if (hasLeadingZeroes(part)) fail(`${title} number must not contain leading zeroes ${goQuote(part)}`);
  return parseUint(part);
}

function preRelease(s: string): PreRelease {
  if (s.length === 0) fail('Prerelease is empty');
  if (NUMBERS.test(s)) {
    if (hasLeadingZeroes(s)) fail(`Numeric PreRelease version must not contain leading zeroes ${goQuote(s)}`);
    return { isNum: true, num: parseUint(s) };
  }
  if (ALPHANUM.test(s)) return { isNum: false, str: s };
  return fail(`Invalid character(s) found in prerelease ${goQuote(s)}`);
}

/** semver.Parse: strict SemVer 2.0.0, no "v", no spaces, no shortened forms. */
export function parseSemver(s: string): SemverVersion {
  if (s.length === 0) fail('Version string empty');
  const parts = goSplit(s, '.', 3n);
  if (parts.length !== 3) fail('No Major.Minor.Patch elements found');
  const major = versionNumber(parts[0] ?? '', 'major');
  const minor = versionNumber(parts[1] ?? '', 'minor');
  let patchStr = parts[2] ?? '';
  let build: string[] = [];
  let prerelease: string[] = [];
  const plus = patchStr.indexOf('+');
  if (plus !== -1) {
    build = patchStr.slice(plus + 1).split('.');
    patchStr = patchStr.slice(0, plus);
  }
  const dash = patchStr.indexOf('-');
  if (dash !== -1) {
    prerelease = patchStr.slice(dash + 1).split('.');
    patchStr = patchStr.slice(0, dash);
  }
  const patch = versionNumber(patchStr, 'patch');
  const pre = prerelease.map(preRelease);
  for (const b of build) {
    if (b.length === 0) fail('Build meta data is empty');
    if (!ALPHANUM.test(b)) fail(`Invalid character(s) found in build meta data ${goQuote(b)}`);
  }
  return { major, minor, patch, pre, build };
}

/**
 * kube's normalizeAndParse (blang's ParseTolerant without the whitespace trimming): drops one
 * leading "v", strips leading zeros from each of the first three dot-separated parts and fills
 * a missing minor or patch with 0.
 */
export function parseSemverNormalized(input: string): SemverVersion {
  const s = input.startsWith('v') ? input.slice(1) : input;
  const parts = goSplit(s, '.', 3n).map((p) => {
    if (p.length <= 1) return p;
    const trimmed = p.replace(/^0+/, '');
    return trimmed === '' || !/^[0-9]/.test(trimmed) ? `0${trimmed}` : trimmed;
  });
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1] ?? '')) fail('short version cannot contain PreRelease/Build meta data');
    while (parts.length < 3) parts.push('0');
  }
  return parseSemver(parts.join('.'));
}

function comparePre(a: PreRelease, b: PreRelease): number {
  if (a.isNum && b.isNum) return a.num === b.num ? 0 : a.num > b.num ? 1 : -1;
  if (a.isNum) return -1;
  if (b.isNum) return 1;
  return a.str === b.str ? 0 : a.str > b.str ? 1 : -1;
}

/** Version.Compare: SemVer precedence; a release sorts after its prereleases. */
export function compareSemver(v: SemverVersion, o: SemverVersion): number {
  for (const [x, y] of [
    [v.major, o.major],
    [v.minor, o.minor],
    [v.patch, o.patch],
  ] as const) {
    if (x !== y) return x > y ? 1 : -1;
  }
  if (v.pre.length === 0 && o.pre.length === 0) return 0;
  if (v.pre.length === 0) return 1;
  if (o.pre.length === 0) return -1;
  const n = Math.min(v.pre.length, o.pre.length);
  for (let i = 0; i < n; i++) {
    const c = comparePre(v.pre[i] as PreRelease, o.pre[i] as PreRelease);
    if (c !== 0) return c;
  }
  return v.pre.length === o.pre.length ? 0 : v.pre.length < o.pre.length ? -1 : 1;
}

function preString(p: PreRelease): string {
  return p.isNum ? p.num.toString() : p.str;
}

/** A `kubernetes.Semver` value. Equality is precedence equality, so build metadata is ignored. */
export class CelSemver extends CelOpaque {
  override readonly typeName = 'kubernetes.Semver';
  constructor(readonly version: SemverVersion) {
    super();
  }
  override equals(other: CelOpaque): boolean {
    return other instanceof CelSemver && compareSemver(this.version, other.version) === 0;
  }
  /** Version.String. */
  override toString(): string {
    const v = this.version;
    let s = `${v.major}.${v.minor}.${v.patch}`;
    if (v.pre.length > 0) s += `-${v.pre.map(preString).join('.')}`;
    if (v.build.length > 0) s += `+${v.build.join('.')}`;
    return s;
  }
}

export const SEMVER_TYPE = named('kubernetes.Semver');



function toSemver(s: string, normalize: boolean): CelSemver {
  return new CelSemver(normalize ? parseSemverNormalized(s) : parseSemver(s));
}

function isSemver(s: string, normalize: boolean): boolean {
  try {
    toSemver(s, normalize);
    return true;
  } catch (e) {
    if (e instanceof CelEvalError) return false;
    throw e;
  }
}

/** cel-go's types.Int of a uint64: values past MaxInt64 wrap negative. */
function asInt(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

export const SEMVER_LIBRARY: readonly FunctionDecl[] = [
  decl(
    'semver',
    withCost(fn('string_to_semver', [STRING], SEMVER_TYPE, (args) => toSemver(stringArg(args, 0), false)), (a) => traversalCost(a)),
    withCost(
      fn('string_bool_to_semver', [STRING, BOOL], SEMVER_TYPE, (args) => toSemver(stringArg(args, 0), boolArg(args, 1))),
      (a) => traversalCost(a),
    ),
  ),
  decl(
    'isSemver',
    withCost(fn('is_semver_string', [STRING], BOOL, (args) => isSemver(stringArg(args, 0), false)), (a) => traversalCost(a)),
    withCost(fn('is_semver_string_bool', [STRING, BOOL], BOOL, (args) => isSemver(stringArg(args, 0), boolArg(args, 1))), (a) => traversalCost(a)),
  ),
  decl(
    'isGreaterThan',
    method('semver_is_greater_than', SEMVER_TYPE, [SEMVER_TYPE], BOOL, (args) => compareSemver(instanceArg(args, 0, CelSemver).version, instanceArg(args, 1, CelSemver).version) === 1),
  ),
  decl(
    'isLessThan',
    method('semver_is_less_than', SEMVER_TYPE, [SEMVER_TYPE], BOOL, (args) => compareSemver(instanceArg(args, 0, CelSemver).version, instanceArg(args, 1, CelSemver).version) === -1),
  ),
  decl(
    'compareTo',
    method('semver_compare_to', SEMVER_TYPE, [SEMVER_TYPE], INT, (args) => BigInt(compareSemver(instanceArg(args, 0, CelSemver).version, instanceArg(args, 1, CelSemver).version))),
  ),
  decl('major', method('semver_major', SEMVER_TYPE, [], INT, (args) => asInt(instanceArg(args, 0, CelSemver).version.major))),
  decl('minor', method('semver_minor', SEMVER_TYPE, [], INT, (args) => asInt(instanceArg(args, 0, CelSemver).version.minor))),
  decl('patch', method('semver_patch', SEMVER_TYPE, [], INT, (args) => asInt(instanceArg(args, 0, CelSemver).version.patch))),
];
