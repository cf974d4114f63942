/**
 * One error catalogue for doorman: a base error with a stable `code`, and Kubernetes-style
 * field errors that render exactly as k8s.io/apimachinery's field.Error does
 * (`anonymous.conditions: Invalid value: ...`).
 */
import { goQuote } from './util/goquote.js';

/** Stable codes a caller may switch on. */
export type DoormanErrorCode =
  | 'CONFIG_READ'
  | 'CONFIG_DECODE'
  | 'CONFIG_INVALID'
  | 'FLAG_INVALID'
  | 'REQUEST_INVALID'
  | 'INTERNAL';

/** Base class of every error doorman raises on purpose. */
export class DoormanError extends Error {
  readonly code: DoormanErrorCode;
  constructor(code: DoormanErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DoormanError';
    this.code = code;
  }
}

/** The words field.ErrorType prints. */
export type FieldErrorType =
  | 'Required value'
  | 'Invalid value'
  | 'Duplicate value'
  | 'Forbidden'
  | 'Too many'
  | 'Too long'
  | 'Unsupported value'
  | 'Internal error'
  | 'Not found';

/** Marker for "print no value", like field.OmitValueType. */
export const OMIT_VALUE: unique symbol = Symbol('omit');

export interface FieldError {
  readonly field: string;
  readonly type: FieldErrorType;
  readonly value?: unknown;
  readonly detail?: string;
}

const NO_VALUE_TYPES: ReadonlySet<FieldErrorType> = new Set([
  'Required value',
  'Forbidden',
  'Too long',
  'Internal error',
]);

/** Renders the part after `<field>: ` exactly as field.Error.ErrorBody does. */
export function fieldErrorBody(e: FieldError): string {
  let s: string = e.type;
  if (!NO_VALUE_TYPES.has(e.type) && e.value !== OMIT_VALUE && 'value' in e) {
    const v = e.value;
    if (typeof v === 'string') s += `: ${goQuote(v)}`;
    else if (typeof v === 'number' || typeof v === 'boolean') s += `: ${String(v)}`;
    else s += `: ${JSON.stringify(v ?? null)}`;
  }
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/** Renders an error list like utilerrors.NewAggregate: one error as itself, several as `[a, b]`, duplicates removed. */
export function aggregateMessages(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  if (unique.length === 0) return '';
  if (unique.length === 1) return unique[0] ?? '';
  return `[${unique.join(', ')}]`;
}

/** An error carrying field errors; its message is the aggregate rendering. */
export class FieldErrorList extends DoormanError {
  readonly errors: readonly FieldError[];
  constructor(errors: readonly FieldError[], prefix = '') {
    super('CONFIG_INVALID', prefix + aggregateMessages(errors.map(fieldErrorString)));
    this.name = 'FieldErrorList';
    this.errors = errors;
  }
}

/** A request body larger than the server accepts; handlers answer 413. */
export class RequestBodyTooLargeError extends DoormanError {
  readonly limit: number;
  constructor(limit: number) {
    super('REQUEST_INVALID', `the request body is larger than ${limit} bytes`);
    this.name = 'RequestBodyTooLargeError';
    this.limit = limit;
  }
}
