// core/v1 Namespace, enough for namespaced kinds to live in: create, get, list, watch, delete
// (which removes the namespace's contents at once, where the real one goes through Terminating).
import { leaf, list, obj } from '../schema';
import type { ResourceDef } from '../types';
import { dnsLabelErrors, validateObjectMeta, validateObjectMetaUpdate } from '../validation';
import { topLevel } from './meta';

export const namespaces: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  namespaced: false,
  subresources: ['status'],
  fields: (ns) => ({ 'metadata.name': ns.metadata.name ?? '', 'status.phase': String((ns.status as { phase?: string } | undefined)?.phase ?? '') }),
  schema: topLevel({
    spec: obj({ finalizers: list(leaf('string')) }, true),
    status: obj({ phase: leaf('string'), conditions: leaf('any') }, true),
  }),
  strategy: {
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    prepareForUpdate: (next, old, sub) => (sub === 'status' ? { ...next, spec: old.spec } : { ...next, status: old.status }),
    // The namespace lifecycle controller's doing, folded in: a namespace is Active from birth.
    normalize: (ns) => ({ ...ns, spec: { finalizers: ['kubernetes'], ...(ns.spec ?? {}) }, status: { phase: 'Active', ...(ns.status ?? {}) } }),
    validate: (ns) => validateObjectMeta(ns, { namespaced: false, nameErrors: dnsLabelErrors }),
    validateUpdate: (next, old) => [...validateObjectMetaUpdate(next, old), ...validateObjectMeta(next, { namespaced: false, nameErrors: dnsLabelErrors })],
  },
};
