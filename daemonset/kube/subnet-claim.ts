// Claiming this node's subnet from a pool (self-allocation, for clusters that do not fill
// spec.podCIDRs). In order:
// 1. Keep: a claim of this node (by label, then checked: owner name AND uid, holder, pool)
//    survives agent restarts, so the node keeps its subnet.
// 2. Probe: list the pool's claims once, walk the pool from hash(node name), and create the
//    first free candidate's Lease; 409 means another agent won it: take the next one. A 409
//    whose Lease turns out to be ours (a create that timed out yet happened) is kept.
// 3. Reclaim, safely: a candidate held by a claim whose owner Node is gone (garbage collector
//    not running, or slow) is freed only when (a) a fresh GET of the owner's name says 404
//    or shows another uid - uids are never reused, and the owner existed before its claim
//    did, so that Node is gone for good - and (b) the delete carries the Lease's uid and
//    resourceVersion as preconditions, so a claim re-made meanwhile is never deleted.
//    Claims without a Node owner (made by hand) are never reclaimed.
// Failures other than 409 (transport, 5xx, 403) propagate: the caller retries, and the retry
// finds whatever this attempt created in step 1.
import { formatCidr, type Cidr } from '../../ipam/net/cidr';
import type { KubeClient, Lease } from './client';
import { isApiError, SubnetPoolExhaustedError } from './errors';
import { silentLogger, type Logger } from './log';
import { candidateIndexes, indexOfSubnet, startIndexFor, subnetAt, type SubnetPool } from './subnet-pool';
import { ClaimAnnotation, ClaimLabel, claimedSubnet, claimOwner, isClaimOf, MANAGED_BY, nodeLabelValue, subnetClaimLease, subnetLeaseName, type NodeRef } from './subnet-lease';

export interface SubnetClaimOptions {
  client: KubeClient;
  /** Where claims live (the agent's namespace, e.g. twill-system). */
  namespace: string;
  node: NodeRef;
  pool: SubnetPool;
  /** Nodes known alive (the informer's map): spares a GET per live claim passed over. */
  liveNodes?: ReadonlyMap<string, { uid: string }>;
  logger?: Logger;
}

export type ClaimOutcome = 'kept' | 'claimed' | 'reclaimed';

export interface SubnetClaim {
  subnet: string;
  lease: string;
  outcome: ClaimOutcome;
}

const inPool = (pool: SubnetPool, lease: Lease): Cidr | undefined => {
  const subnet = claimedSubnet(lease);
  return subnet && lease.metadata.annotations?.[ClaimAnnotation.clusterCidr] === pool.text && indexOfSubnet(pool, subnet) !== undefined ? subnet : undefined;
};

const result = (subnet: Cidr, lease: string, outcome: ClaimOutcome): SubnetClaim => ({ subnet: formatCidr(subnet), lease, outcome });

/** This node's subnet from `pool`: its existing claim, else a new one. */
export async function claimNodeSubnet(opts: SubnetClaimOptions): Promise<SubnetClaim> {
  const log = opts.logger ?? silentLogger;
  const kept = await findOwnClaim(opts);
  if (kept) {
    log.info('subnet claim kept', { node: opts.node.name, subnet: kept.subnet, lease: kept.lease });
    return kept;
  }
  const claim = await probePool(opts);
  log.info('subnet claimed', { node: opts.node.name, subnet: claim.subnet, lease: claim.lease, outcome: claim.outcome, pool: opts.pool.text });
  return claim;
}

async function findOwnClaim(opts: SubnetClaimOptions): Promise<SubnetClaim | undefined> {
  const selector = `${ClaimLabel.managedBy}=${MANAGED_BY},${ClaimLabel.node}=${nodeLabelValue(opts.node.name)}`;
  const mine = (await opts.client.listLeases(opts.namespace, { labelSelector: selector })).filter((l) => isClaimOf(l, opts.node) && !l.metadata.deletionTimestamp);
  for (const lease of mine) {
    const subnet = inPool(opts.pool, lease);
    if (subnet) return result(subnet, lease.metadata.name, 'kept');
  }
  return undefined;
}

async function listPoolClaims(opts: SubnetClaimOptions): Promise<Map<string, Lease>> {
  const all = await opts.client.listLeases(opts.namespace, { labelSelector: `${ClaimLabel.managedBy}=${MANAGED_BY}` });
  return new Map(all.filter((l) => inPool(opts.pool, l)).map((l) => [l.metadata.name, l]));
}

async function probePool(opts: SubnetClaimOptions): Promise<SubnetClaim> {
  const taken = await listPoolClaims(opts);
  for (const index of candidateIndexes(opts.pool, startIndexFor(opts.pool, opts.node.name))) {
    const subnet = subnetAt(opts.pool, index);
    const name = subnetLeaseName(subnet);
    const holder = taken.get(name);
    if (holder && isClaimOf(holder, opts.node)) return result(subnet, name, 'kept');
    const reclaimed = holder ? await reclaimIfStale(opts, holder) : false;
    if (holder && !reclaimed) continue;
    const outcome = await tryCreate(opts, subnet);
    if (outcome) return result(subnet, name, outcome === 'claimed' && reclaimed ? 'reclaimed' : outcome);
  }
  throw new SubnetPoolExhaustedError({ clusterCidr: opts.pool.text, nodePrefixLength: opts.pool.nodePrefixLength, poolSize: opts.pool.size });
}

/** 'claimed' when created, 'kept' when the 409 was our own claim, undefined when another node won. */
async function tryCreate(opts: SubnetClaimOptions, subnet: Cidr): Promise<'claimed' | 'kept' | undefined> {
  const lease = subnetClaimLease({ subnet, pool: opts.pool, node: opts.node });
  try {
    await opts.client.createLease(opts.namespace, lease);
    return 'claimed';
  } catch (err) {
    if (!isApiError(err, 409)) throw err;
  }
  const existing = await opts.client.getLease(opts.namespace, lease.metadata.name);
  return existing && isClaimOf(existing, opts.node) ? 'kept' : undefined;
}

/** Deletes `lease` when its owner Node is provably gone (see the top of this file); true if freed. */
async function reclaimIfStale(opts: SubnetClaimOptions, lease: Lease): Promise<boolean> {
  const owner = claimOwner(lease);
  if (!owner || lease.metadata.deletionTimestamp) return false;
  if (opts.liveNodes?.get(owner.name)?.uid === owner.uid) return false;
  const current = await opts.client.getNode(owner.name);
  if (current?.uid === owner.uid) return false;
  const { uid, resourceVersion } = lease.metadata;
  try {
    await opts.client.deleteLease(opts.namespace, lease.metadata.name, { uid, resourceVersion });
  } catch (err) {
    if (isApiError(err, 409)) return false;
    throw err;
  }
  (opts.logger ?? silentLogger).info('stale subnet claim released', { lease: lease.metadata.name, formerOwner: owner.name, formerUid: owner.uid });
  return true;
}
