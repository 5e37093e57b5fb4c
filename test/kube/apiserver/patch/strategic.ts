// Strategic merge patch (application/strategic-merge-patch+json), after
// k8s.io/apimachinery/pkg/util/strategicpatch: maps merge (null deletes), lists tagged
// patchStrategy=merge merge by their patchMergeKey (Node conditions and addresses by `type`,
// ownerReferences by `uid`) or as sets for scalars (podCIDRs, finalizers); other lists are
// replaced. Directives: `$patch: replace|delete` on maps and list items,
// `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`, `$retainKeys`.
// Ordering follows the library: server-only items keep their place, patch items go where the
// patch (or $setElementOrder) puts them, and new items come before the ones they precede.
import { ApiError, badRequest, internalError } from '../errors';
import type { Schema } from '../schema';
import type { Json, JsonObject } from '../types';
import { isObject } from './merge';

const DIRECTIVE = '$patch';
const DELETE_FROM = '$deleteFromPrimitiveList/';
const SET_ORDER = '$setElementOrder/';
const RETAIN_KEYS = '$retainKeys';

type ListSchema = Extract<Schema, { type: 'list' }>;

function childSchema(schema: Schema | undefined, key: string): Schema | undefined {
  if (schema?.type === 'object') return schema.fields[key];
  if (schema?.type === 'map') return schema.values;
  return undefined;
}

function badPatchType(value: Json, where: Json): ApiError {
  return internalError(`Unknown patch type: ${JSON.stringify(value)} in map: ${JSON.stringify(where)}`);
}

/** Applies `$deleteFromPrimitiveList/x` and `$retainKeys` to a copy of the original map. */
function preprocess(original: JsonObject, patch: JsonObject): JsonObject {
  let out = { ...original };
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest('invalid patch: $retainKeys must be a list');
    out = Object.fromEntries(Object.entries(out).filter(([k]) => retain.includes(k)));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(DELETE_FROM)) continue;
    if (!Array.isArray(value)) throw badRequest('invalid patch: $deleteFromPrimitiveList must be a list');
    const field = key.slice(DELETE_FROM.length);
    const current = out[field];
    if (Array.isArray(current)) out[field] = current.filter((v) => !value.some((d) => JSON.stringify(d) === JSON.stringify(v)));
  }
  return out;
}

function isDirectiveKey(key: string): boolean {
  return key === DIRECTIVE || key === RETAIN_KEYS || key.startsWith(DELETE_FROM) || key.startsWith(SET_ORDER);
}

export function mergeMap(original: JsonObject, patch: JsonObject, schema: Schema | undefined): JsonObject {
  const directive = patch[DIRECTIVE];
  if (directive === 'replace') return Object.fromEntries(Object.entries(patch).filter(([k]) => k !== DIRECTIVE));
  if (directive === 'delete') return {};
  if (directive !== undefined) throw badPatchType(directive, patch);
  const out = preprocess(original, patch);
  for (const [key, value] of Object.entries(patch)) {
    if (isDirectiveKey(key)) continue;
    if (value === null) {
      delete out[key];
      continue;
    }
    const order = patch[SET_ORDER + key];
    out[key] = mergeValue(out[key], value, childSchema(schema, key), Array.isArray(order) ? order : undefined);
  }
  return out;
}

function mergeValue(original: Json | undefined, patch: Json, schema: Schema | undefined, order?: Json[]): Json {
  if (isObject(patch)) return mergeMap(isObject(original) ? original : {}, patch, schema);
  if (Array.isArray(patch) && schema?.type === 'list' && schema.strategy === 'merge') {
    return mergeList(Array.isArray(original) ? original : [], patch, schema, order);
  }
  return patch;
}

function keyOf(item: Json, mergeKey: string | undefined): string {
  return JSON.stringify(mergeKey && isObject(item) ? (item[mergeKey] ?? null) : item);
}

function mergeList(original: Json[], patch: Json[], schema: ListSchema, order?: Json[]): Json[] {
  const mergeKey = schema.items.type === 'object' ? schema.mergeKey : undefined;
  if (!mergeKey) {
    const merged = [...new Map([...original, ...patch].map((v) => [keyOf(v, undefined), v])).values()];
    return arrange(merged, patch, original, order, undefined);
  }
  const { base, items } = applyListDirectives(original, patch, mergeKey);
  const merged = [...base];
  for (const item of items) {
    if (!isObject(item) || item[mergeKey] === undefined) {
      throw internalError(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    }
    const at = merged.findIndex((m) => keyOf(m, mergeKey) === keyOf(item, mergeKey));
    if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, item, schema.items);
    else merged.push(mergeMap({}, item, schema.items));
  }
  return arrange(merged, items, base, order, mergeKey);
}

/** `{key: v, $patch: delete}` items delete; a `{$patch: replace}` item makes the patch the list. */
function applyListDirectives(original: Json[], patch: Json[], mergeKey: string): { base: Json[]; items: Json[] } {
  let base = [...original];
  const items: Json[] = [];
  let replace = false;
  for (const item of patch) {
    const directive = isObject(item) ? item[DIRECTIVE] : undefined;
    if (directive === undefined) items.push(item);
    else if (directive === 'delete') base = base.filter((b) => keyOf(b, mergeKey) !== keyOf(item, mergeKey));
    else if (directive === 'replace') replace = true;
    else throw badPatchType(directive, item);
  }
  return replace ? { base: [], items } : { base, items };
}

/** Sorts by position in `ref`; items `ref` does not hold go first, as the library's less() has it. */
function byOrder(list: Json[], ref: Json[], mergeKey: string | undefined): Json[] {
  const ranked = list.map((x) => ({ x, i: indexIn(ref, x, mergeKey) }));
  const known = ranked.filter((e) => e.i >= 0).sort((a, b) => a.i - b.i);
  return [...ranked.filter((e) => e.i < 0), ...known].map((e) => e.x);
}

function indexIn(list: Json[], item: Json, mergeKey: string | undefined): number {
  const key = keyOf(item, mergeKey);
  return list.findIndex((x) => keyOf(x, mergeKey) === key);
}

/**
 * normalizeElementOrder + mergeSortedSlice of the library: patch items in patch order (or
 * $setElementOrder's), server-only items in their old order, interleaved by the old order; a
 * patch item the old list did not have goes before the server item it meets.
 */
function arrange(merged: Json[], patch: Json[], original: Json[], order: Json[] | undefined, mergeKey?: string): Json[] {
  // With $setElementOrder, what it names is placed by it; the rest are server-only items.
  const inPatch = new Set((order ?? patch).map((p) => keyOf(p, mergeKey)));
  const patchItems = byOrder(merged.filter((m) => inPatch.has(keyOf(m, mergeKey))), order ?? patch, mergeKey);
  const serverOnly = byOrder(merged.filter((m) => !inPatch.has(keyOf(m, mergeKey))), original, mergeKey);
  const out: Json[] = [];
  let [i, j] = [0, 0];
  while (i < serverOnly.length || j < patchItems.length) {
    if (j >= patchItems.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(patchItems[j++]);
    else {
      const [li, ri] = [indexIn(original, serverOnly[i], mergeKey), indexIn(original, patchItems[j], mergeKey)];
      out.push(li >= 0 && ri >= 0 && li < ri ? serverOnly[i++] : patchItems[j++]);
    }
  }
  return out;
}

export function strategicMergePatch(original: Json, patch: Json, schema: Schema): Json {
  if (!isObject(patch)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
  return mergeMap(isObject(original) ? original : {}, patch, schema);
}
