// Peers as the overlay wants them, from the informer's Nodes, and what changed between two
// views (so an event reconciles only the nodes it touched: a scoped sync).
import { Annotation, networkKeys, type NetworkKeys } from '../kube/annotations';
import { nodeSubnetsOf, type SlimNode } from '../kube/slim-node';
import type { Peer } from '../overlay';
import { subnetOf } from '../overlay/addr';
import type { KernelEntry } from './kernel-watch';

/** A node's underlay address: what it published, else its first InternalIP of the family our underlay uses. */
function underlayIpOf(node: SlimNode, family: 4 | 6): string | undefined {
  const published = node.annotations[Annotation.underlayIp];
  if (published) return published;
  return node.internalIPs.find((ip) => ip.includes(':') === (family === 6)) ?? node.internalIPs[0];
}

/** The pod network's keys: the default when no network is named. */
export const POD_NETWORK = networkKeys('twill', true);

/** A node as a peer of one network: that network's subnets and VTEP MAC (networks[1+]: only their own annotations). */
export function peerOf(node: SlimNode, family: 4 | 6, keys: NetworkKeys = POD_NETWORK): Peer {
  return {
    name: node.name,
    // the Node's own array, not a copy (5,000 of them): neither side mutates it
    podCIDRs: nodeSubnetsOf(node, keys),
    underlayIp: underlayIpOf(node, family),
    vtepMac: node.annotations[keys.vtepMac],
  };
}

// The informer replaces a node's SlimNode when it changes: the same object is the same peer, so
// an event rebuilds one Peer, not 5,000 (and diffPeers compares the rest by identity). One
// cache per network (its keys object).
const known = new WeakMap<NetworkKeys, WeakMap<SlimNode, { family: 4 | 6; peer: Peer }>>();

function knownPeer(node: SlimNode, family: 4 | 6, keys: NetworkKeys): Peer {
  let cache = known.get(keys);
  if (!cache) known.set(keys, (cache = new WeakMap()));
  const k = cache.get(node);
  if (k?.family === family) return k.peer;
  const peer = peerOf(node, family, keys);
  cache.set(node, { family, peer });
  return peer;
}

/** Every node but this one, as peers of the network (shared objects: not to be mutated). */
export function peersOf(nodes: ReadonlyMap<string, SlimNode>, self: string, family: 4 | 6, keys: NetworkKeys = POD_NETWORK): Map<string, Peer> {
  const peers = new Map<string, Peer>();
  for (const [name, node] of nodes) if (name !== self) peers.set(name, knownPeer(node, family, keys));
  return peers;
}

function samePeer(a: Peer, b: Peer): boolean {
  return a.underlayIp === b.underlayIp && a.vtepMac === b.vtepMac && a.podCIDRs.join() === b.podCIDRs.join();
}

export interface PeerChanges {
  /** Added or changed peers, by name. */
  names: string[];
  /** The old state of changed and removed peers (their entries are swept). */
  previous: Peer[];
  removed: string[];
}

export function diffPeers(before: ReadonlyMap<string, Peer>, after: ReadonlyMap<string, Peer>): PeerChanges {
  const names: string[] = [];
  const previous: Peer[] = [];
  const removed: string[] = [];
  for (const [name, peer] of after) {
    const old = before.get(name);
    if (old && (old === peer || samePeer(old, peer))) continue;
    names.push(name);
    if (old) previous.push(old);
  }
  for (const [name, old] of before) {
    if (after.has(name)) continue;
    removed.push(name);
    previous.push(old);
  }
  return { names, previous, removed };
}

/**
 * The kernel entries the peers call for, by kind: routes by canonical subnet, neighbours by
 * address, FDB entries by MAC. Three sets of strings the peers already hold (no "kind key"
 * strings made per entry: at 5,000 peers those were 15,000 new strings per rebuild).
 */
export interface WantedKeys {
  routes: Set<string>;
  neighbours: Set<string>;
  fdb: Set<string>;
}

/** Every entry the peers call for: a route to each subnet, its neighbour, the peer's FDB entry. */
export function wantedKeys(peers: Iterable<Peer>): WantedKeys {
  const keys: WantedKeys = { routes: new Set(), neighbours: new Set(), fdb: new Set() };
  for (const peer of peers) {
    if (peer.vtepMac) keys.fdb.add(peer.vtepMac.toLowerCase());
    for (const cidr of peer.podCIDRs) {
      const s = subnetOf(cidr);
      if (s) {
        keys.routes.add(s.cidr);
        keys.neighbours.add(s.network);
      }
    }
  }
  return keys;
}

export function isWanted(keys: WantedKeys, entry: KernelEntry): boolean {
  if (entry.kind === 'route') {
    const cidr = subnetOf(entry.key)?.cidr;
    return cidr !== undefined && keys.routes.has(cidr);
  }
  return entry.kind === 'fdb' ? keys.fdb.has(entry.key.toLowerCase()) : keys.neighbours.has(entry.key);
}

/** Whether some peer calls for this kernel entry: a route to one of its subnets, their neighbour, its FDB entry. */
export function peersWant(peers: Iterable<Peer>, entry: KernelEntry): boolean {
  return isWanted(wantedKeys(peers), entry);
}
