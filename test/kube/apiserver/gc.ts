// The cluster's garbage collector, simulated: an object whose ownerReferences all name owners
// that no longer exist (matched by uid, not just by name: a Node deleted and re-created under
// the same name is another owner) is deleted, in the background, shortly after the change that
// orphaned it. Owners of kinds this server does not serve are assumed alive, as the real
// collector leaves what it cannot resolve.
import { findByKind, RESOURCES } from './resources';
import { objectKey, type Store } from './store';
import type { KubeObject, OwnerReference, ResourceDef } from './types';

export type DeleteDependent = (def: ResourceDef, obj: KubeObject) => void;

export class GarbageCollector {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly delayMs: number,
    private readonly deleteDependent: DeleteDependent,
  ) {}

  /** Asks for a sweep after the configured delay (many changes share one sweep). */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sweep();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Runs a pending sweep now (tests that want the collector's work done before they look). */
  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sweep();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Deletes orphans until none are left (deleting one may orphan its own dependents). */
  sweep(): void {
    for (let doomed = this.orphans(); doomed.length; doomed = this.orphans()) {
      for (const { def, obj } of doomed) this.deleteDependent(def, obj);
    }
  }

  private orphans(): { def: ResourceDef; obj: KubeObject }[] {
    const out: { def: ResourceDef; obj: KubeObject }[] = [];
    for (const def of RESOURCES) {
      for (const obj of this.store.list(def)) {
        const refs = obj.metadata.ownerReferences ?? [];
        if (obj.metadata.deletionTimestamp || !refs.length) continue;
        if (refs.every((ref) => !this.ownerExists(ref, obj))) out.push({ def, obj });
      }
    }
    return out;
  }

  private ownerExists(ref: OwnerReference, dependent: KubeObject): boolean {
    const def = findByKind(ref.apiVersion, ref.kind);
    if (!def) return true;
    const owner = this.store.get(def, objectKey(def.namespaced ? dependent.metadata.namespace : undefined, ref.name));
    return owner?.metadata.uid === ref.uid;
  }
}
