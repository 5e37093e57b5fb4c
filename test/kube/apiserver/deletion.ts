// DELETE: preconditions, finalizers, and what happens to dependents (propagationPolicy):
// Background (the default) leaves them to the garbage collector, Orphan strips the deleted
// owner from their ownerReferences first, Foreground deletes them at once with the owner (where
// the real one marks the owner, deletes the dependents, then the owner). Deleting a namespace deletes its contents.
import { badRequest, conflict, success, type Status } from './errors';
import type { GarbageCollector } from './gc';
import type { Registry } from './registry';
import { RESOURCES, namespaces } from './resources';
import type { Json, KubeObject, ResourceDef } from './types';

export const Propagation = { orphan: 'Orphan', background: 'Background', foreground: 'Foreground' } as const;
export type Propagation = (typeof Propagation)[keyof typeof Propagation];

export interface DeleteOptions {
  propagationPolicy?: Propagation;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteContext {
  registry: Registry;
  gc: GarbageCollector;
}

export interface DeleteResult {
  code: 200 | 202;
  body: Status | KubeObject;
}

function checkPreconditions(def: ResourceDef, obj: KubeObject, pre: DeleteOptions['preconditions']): void {
  const name = obj.metadata.name!;
  const failed = (what: string, wanted: string, actual: string) =>
    conflict(def, name, `Precondition failed: ${what} in precondition: ${wanted}, ${what} in object meta: ${actual}`);
  if (pre?.uid && pre.uid !== obj.metadata.uid) throw failed('UID', pre.uid, obj.metadata.uid ?? '');
  if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw failed('ResourceVersion', pre.resourceVersion, obj.metadata.resourceVersion ?? '');
  }
}

function dependentsOf(ctx: DeleteContext, owner: KubeObject): { def: ResourceDef; obj: KubeObject }[] {
  const uid = owner.metadata.uid;
  return RESOURCES.flatMap((def) =>
    ctx.registry.store.list(def).filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === uid)).map((obj) => ({ def, obj })),
  );
}

function orphanDependents(ctx: DeleteContext, owner: KubeObject): void {
  for (const { def, obj } of dependentsOf(ctx, owner)) {
    const refs = obj.metadata.ownerReferences!.filter((r) => r.uid !== owner.metadata.uid);
    const strip = (cur: Json): Json => {
      const o = cur as unknown as KubeObject;
      return { ...o, metadata: { ...o.metadata, ownerReferences: refs.length ? refs : undefined } } as unknown as Json;
    };
    ctx.registry.patch(def, obj.metadata.namespace, obj.metadata.name!, strip);
  }
}

function deleteNamespaceContents(ctx: DeleteContext, ns: string): void {
  for (const def of RESOURCES.filter((d) => d.namespaced)) {
    for (const obj of ctx.registry.store.list(def).filter((o) => o.metadata.namespace === ns)) {
      deleteObject(ctx, def, ns, obj.metadata.name!, {});
    }
  }
}

export function deleteObject(ctx: DeleteContext, def: ResourceDef, namespace: string | undefined, name: string, opts: DeleteOptions): DeleteResult {
  const policy = opts.propagationPolicy ?? Propagation.background;
  if (!Object.values(Propagation).includes(policy)) throw badRequest(`propagationPolicy: Unsupported value: "${policy}"`);
  const current = ctx.registry.get(def, namespace, name);
  checkPreconditions(def, current, opts.preconditions);
  if (!opts.dryRun) {
    if (policy === Propagation.orphan) orphanDependents(ctx, current);
    if (def === namespaces) deleteNamespaceContents(ctx, name);
  }
  const { object, pending } = ctx.registry.remove(def, current, opts.dryRun);
  if (pending) return { code: 202, body: object };
  if (!opts.dryRun) ctx.gc.schedule();
  // Foreground, simplified: the dependents go in the same breath as their owner.
  if (!opts.dryRun && policy === Propagation.foreground) ctx.gc.flush();
  const details = { name, ...(def.group ? { group: def.group } : {}), kind: def.plural, uid: object.metadata.uid };
  return { code: 200, body: success(details) };
}
