/**
 * Kubernetes' format library (k8s.io/apiserver/pkg/cel/library/format.go, in kube-apiserver's CEL
 * environment since 1.31): named string formats of type `kubernetes.NamedFormat`, reached through
 * `format.named(<string>)` (an optional, none for an unknown name) or one zero-argument function
 * per format (`format.dns1123Label()`), and `<format>.validate(<string>)`, which is none for a valid
 * string and otherwise the validator's messages. The validators and their wording are
 * apimachinery's (util/validation and api/validate/content, as vendored by 1.35), Go's
 * net/url.ParseRequestURI for `uri` (the URL library's port of it), and
 * kube-openapi's strfmt checks for `uuid`, `byte`, `date` and `datetime`.
 */
import { asString as str, decl, fail, fn, method, type FunctionDecl } from '../decl.js';
import { STRING, listOf, named, optionalOf } from '../types.js';
import { CelEvalError, CelOpaque, CelOptional } from '../value.js';
import { parseRequestURIError } from '../../util/gourl.js';

/** A named format: a Kubernetes validator with its Go name (what equality compares). */
export class CelNamedFormat extends CelOpaque {
  override readonly typeName = 'kubernetes.NamedFormat';

  constructor(
    readonly name: string,
    readonly validate: (s: string) => readonly string[],
  ) {
    super();
  }

  override equals(other: CelOpaque): boolean {
    return other instanceof CelNamedFormat && other.name === this.name;
  }
}

export const FORMAT_TYPE = named('kubernetes.NamedFormat');

// ---------------------------------------------------------------------------------------------
// apimachinery's validators
// ---------------------------------------------------------------------------------------------

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** util/validation's MaxLenError. */
function maxLenChars(n: number): string {
  return `must be no more than ${n} characters`;
}

/** api/validate/content's MaxLenError, which counts what Go's len() counts. */
function maxLenBytes(n: number): string {
  return `must be no more than ${n} bytes`;
}

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) out += ' or ';
    out += `'${e}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

const anchored = (fmt: string): RegExp => new RegExp(`^${fmt}$`);
const DNS1123_LABEL_RE = anchored(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN_RE = anchored(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL_RE = anchored(DNS1035_LABEL_FMT);
const LABEL_KEY_RE = anchored(LABEL_KEY_FMT);
const LABEL_VALUE_RE = anchored(LABEL_VALUE_FMT);

/** validation.IsDNS1123Label. */
export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 63) errs.push(maxLenChars(63));
  if (!DNS1123_LABEL_RE.test(v)) {
    // A valid subdomain that is not a valid label: having checked the length, it must be dots.
    if (DNS1123_SUBDOMAIN_RE.test(v)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

function dns1123Subdomain(v: string, maxLen: (n: number) => string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 253) errs.push(maxLen(253));
  if (!DNS1123_SUBDOMAIN_RE.test(v)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** validation.IsDNS1123Subdomain. */
export function isDNS1123Subdomain(v: string): string[] {
  return dns1123Subdomain(v, maxLenChars);
}

/** validation.IsDNS1035Label. */
export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 63) errs.push(maxLenChars(63));
  if (!DNS1035_LABEL_RE.test(v)) errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

/** content.IsLabelKey, which validation.IsQualifiedName now is. */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123Subdomain(prefix, maxLenBytes).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenBytes(63)}`);
  if (!LABEL_KEY_RE.test(name)) errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** content.IsLabelValue, which validation.IsValidLabelValue now is. */
