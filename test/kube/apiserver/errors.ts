// metav1.Status objects as kube-apiserver builds them (k8s.io/apimachinery/pkg/api/errors), and
// the error that carries one from a handler to the response.
import { qualifiedResource, type FieldError, type ResourceDef } from './types';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

export function failure(code: number, reason: string, message: string, details?: StatusDetails): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return status;
}

export function success(details: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

function resourceDetails(def: ResourceDef, name: string): StatusDetails {
  return def.group ? { name, group: def.group, kind: def.plural } : { name, kind: def.plural };
}

export function notFound(def: ResourceDef, name: string): ApiError {
  return new ApiError(failure(404, 'NotFound', `${qualifiedResource(def)} "${name}" not found`, resourceDetails(def, name)));
}

export function alreadyExists(def: ResourceDef, name: string): ApiError {
  const message = `${qualifiedResource(def)} "${name}" already exists`;
  return new ApiError(failure(409, 'AlreadyExists', message, resourceDetails(def, name)));
}

export const MODIFIED_CONFLICT = 'the object has been modified; please apply your changes to the latest version and try again';

export function conflict(def: ResourceDef, name: string, why: string): ApiError {
  const message = `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": ${why}`;
  return new ApiError(failure(409, 'Conflict', message, resourceDetails(def, name)));
}

export function badRequest(message: string): ApiError {
  return new ApiError(failure(400, 'BadRequest', message));
}

/** Go's %q for strings, %v otherwise: how field errors print their values. */
function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`;
  return String(value);
}

/** The text after "field: " in a field error, as field.Error.ErrorBody() prints it. */
export function errorBody(e: FieldError): string {
  switch (e.type) {
    case 'FieldValueInvalid':
      return `Invalid value: ${showValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueRequired':
      return e.detail ? `Required value: ${e.detail}` : 'Required value';
    case 'FieldValueForbidden':
      return e.detail ? `Forbidden: ${e.detail}` : 'Forbidden';
    case 'FieldValueDuplicate':
      return `Duplicate value: ${showValue(e.value)}`;
    case 'FieldValueTooLong':
      return `Too long: ${e.detail}`;
  }
}

/**
 * 422 Invalid; the message aggregates distinct errors as errors.NewInvalid does ("[a, b]" for
 * several). `kind` is the Kind for validation errors, the resource for the store's own checks.
 */
export function invalid(def: ResourceDef, name: string, errors: FieldError[], kind = def.kind): ApiError {
  const causes = errors.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field }));
  const texts = [...new Set(errors.map((e) => `${e.field}: ${errorBody(e)}`))];
  const aggregate = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const qualifiedKind = def.group ? `${kind}.${def.group}` : kind;
  const message = `${qualifiedKind} "${name}" is invalid: ${aggregate}`;
  const details: StatusDetails = { name, kind, causes };
  if (def.group) details.group = def.group;
  return new ApiError(failure(422, 'Invalid', message, details));
}

/** errors.NewResourceExpired: what a watch from a compacted resourceVersion gets. */
export function expired(message: string): Status {
  return failure(410, 'Expired', message);
}

export function unauthorized(): ApiError {
  return new ApiError(failure(401, 'Unauthorized', 'Unauthorized'));
}

export function methodNotAllowed(): ApiError {
  return new ApiError(failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
}

export function routeNotFound(): ApiError {
  return new ApiError(failure(404, 'NotFound', 'the server could not find the requested resource', {}));
}

export function internalError(message: string): ApiError {
  return new ApiError(failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ reason: '', message }] }));
}
