// JSON patch (RFC 6902, application/json-patch+json): add, remove, replace, move, copy, test.
// It is client-node's default patch type (the first its generated code lists).
import { ApiError, badRequest, failure } from '../errors';
import type { Json, JsonObject } from '../types';
import { isObject } from './merge';

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function unprocessable(message: string): ApiError {
  return new ApiError(failure(422, 'Invalid', message));
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw unprocessable(`JSON pointer must start with "/": ${pointer}`);
  return pointer.slice(1).split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Follows all but the last token, copying containers on the way so the input stays unchanged. */
function walk(doc: Json, tokens: string[], path: string): { root: Json; parent: Json } {
  const root = structuredClone(doc);
  let parent: Json = root;
  for (const token of tokens.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(parent) ? parent[Number(token)] : isObject(parent) ? parent[token] : undefined;
    if (next === undefined || next === null || typeof next !== 'object') throw unprocessable(`doc is missing path: "${path}": missing value`);
    parent = next;
  }
  return { root, parent };
}

function arrayIndex(arr: Json[], token: string, path: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  const i = Number(token);
  if (!/^\d+$/.test(token) || i > arr.length || (!forAdd && i === arr.length)) throw unprocessable(`Unable to access invalid index: ${token}: invalid index referenced: "${path}"`);
  return i;
}

function get(doc: Json, path: string): Json {
  const tokens = parsePointer(path);
  if (!tokens.length) return doc;
  const { parent } = walk(doc, tokens, path);
  const last = tokens[tokens.length - 1];
  const value = Array.isArray(parent) ? parent[arrayIndex(parent, last, path, false)] : (parent as JsonObject)[last];
  if (value === undefined) throw unprocessable(`doc is missing path: "${path}": missing value`);
  return value;
}

function add(doc: Json, path: string, value: Json, replace = false): Json {
  const tokens = parsePointer(path);
  if (!tokens.length) return value;
  const { root, parent } = walk(doc, tokens, path);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, !replace), replace ? 1 : 0, value);
  else if (replace && (parent as JsonObject)[last] === undefined) throw unprocessable(`replace operation does not apply: doc is missing key: ${path}: missing value`);
  else (parent as JsonObject)[last] = value;
  return root;
}

function remove(doc: Json, path: string): Json {
  const tokens = parsePointer(path);
  const { root, parent } = walk(doc, tokens, path);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, false), 1);
  else if ((parent as JsonObject)[last] === undefined) throw unprocessable(`Unable to remove nonexistent key: ${last}: missing value`);
  else delete (parent as JsonObject)[last];
  return root;
}

function applyOne(doc: Json, op: Operation): Json {
  switch (op.op) {
    case 'add':
      return add(doc, op.path, op.value ?? null);
    case 'replace':
      return add(doc, op.path, op.value ?? null, true);
    case 'remove':
      return remove(doc, op.path);
    case 'move':
      return add(remove(doc, op.from ?? ''), op.path, get(doc, op.from ?? ''));
    case 'copy':
      return add(doc, op.path, structuredClone(get(doc, op.from ?? '')));
    case 'test':
      if (JSON.stringify(get(doc, op.path)) !== JSON.stringify(op.value)) throw unprocessable(`testing value ${op.path} failed: test failed`);
      return doc;
    default:
      throw badRequest(`Unexpected kind: ${op.op}`);
  }
}

export function applyJsonPatch(doc: Json, patch: Json): Json {
  if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const ops = patch.map((p) => {
    if (!isObject(p) || typeof p.op !== 'string' || typeof p.path !== 'string') throw badRequest(`invalid JSON patch operation: ${JSON.stringify(p)}`);
    return p as unknown as Operation;
  });
  return ops.reduce(applyOne, doc);
}
