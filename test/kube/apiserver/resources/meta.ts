// metav1.ObjectMeta and OwnerReference as schemas, shared by every served kind.
import { leaf, list, map, obj, type Schema } from '../schema';

const ownerReference = obj({
  apiVersion: leaf('string', true),
  kind: leaf('string', true),
  name: leaf('string', true),
  uid: leaf('string', true),
  controller: leaf('bool', true),
  blockOwnerDeletion: leaf('bool', true),
});

export const objectMeta: Schema = obj(
  {
    name: leaf('string'),
    generateName: leaf('string'),
    namespace: leaf('string'),
    selfLink: leaf('string'),
    uid: leaf('string'),
    resourceVersion: leaf('string'),
    generation: leaf('int'),
    creationTimestamp: leaf('time'),
    deletionTimestamp: leaf('time'),
    deletionGracePeriodSeconds: leaf('int', true),
    labels: map(leaf('string')),
    annotations: map(leaf('string')),
    ownerReferences: list(ownerReference, { mergeKey: 'uid' }),
    finalizers: list(leaf('string'), {}),
    managedFields: leaf('any'),
  },
  true,
);

/** The top of every kind: apiVersion, kind, metadata, then the kind's own parts. */
export function topLevel(parts: Record<string, Schema>): Schema {
  return obj({ kind: leaf('string'), apiVersion: leaf('string'), metadata: objectMeta, ...parts });
}
