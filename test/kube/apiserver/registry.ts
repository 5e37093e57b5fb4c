// The generic registry (k8s.io/apiserver/pkg/registry/generic/registry.Store) for every served
// kind: create, update (PUT and PATCH alike), delete, with the kind's strategy, validation,
// optimistic concurrency on resourceVersion, and no-op updates that write nothing.
import { randomUUID } from 'node:crypto';
import { decodeObject, FieldValidation, type Decoded } from './decode';
import { alreadyExists, badRequest, conflict, internalError, invalid, MODIFIED_CONFLICT, notFound } from './errors';
import { namespaces } from './resources';
import { objectKey, type Store } from './store';
import type { Json, KubeObject, ResourceDef, Subresource } from './types';

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  created: boolean;
}

export interface UpdateOptions extends WriteOptions {
  subresource?: Subresource;
}

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** metav1.Time on the wire: RFC 3339 to the second, UTC. */
export function timestamp(at = new Date()): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

function generatedName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
  return prefix + suffix;
}

/** Equal but for resourceVersion: such an update changes nothing and writes nothing. */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return strip(a) === strip(b);
}

export class Registry {
  constructor(
    readonly store: Store,
    private readonly onWritten: (def: ResourceDef, obj: KubeObject) => void,
  ) {}

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
    const obj = this.store.get(def, objectKey(def.namespaced ? namespace : undefined, name));
    if (!obj) throw notFound(def, name);
    return obj;
  }

  private decode(def: ResourceDef, body: Json, opts: WriteOptions): Decoded {
    return decodeObject(def, body, opts.fieldValidation ?? FieldValidation.warn);
  }

  private requireNamespace(def: ResourceDef, namespace: string | undefined): void {
    if (def.namespaced && !this.store.get(namespaces, namespace ?? '')) throw notFound(namespaces, namespace ?? '');
  }

  /** Puts the request's namespace on the object, refusing a body that names another one. */
  private placeIn(def: ResourceDef, obj: KubeObject, namespace: string | undefined): KubeObject {
    if (!def.namespaced) return { ...obj, metadata: { ...obj.metadata, namespace: undefined } };
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return { ...obj, metadata: { ...obj.metadata, namespace } };
  }

  create(def: ResourceDef, namespace: string | undefined, body: Json, opts: WriteOptions = {}): WriteResult {
    const { object, warnings } = this.decode(def, body, opts);
    return { object: this.createDecoded(def, namespace, object, opts), warnings, created: true };
  }

  private createDecoded(def: ResourceDef, namespace: string | undefined, decoded: KubeObject, opts: WriteOptions): KubeObject {
    this.requireNamespace(def, namespace);
    if (decoded.metadata.resourceVersion) throw internalError('resourceVersion should not be set on objects to be created');
    const meta = { ...decoded.metadata };
    if (!meta.name && meta.generateName) meta.name = generatedName(meta.generateName);
    Object.assign(meta, { uid: randomUUID(), creationTimestamp: timestamp(), deletionTimestamp: undefined, generation: undefined });
    let obj = this.placeIn(def, { ...decoded, metadata: meta }, namespace);
    obj = def.strategy.normalize?.(obj) ?? obj;
    const errors = def.strategy.validate(obj);
    if (errors.length) throw invalid(def, meta.name ?? '', errors);
    const key = objectKey(obj.metadata.namespace, meta.name!);
    if (this.store.get(def, key)) throw alreadyExists(def, meta.name!);
    if (opts.dryRun) return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.store.resourceVersion) } };
    const stored = this.store.write(def, key, obj, 'ADDED');
    this.onWritten(def, stored);
    return stored;
  }

  /** PUT: the body replaces the object (within what the strategy lets through). */
  update(def: ResourceDef, namespace: string | undefined, name: string, body: Json, opts: UpdateOptions = {}): WriteResult {
    const { object, warnings } = this.decode(def, body, opts);
    if (object.metadata.name !== name) {
      throw badRequest(`the name of the object (${object.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    const current = this.store.get(def, objectKey(def.namespaced ? namespace : undefined, name));
    if (!current && def.strategy.allowCreateOnUpdate && !opts.subresource) {
      const created = this.createDecoded(def, namespace, { ...object, metadata: { ...object.metadata, resourceVersion: undefined } }, opts);
      return { object: created, warnings, created: true };
    }
    if (!current) throw notFound(def, name);
    return { object: this.replace(def, current, this.placeIn(def, object, namespace), opts), warnings, created: false };
  }

  /** PATCH: `apply` turns the current object's JSON into the new one, then it is an update. */
  patch(def: ResourceDef, namespace: string | undefined, name: string, apply: (current: Json) => Json, opts: UpdateOptions = {}): WriteResult {
    const current = this.get(def, namespace, name);
    const { object, warnings } = this.decode(def, apply(structuredClone(current) as unknown as Json), opts);
    if (object.metadata.name !== name) {
      throw badRequest(`the name of the object (${object.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    return { object: this.replace(def, current, this.placeIn(def, object, namespace), opts), warnings, created: false };
  }

  private checkVersion(def: ResourceDef, current: KubeObject, next: KubeObject): void {
    const name = current.metadata.name!;
    const wanted = next.metadata.resourceVersion;
    if (!wanted && !def.strategy.allowUnconditionalUpdate) {
      const error = { type: 'FieldValueInvalid' as const, field: 'metadata.resourceVersion', value: 0, detail: 'must be specified for an update' };
      throw invalid(def, name, [error], def.plural);
    }
    if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(def, name, MODIFIED_CONFLICT);
  }

  private replace(def: ResourceDef, current: KubeObject, next: KubeObject, opts: UpdateOptions): KubeObject {
    this.checkVersion(def, current, next);
    const old = current.metadata;
    const meta = { ...next.metadata, uid: next.metadata.uid || old.uid, creationTimestamp: old.creationTimestamp };
    Object.assign(meta, { deletionTimestamp: old.deletionTimestamp, generation: undefined, resourceVersion: old.resourceVersion });
    let obj = def.strategy.prepareForUpdate({ ...next, metadata: meta }, current, opts.subresource ?? '');
    obj = def.strategy.normalize?.(obj) ?? obj;
    const errors = def.strategy.validateUpdate(obj, current);
    if (errors.length) throw invalid(def, old.name!, errors);
    if (sameContent(obj, current) || opts.dryRun) return sameContent(obj, current) ? current : obj;
    const key = objectKey(old.namespace, old.name!);
    if (obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length) return this.store.remove(def, key)!;
    const stored = this.store.write(def, key, obj, 'MODIFIED');
    this.onWritten(def, stored);
    return stored;
  }

  /** Removes at once, or, when finalizers remain, marks the object for deletion (202). */
  remove(def: ResourceDef, current: KubeObject, dryRun = false): { object: KubeObject; pending: boolean } {
    const key = objectKey(current.metadata.namespace, current.metadata.name!);
    if (current.metadata.finalizers?.length) {
      if (current.metadata.deletionTimestamp || dryRun) return { object: current, pending: true };
      const marked = { ...current, metadata: { ...current.metadata, deletionTimestamp: timestamp(), deletionGracePeriodSeconds: 0 } };
      return { object: this.store.write(def, key, marked, 'MODIFIED'), pending: true };
    }
    if (dryRun) return { object: current, pending: false };
    return { object: this.store.remove(def, key)!, pending: false };
  }
}
