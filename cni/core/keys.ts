/**
 * JSON keys decoded the way the reference plugins' Go decoder does: a key names a field when it
 * is the field's name exactly, or else equal to it ignoring case. containerd's go-cni relies on
 * this: it serialises capability arguments with Go field names ({"HostPort": 8080, "HostIP": ""}).
 * Before the schema check, every key that names one of ours is renamed to our spelling.
 */

/** The keys an object may hold (each with the shape of its value), or the shape of an array's items. */
export interface KeyShape {
  readonly keys?: Readonly<Record<string, KeyShape>>;
  readonly items?: KeyShape;
}

/**
 * Go's case folding, for names that are ASCII (all of ours): ASCII letters fold to one case, and
 * the two non-ASCII characters whose fold orbit holds an ASCII letter, U+017F (ſ, s) and U+212A
 * (Kelvin sign, k), fold with them. toLowerCase would fold others (İ) that Go keeps apart.
 */
export function foldKey(key: string): string {
  return key.replace(/[A-Z\u017f\u212a]/g, (c) => (c === '\u017f' ? 's' : c === '\u212a' ? 'k' : c.toLowerCase()));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The key of `obj` that fills `name`: itself when present, else the last one equal to it ignoring case (Go keeps the last value). */
function sourceKey(obj: Record<string, unknown>, name: string, folded: Map<string, string[]>): string | undefined {
  if (Object.hasOwn(obj, name)) return name;
  const candidates = folded.get(foldKey(name));
  return candidates?.[candidates.length - 1];
}

function canonicalObject(obj: Record<string, unknown>, keys: Readonly<Record<string, KeyShape>>): Record<string, unknown> {
  const folded = new Map<string, string[]>();
  for (const k of Object.keys(obj)) folded.set(foldKey(k), [...(folded.get(foldKey(k)) ?? []), k]);
  const out: Record<string, unknown> = {};
  const consumed = new Set<string>(); // every spelling of one of our names: Go decodes them all into it
  for (const [name, shape] of Object.entries(keys)) {
    const from = sourceKey(obj, name, folded);
    if (from === undefined) continue;
    for (const k of folded.get(foldKey(name)) ?? []) consumed.add(k);
    out[name] = canonicalKeys(obj[from], shape);
  }
  // Keys that name nothing of ours pass through untouched (another plugin's, or unknown);
  // defined, not assigned, so a "__proto__" key stays a key.
  for (const [k, v] of Object.entries(obj)) {
    if (!consumed.has(k) && !Object.hasOwn(out, k)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * A copy of `value` with every key that names a field of `shape` spelt as in `shape`. Values of
 * another type than the shape expects are left as they are, for the schema check to name.
 */
export function canonicalKeys(value: unknown, shape: KeyShape): unknown {
  if (Array.isArray(value)) return shape.items ? value.map((v) => canonicalKeys(v, shape.items!)) : value;
  if (isObject(value) && shape.keys) return canonicalObject(value, shape.keys);
  return value;
}

/** Two shapes as one (the plugin's and its in-process IPAM's fields of one configuration). */
export function mergeKeyShapes(a: KeyShape, b: KeyShape): KeyShape {
  const keys: Record<string, KeyShape> = { ...a.keys };
  for (const [k, s] of Object.entries(b.keys ?? {})) keys[k] = keys[k] ? mergeKeyShapes(keys[k], s) : s;
  const items = a.items && b.items ? mergeKeyShapes(a.items, b.items) : (a.items ?? b.items);
  return { ...(a.keys || b.keys ? { keys } : {}), ...(items ? { items } : {}) };
}
