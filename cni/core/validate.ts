import { CniError, ErrorCode } from './errors';
import type { Validator, ValidationError } from '../generated/validators';

/** "/ipam/ranges/0/1/subnet" → "ipam.ranges[0][1].subnet": the field as a user writes it. */
export function fieldPath(pointer: string, child?: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child) parts.push(child);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') || '(config)';
}

function describe(e: ValidationError): string {
  if (e.keyword === 'required') return `${fieldPath(e.instancePath, String(e.params.missingProperty))}: required but missing`;
  if (e.keyword === 'enum') return `${fieldPath(e.instancePath)}: must be one of ${JSON.stringify(e.params.allowedValues)}`;
  return `${fieldPath(e.instancePath)}: ${e.message ?? e.keyword}`;
}

/** Runs a build-time compiled schema; the first problem is the message, all of them the details. */
export function checkSchema(validate: Validator, data: unknown): void {
  if (validate(data)) return;
  const problems = (validate.errors ?? []).map(describe);
  throw new CniError(ErrorCode.invalidConfig, problems[0] ?? 'invalid configuration', problems.join('; '));
}
