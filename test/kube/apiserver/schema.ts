// A small description of the Go types behind each served kind, and the decoder that plays Go's
// part: kube-apiserver decodes every body (and every patched object) into typed structs, so
// unknown fields are dropped (a warning, or 400 with fieldValidation=Strict), a wrong JSON type
// is a 400, zero values of omitempty fields vanish, and times are re-printed in their wire
// format (metav1.Time to the second; metav1.MicroTime demands exactly six fraction digits).
// The same table carries the strategic-merge-patch tags (patchStrategy, patchMergeKey).
import { badRequest } from './errors';
import type { Json, JsonObject } from './types';

export type LeafType = 'string' | 'int' | 'bool' | 'time' | 'microtime' | 'any';

export type Schema =
  | { type: LeafType; keep?: boolean }
  | { type: 'map'; values: Schema }
  | { type: 'object'; fields: Record<string, Schema>; always?: boolean }
  | { type: 'list'; items: Schema; strategy?: 'merge'; mergeKey?: string };

export const leaf = (type: LeafType, keep = false): Schema => ({ type, keep });
export const obj = (fields: Record<string, Schema>, always = false): Schema => ({ type: 'object', fields, always });
export const list = (items: Schema, merge?: { mergeKey?: string }): Schema =>
  merge ? { type: 'list', items, strategy: 'merge', mergeKey: merge.mergeKey } : { type: 'list', items };
export const map = (values: Schema): Schema => ({ type: 'map', values });

export interface DecodeContext {
  kind: string;
  version: string;
  unknown: string[];
}

const GO_TYPES: Record<LeafType, string> = {
  string: 'string', int: 'int32', bool: 'bool', time: 'v1.Time', microtime: 'v1.MicroTime', any: 'interface {}',
};

function jsonType(v: Json): string {
  if (Array.isArray(v)) return 'array';
  return v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v;
}

function typeError(ctx: DecodeContext, path: string, value: Json, goType: string): Error {
  return badRequest(
    `${ctx.kind} in version "${ctx.version}" cannot be handled as a ${ctx.kind}: json: cannot unmarshal ` +
      `${jsonType(value)} into Go struct field ${ctx.kind}.${path} of type ${goType}`,
  );
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const RFC3339_MICRO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

// Bulk writes repeat the same few timestamps: remember the last answers.
const decodedTimes = new Map<string, string>();

function decodeTime(ctx: DecodeContext, value: string, micro: boolean): string {
  const key = `${micro ? 'µ' : ''}${value}`;
  let out = decodedTimes.get(key);
  if (out === undefined) {
    out = parseTime(ctx, value, micro);
    if (decodedTimes.size > 1000) decodedTimes.clear();
    decodedTimes.set(key, out);
  }
  return out;
}

function parseTime(ctx: DecodeContext, value: string, micro: boolean): string {
  const layout = micro ? '2006-01-02T15:04:05.000000Z07:00' : '2006-01-02T15:04:05Z07:00';
  const ok = (micro ? RFC3339_MICRO : RFC3339).test(value) && !Number.isNaN(Date.parse(value));
  if (!ok) throw badRequest(`${ctx.kind} in version "${ctx.version}" cannot be handled as a ${ctx.kind}: parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}`);
  const micros = micro ? value.slice(20, 26) : '';
  const utc = new Date(Date.parse(value)).toISOString().slice(0, 19);
  return micro ? `${utc}.${micros}Z` : `${utc}Z`;
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

function decodeLeaf(s: { type: LeafType; keep?: boolean }, v: Json, path: string, ctx: DecodeContext): Json | undefined {
  if (s.type === 'any') return v;
  const expect = s.type === 'int' ? 'number' : s.type === 'bool' ? 'boolean' : 'string';
  if (typeof v !== expect || (s.type === 'int' && !Number.isInteger(v))) throw typeError(ctx, path, v, GO_TYPES[s.type]);
  if (!s.keep && isZero(v)) return undefined;
  if (s.type === 'time' || s.type === 'microtime') return decodeTime(ctx, v as string, s.type === 'microtime');
  return v;
}

const fieldLists = new WeakMap<Record<string, Schema>, [string, Schema][]>();

function decodeObject(fields: Record<string, Schema>, v: Json, path: string, ctx: DecodeContext): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw typeError(ctx, path, v, 'struct');
  const out: JsonObject = {};
  let entries = fieldLists.get(fields);
  if (!entries) fieldLists.set(fields, (entries = Object.entries(fields)));
  for (const [name, schema] of entries) {
    if (v[name] === undefined) {
      if (schema.type === 'object' && schema.always) out[name] = {};
      continue;
    }
    const decoded = decode(schema, v[name], path ? `${path}.${name}` : name, ctx);
    if (decoded !== undefined) out[name] = decoded;
  }
  for (const name in v) {
    if (!Object.hasOwn(fields, name)) ctx.unknown.push(path ? `${path}.${name}` : name);
  }
  return out;
}

/** Decodes `v` as Go would into the type `schema` describes; undefined means "omitted". */
export function decode(schema: Schema, v: Json, path: string, ctx: DecodeContext): Json | undefined {
  if (v === null) return undefined;
  switch (schema.type) {
    case 'object':
      return decodeObject(schema.fields, v, path, ctx);
    case 'list': {
      if (!Array.isArray(v)) throw typeError(ctx, path, v, 'slice');
      const items = v.map((item, i) => decode(schema.items, item, `${path}[${i}]`, ctx) ?? zeroOf(schema.items));
      return items.length ? items : undefined;
    }
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) throw typeError(ctx, path, v, 'map');
      const entries = Object.entries(v).map(([k, x]) => [k, decode({ ...schema.values, keep: true } as Schema, x, `${path}.${k}`, ctx) ?? ''] as const);
      return entries.length ? Object.fromEntries(entries) : undefined;
    }
    default:
      return decodeLeaf(schema, v, path, ctx);
  }
}

function zeroOf(schema: Schema): Json {
  if (schema.type === 'object' || schema.type === 'map') return {};
  return schema.type === 'int' ? 0 : schema.type === 'bool' ? false : '';
}

/** Looks up the schema of a field of an object schema (undefined for unknown or non-objects). */
export function fieldSchema(schema: Schema | undefined, name: string): Schema | undefined {
  return schema?.type === 'object' ? schema.fields[name] : undefined;
}
