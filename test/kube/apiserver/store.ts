// Storage: every object of every served kind, one resourceVersion counter for all of them (as
// etcd's revision), each kind's event window, and the watchers to tell. Objects are replaced,
// never mutated, so a reference handed out (a list snapshot, a watch event) stays true.
import { History, type EventType, type StoreEvent } from './history';
import type { KubeObject, ResourceDef } from './types';

export interface StoreWatcher {
  deliver(event: StoreEvent): void;
}

interface Table {
  objects: Map<string, KubeObject>;
  history: History;
  watchers: Set<StoreWatcher>;
  sorted?: string[];
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class Store {
  private revision = 0;
  private readonly tables = new Map<ResourceDef, Table>();

  constructor(defs: readonly ResourceDef[], historyLimit: number) {
    for (const def of defs) this.tables.set(def, { objects: new Map(), history: new History(historyLimit, 0), watchers: new Set() });
  }

  get resourceVersion(): number {
    return this.revision;
  }

  private table(def: ResourceDef): Table {
    const t = this.tables.get(def);
    if (!t) throw new Error(`not a served resource: ${def.plural}`);
    return t;
  }

  get(def: ResourceDef, key: string): KubeObject | undefined {
    return this.table(def).objects.get(key);
  }

  /** Every object of a kind in key order (etcd's order), as an immutable snapshot. */
  list(def: ResourceDef): KubeObject[] {
    const t = this.table(def);
    t.sorted ??= [...t.objects.keys()].sort();
    return t.sorted.map((k) => t.objects.get(k)!);
  }

  count(def: ResourceDef): number {
    return this.table(def).objects.size;
  }

  /** Stores `obj` under the next resourceVersion and tells the kind's watchers. */
  write(def: ResourceDef, key: string, obj: KubeObject, type: Exclude<EventType, 'DELETED'>): KubeObject {
    const t = this.table(def);
    const rv = ++this.revision;
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
    const prev = t.objects.get(key);
    if (!prev) t.sorted = undefined;
    t.objects.set(key, stored);
    this.record(t, { type, object: stored, prev, rv });
    return stored;
  }

  /** Removes an object; the DELETED event carries it at the deletion's resourceVersion. */
  remove(def: ResourceDef, key: string): KubeObject | undefined {
    const t = this.table(def);
    const prev = t.objects.get(key);
    if (!prev) return undefined;
    const rv = ++this.revision;
    const gone = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(rv) } };
    t.objects.delete(key);
    t.sorted = undefined;
    this.record(t, { type: 'DELETED', object: gone, prev, rv });
    return gone;
  }

  private record(t: Table, event: StoreEvent): void {
    t.history.push(event);
    for (const w of [...t.watchers]) w.deliver(event);
  }

  history(def: ResourceDef): History {
    return this.table(def).history;
  }

  subscribe(def: ResourceDef, w: StoreWatcher): () => void {
    const t = this.table(def);
    t.watchers.add(w);
    return () => t.watchers.delete(w);
  }

  watcherCount(): number {
    return [...this.tables.values()].reduce((n, t) => n + t.watchers.size, 0);
  }

  /** Drops every kind's event window up to now: older resourceVersions become 410 Expired. */
  compactAll(): void {
    for (const t of this.tables.values()) t.history.compact(this.revision);
  }

  kinds(): ResourceDef[] {
    return [...this.tables.keys()];
  }
}
