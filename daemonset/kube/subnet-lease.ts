// A node's subnet claim is a coordination.k8s.io/v1 Lease whose NAME is derived from the
// subnet: creation is atomic, so a second claim of the same subnet fails with 409. It is
// owned by the Node (ownerReference with the Node's uid): when the Node goes, the cluster's
// garbage collector deletes the Lease and the subnet is free again. It is a record, not a
// heartbeat: nothing renews it, so it carries no leaseDurationSeconds.
import { formatCidr, parseCidr, type Cidr } from '../../ipam/net/cidr';
import { createHash } from 'node:crypto';
import type { Lease, OwnerReference } from './client';
import type { SubnetPool } from './subnet-pool';

export const LEASE_NAME_PREFIX = 'twill-subnet-';

export const ClaimLabel = {
  managedBy: 'app.kubernetes.io/managed-by',
  /** The claiming node's name (or `h-<hash>` when the name is longer than a label value may be). */
  node: 'twill.dev/node',
} as const;

export const MANAGED_BY = 'twilld';

export const ClaimAnnotation = {
  subnet: 'twill.dev/subnet',
  clusterCidr: 'twill.dev/cluster-cidr',
} as const;

export interface NodeRef {
  name: string;
  uid: string;
}

/**
 * "twill-subnet-10-244-3-0-24", "twill-subnet-fd00-10-244-3---64": the canonical CIDR text
 * with ".", ":" and "/" as "-". One-to-one: the last field is always the prefix length and
 * the address text before it is canonical (RFC 5952 for IPv6).
 */
export function subnetLeaseName(subnet: Cidr): string {
  return LEASE_NAME_PREFIX + formatCidr(subnet).replace(/[.:/]/g, '-');
}

/** A label value is at most 63 characters; node names may have up to 253. */
export function nodeLabelValue(nodeName: string): string {
  return nodeName.length <= 63 ? nodeName : `h-${createHash('sha256').update(nodeName).digest('hex').slice(0, 40)}`;
}

export function ownerReferenceFor(node: NodeRef): OwnerReference {
  return { apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid };
}

export function subnetClaimLease(opts: { subnet: Cidr; pool: SubnetPool; node: NodeRef }): Lease {
  return {
    metadata: {
      name: subnetLeaseName(opts.subnet),
      labels: { [ClaimLabel.managedBy]: MANAGED_BY, [ClaimLabel.node]: nodeLabelValue(opts.node.name) },
      annotations: { [ClaimAnnotation.subnet]: formatCidr(opts.subnet), [ClaimAnnotation.clusterCidr]: opts.pool.text },
      ownerReferences: [ownerReferenceFor(opts.node)],
    },
    spec: { holderIdentity: opts.node.name },
  };
}

/** The subnet a claim holds, when the lease is a well-formed claim (name and annotation agree). */
export function claimedSubnet(lease: Lease): Cidr | undefined {
  const text = lease.metadata.annotations?.[ClaimAnnotation.subnet];
  const subnet = text ? parseCidr(text) : undefined;
  return subnet && subnetLeaseName(subnet) === lease.metadata.name ? subnet : undefined;
}

/** The Node a claim belongs to (its ownerReference), if any. */
export function claimOwner(lease: Lease): NodeRef | undefined {
  const ref = lease.metadata.ownerReferences?.find((r) => r.apiVersion === 'v1' && r.kind === 'Node');
  return ref ? { name: ref.name, uid: ref.uid } : undefined;
}

export function isClaimOf(lease: Lease, node: NodeRef): boolean {
  const owner = claimOwner(lease);
  return owner?.name === node.name && owner.uid === node.uid && lease.spec?.holderIdentity === node.name;
}
