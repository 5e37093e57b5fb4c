// coordination.k8s.io/v1 Lease: schema, strategy and validation as pkg/registry/coordination/lease
// and pkg/apis/coordination/validation have them. Leases refuse unconditional updates (a PUT
// must carry metadata.resourceVersion) and a PUT may create one.
import { leaf, obj } from '../schema';
import type { FieldError, KubeObject, ResourceDef } from '../types';
import { dnsSubdomainErrors, validateObjectMeta, validateObjectMetaUpdate } from '../validation';
import { topLevel } from './meta';

const leaseSchema = topLevel({
  spec: obj(
    {
      holderIdentity: leaf('string', true),
      leaseDurationSeconds: leaf('int', true),
      acquireTime: leaf('microtime', true),
      renewTime: leaf('microtime', true),
      leaseTransitions: leaf('int', true),
      strategy: leaf('string', true),
      preferredHolder: leaf('string', true),
    },
    true,
  ),
});

interface LeaseSpec {
  leaseDurationSeconds?: number;
  leaseTransitions?: number;
}

function validateLease(lease: KubeObject): FieldError[] {
  const spec = (lease.spec ?? {}) as LeaseSpec;
  const out = validateObjectMeta(lease, { namespaced: true, nameErrors: dnsSubdomainErrors });
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    out.push({ type: 'FieldValueInvalid', field: 'spec.leaseDurationSeconds', value: spec.leaseDurationSeconds, detail: 'must be greater than 0' });
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    out.push({ type: 'FieldValueInvalid', field: 'spec.leaseTransitions', value: spec.leaseTransitions, detail: 'must be greater than or equal to 0' });
  }
  return out;
}

export const leases: ResourceDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  plural: 'leases',
  singular: 'lease',
  shortNames: [],
  namespaced: true,
  subresources: [],
  fields: (lease) => ({ 'metadata.name': lease.metadata.name ?? '', 'metadata.namespace': lease.metadata.namespace ?? '' }),
  schema: leaseSchema,
  strategy: {
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: false,
    prepareForUpdate: (next) => next,
    validate: validateLease,
    validateUpdate: (next, old) => [...validateObjectMetaUpdate(next, old), ...validateLease(next)],
  },
};