export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 63) errs.push(maxLenBytes(63));
  if (!LABEL_VALUE_RE.test(v)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/**
 * apimachinery's maskTrailingDash for the *Prefix formats: replaces the last TWO bytes of a name
 * ending in '-' by 'a' (sic). On a lone "-" Go's slice expression panics, which cel-go reports as
 * an internal error.
 */
function maskTrailingDash(name: string): string {
  if (!name.endsWith('-')) return name;
  const bytes = new TextEncoder().encode(name);
  if (bytes.length < 2) throw new CelEvalError(`internal error: runtime error: slice bounds out of range [:${bytes.length - 2}]`);
  return new TextDecoder().decode(bytes.subarray(0, bytes.length - 2)) + 'a';
}

// ---------------------------------------------------------------------------------------------
// kube-openapi strfmt checks
// ---------------------------------------------------------------------------------------------

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE = /^([0-9]{2}):([0-9]{2}):([0-9]{2})([^\n][0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/u;

/** strfmt.IsDate: Go's time.Parse("2006-01-02", s) succeeds. */
export function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/** strfmt.IsDateTime: a date, a 't', and an RFC 3339 time (seconds ≤ 59; '.' of the fraction is any character). */
export function isDateTime(s: string): boolean {
  if (byteLength(s) < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0] ?? '')) return false;
  const m = DATE_TIME_RE.exec(parts[1] ?? '');
  if (!m) return false;
  return (m[1] ?? '') <= '23' && (m[2] ?? '') <= '59' && (m[3] ?? '') <= '59';
}

const check = (ok: (s: string) => boolean, message: string) => (s: string): string[] => (ok(s) ? [] : [message]);

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

/** The formats, keyed by the name `format.named` takes, as Kubernetes' ConstantFormats. */
export const NAMED_FORMATS: ReadonlyMap<string, CelNamedFormat> = new Map(
  (
    [
      ['dns1123Label', 'DNS1123Label', (s) => isDNS1123Label(s)],
      ['dns1123Subdomain', 'DNS1123Subdomain', (s) => isDNS1123Subdomain(s)],
      ['dns1035Label', 'DNS1035Label', (s) => isDNS1035Label(s)],
      ['qualifiedName', 'QualifiedName', isQualifiedName],
      ['dns1123LabelPrefix', 'DNS1123LabelPrefix', (s) => isDNS1123Label(maskTrailingDash(s))],
      ['dns1123SubdomainPrefix', 'DNS1123SubdomainPrefix', (s) => isDNS1123Subdomain(maskTrailingDash(s))],
      ['dns1035LabelPrefix', 'DNS1035LabelPrefix', (s) => isDNS1035Label(maskTrailingDash(s))],
      ['labelValue', 'LabelValue', isValidLabelValue],
      [
        'uri',
        'URI',
        (s) => {
          const err = parseRequestURIError(s);
          return err === undefined ? [] : [err];
        },
      ],
      ['uuid', 'uuid', check((s) => UUID_RE.test(s), 'does not match the UUID format')],
      ['byte', 'byte', check((s) => BASE64_RE.test(s), 'invalid base64')],
      ['date', 'date', check(isDate, 'invalid date')],
      ['datetime', 'datetime', check(isDateTime, 'invalid datetime')],
    ] as const satisfies readonly (readonly [string, string, (s: string) => readonly string[]])[]
  ).map(([key, name, validate]) => [key, new CelNamedFormat(name, validate)] as const),
);


/** Kubernetes' format library: `format.<name>()`, `format.named(name)`, `<format>.validate(s)`. */
export const FORMAT: readonly FunctionDecl[] = [
  ...[...NAMED_FORMATS].map(([key, f]) => decl(`format.${key}`, fn(`format.${key}`, [], FORMAT_TYPE, () => f))),
  decl(
    'format.named',
    fn('format-named', [STRING], optionalOf(FORMAT_TYPE), (a) => {
      const f = NAMED_FORMATS.get(str(a[0]));
      return f ? CelOptional.of(f) : CelOptional.NONE;
    }),
  ),
  decl(
    'validate',
    method('format-validate', FORMAT_TYPE, [STRING], optionalOf(listOf(STRING)), (a) => {
      const f = a[0];
      if (!(f instanceof CelNamedFormat)) fail('no such overload');
      const errs = f.validate(str(a[1]));
      return errs.length === 0 ? CelOptional.NONE : CelOptional.of([...errs]);
    }),
  ),
];
