// Shapes shared by the test API server's modules: objects as JSON, field errors, resources.
import type { Schema } from './schema';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/** A stored object: JSON with metadata. Stored objects are never mutated, only replaced. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** The field error types of k8s.io/apimachinery/pkg/util/validation/field. */
export const FieldErrorType = {
  invalid: 'FieldValueInvalid',
  required: 'FieldValueRequired',
  forbidden: 'FieldValueForbidden',
  duplicate: 'FieldValueDuplicate',
  tooLong: 'FieldValueTooLong',
} as const;
export type FieldErrorType = (typeof FieldErrorType)[keyof typeof FieldErrorType];

export interface FieldError {
  type: FieldErrorType;
  field: string;
  detail: string;
  value?: unknown;
}

export type Subresource = '' | 'status';

/** What a resource's registry strategy decides, as kube-apiserver's rest strategies do. */
export interface Strategy {
  allowCreateOnUpdate: boolean;
  allowUnconditionalUpdate: boolean;
  /** Drops what a write through `subresource` may not change (status on the main resource, spec on status). */
  prepareForUpdate(next: KubeObject, old: KubeObject, subresource: Subresource): KubeObject;
  /** Conversion-time normalisation (e.g. a Node's podCIDR and podCIDRs kept in step). */
  normalize?(obj: KubeObject): KubeObject;
  validate(obj: KubeObject): FieldError[];
  validateUpdate(next: KubeObject, old: KubeObject): FieldError[];
}

export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  namespaced: boolean;
  subresources: readonly Subresource[];
  /** Field paths kube-apiserver accepts in a fieldSelector for this kind, with their values. */
  fields(obj: KubeObject): Record<string, string>;
  schema: Schema;
  strategy: Strategy;
}

export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** "nodes" for the core group, "leases.coordination.k8s.io" otherwise, as in error messages. */
export function qualifiedResource(def: ResourceDef): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}
