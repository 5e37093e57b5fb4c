// Turns a request body (or a patched object) into an object of the kind, as the API server's
// decoder does: typed per the kind's schema, unknown fields reported per fieldValidation.
import { badRequest } from './errors';
import { decode, type DecodeContext } from './schema';
import { apiVersionOf, type Json, type KubeObject, type ResourceDef } from './types';

export const FieldValidation = { strict: 'Strict', warn: 'Warn', ignore: 'Ignore' } as const;
export type FieldValidation = (typeof FieldValidation)[keyof typeof FieldValidation];

export interface Decoded {
  object: KubeObject;
  /** Warning header values (RFC 7234 form, code 299), one per unknown field. */
  warnings: string[];
}

function checkTypeMeta(def: ResourceDef, body: { kind?: Json; apiVersion?: Json }): void {
  const expected = apiVersionOf(def);
  if (body.apiVersion !== undefined && body.apiVersion !== expected) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`);
  }
  if (body.kind !== undefined && body.kind !== def.kind) {
    throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${def.kind})`);
  }
}

export function decodeObject(def: ResourceDef, body: Json, validation: FieldValidation): Decoded {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
  }
  checkTypeMeta(def, body);
  const ctx: DecodeContext = { kind: def.kind, version: def.version, unknown: [] };
  const decoded = decode(def.schema, body, '', ctx) as unknown as KubeObject;
  const unknown = ctx.unknown.map((path) => `unknown field "${path}"`);
  if (unknown.length && validation === FieldValidation.strict) throw badRequest(`strict decoding error: ${unknown.join(', ')}`);
  const warnings = validation === FieldValidation.warn ? unknown.map((u) => `299 - ${JSON.stringify(u)}`) : [];
  return { object: { kind: def.kind, apiVersion: apiVersionOf(def), ...decoded }, warnings };
}
