/**
 * The meta/v1 Status errors doorman's API handlers answer with, built as
 * k8s.io/apimachinery/pkg/api/errors builds them (NewBadRequest, NewInvalid, NewInternalError,
 * NewRequestEntityTooLargeError, the go-restful 404/405 through NewGenericServerResponse, the
 * negotiation package's 415): same reason, message, details and code, same JSON key order.
 */
import { fieldErrorBody, aggregateMessages, fieldErrorString, type FieldError } from '../errors.js';
import { goQuote } from '../util/goquote.js';
import { statusResponse, type EngineResponse, type Status, type StatusDetails } from './status.js';

function failure(code: number, reason: string, message: string, details?: StatusDetails): Status {
  return details
    ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code }
    : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** NewBadRequest: 400 BadRequest, no details. */
export function badRequestStatus(message: string, pretty: boolean): EngineResponse {
  return statusResponse(failure(400, 'BadRequest', message), pretty);
}

/**
 * The go-restful miss under a served API prefix (NewGenericServerResponse(404)): kube-apiserver's
 * `the server could not find the requested resource` with empty details.
 */
export function notFoundStatus(pretty: boolean): EngineResponse {
  return statusResponse(failure(404, 'NotFound', 'the server could not find the requested resource', {}), pretty);
}

/** A route that exists for other methods only (NewGenericServerResponse(405)). */
export function methodNotAllowedStatus(pretty: boolean): EngineResponse {
  return statusResponse(failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}), pretty);
}

/** NewRequestEntityTooLargeError(`limit is N`), what a body over the decode limit gets. */
export function entityTooLargeStatus(limit: number, pretty: boolean): EngineResponse {
  return statusResponse(failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`), pretty);
}

/** The negotiation package's unsupported media type error. */
export function unsupportedMediaTypeStatus(accepted: readonly string[], pretty: boolean): EngineResponse {
  return statusResponse(
    failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`),
    pretty,
  );
}

/** NewInternalError: the message wrapped, the bare error as the only cause. */
export function internalErrorStatus(err: string, pretty: boolean): EngineResponse {
  return statusResponse(failure(500, 'InternalError', `Internal error occurred: ${err}`, { causes: [{ message: err }] }), pretty);
}

/** The CauseType of a field error type (field.ErrorType's string value). */
const CAUSE_TYPE: Readonly<Record<FieldError['type'], string>> = {
  'Required value': 'FieldValueRequired',
  'Invalid value': 'FieldValueInvalid',
  'Duplicate value': 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden',
  'Too many': 'FieldValueTooMany',
  'Too long': 'FieldValueTooLong',
  'Unsupported value': 'FieldValueNotSupported',
  'Internal error': 'InternalError',
  'Not found': 'FieldValueNotFound',
};

/**
 * NewInvalid: 422 Invalid, `<Kind>.<group> "<name>" is invalid: <errors>`, one cause per error.
 * Review objects are decoded into internal types whose kind is empty, so their errors read
 * `.authorization.k8s.io "" is invalid: ...`, exactly as kube-apiserver's do.
 *
 * @example
 * invalidStatus({ group: 'authorization.k8s.io', kind: '' }, '', [{ field: 'spec.user', type: 'Invalid value', value: '', detail: '...' }], false)
 */
export function invalidStatus(qualifiedKind: { readonly group: string; readonly kind: string }, name: string, errs: readonly FieldError[], pretty: boolean): EngineResponse {
  const gk = qualifiedKind.group === '' ? qualifiedKind.kind : `${qualifiedKind.kind}.${qualifiedKind.group}`;
  // ToAggregate drops errors whose text repeats an earlier one; causes keep every error.
  const message = errs.length === 0 ? `${gk} ${goQuote(name)} is invalid` : `${gk} ${goQuote(name)} is invalid: ${aggregateMessages(errs.map(fieldErrorString))}`;
  const details: StatusDetails = {
    ...(name !== '' ? { name } : {}),
    ...(qualifiedKind.group !== '' ? { group: qualifiedKind.group } : {}),
    ...(qualifiedKind.kind !== '' ? { kind: qualifiedKind.kind } : {}),
    causes: errs.map((e) => ({ reason: CAUSE_TYPE[e.type], message: fieldErrorBody(e), field: e.field })),
  };
  return statusResponse(failure(422, 'Invalid', message, details), pretty);
}
