import { subnetOf } from './addr';
import { addEntries, byName, claimPeer, claimsOf, ownSubnets, type Claims, type PeerParts, type PeerPlanInput } from './plan';
import type { Peer, PeerPlan, SkippedPeer } from './types';

/**
 * The last full plan kept per peer, so an event patches it instead of planning every peer again
 * (5,000 parses and a sort per event). planPeers gives the first peer in name order a contested
 * subnet or MAC; a patch cannot know who would win such a contest, so it declines (the caller
 * plans everything) whenever the kept plan holds a duplicate or a changed peer would collide.
 * Without contests every peer's entries depend only on itself, and the patch equals a full plan.
 *
 * Per peer only its parts are kept (its parsed subnets, shared with addr.ts's cache, its address
 * and MAC), in an exact-size array; its routes, neighbours and FDB entry are made again when a
 * plan is handed out. Kept as entries (objects in pushed-to arrays, which hold room for 17) they
 * were ~0.5 KB a peer, 2.5 MB at 5,000.
 */
interface Kept {
  key: string;
  /** What the kept parts are rendered with (the same for every input of this key). */
  render: Render;
  peers: Map<string, PeerParts>;
  skipped: Map<string, SkippedPeer>;
  /** Claimed key → the peer holding it ('' for this node's own subnets). */
  dsts: Map<string, string>;
  macs: Map<string, string>;
  duplicates: number;
}

type Render = Pick<PeerPlanInput, 'config' | 'underlay'>;

const isDuplicate = (s: SkippedPeer) => s.reason === 'duplicate-subnet' || s.reason === 'duplicate-mac';
const dstsOf = (parts: PeerParts): string[] => parts.subnets.flatMap(claimsOf);

/** What the plan depends on besides the peers (onLink aside: a patch route-gets its own peers). */
function keyOf(input: PeerPlanInput): string {
  const { nodeName, device, directRouting, podCIDRs } = input.config;
  return JSON.stringify([nodeName, device, directRouting, podCIDRs, input.underlay]);
}

/** The peer's parts against claims seen through `taken` (recorded by the caller), or why it is skipped. */
function planOne(input: PeerPlanInput, peer: Peer, taken: { dst: (k: string) => boolean; mac: (k: string) => boolean }): PeerParts | SkippedPeer {
  const ignore = () => undefined;
  const claims: Claims = { dsts: { has: taken.dst, add: ignore }, macs: { has: taken.mac, add: ignore } };
  const r = claimPeer(input, claims, peer);
  return 'reason' in r ? r : { ...r, subnets: r.subnets.slice() };
}

function flatten(render: Render, parts: Iterable<PeerParts>, programmed: number, skipped: SkippedPeer[]): PeerPlan {
  const plan: PeerPlan = { routes: [], neighbours: [], fdb: [], programmed, skipped };
  for (const p of parts) addEntries(plan, render, p);
  return plan;
}

function claim(k: Kept, name: string, parts: PeerParts): void {
  k.peers.set(name, parts);
  for (const d of dstsOf(parts)) k.dsts.set(d, name);
  if (parts.mac) k.macs.set(parts.mac, name);
}

function forget(k: Kept, name: string): void {
  const parts = k.peers.get(name);
  k.peers.delete(name);
  if (parts) for (const d of dstsOf(parts)) k.dsts.delete(d);
  if (parts?.mac) k.macs.delete(parts.mac);
  const s = k.skipped.get(name);
  if (s && isDuplicate(s)) k.duplicates -= 1;
  k.skipped.delete(name);
}

function record(k: Kept, name: string, r: PeerParts | SkippedPeer): void {
  if (!('reason' in r)) return claim(k, name, r);
  k.skipped.set(name, r);
  if (isDuplicate(r)) k.duplicates += 1;
}

/** The subnets' claims and the MACs a scope's peers (now and before) touch. */
function scopeKeys(peers: Peer[]): { dsts: string[]; macs: string[] } {
  const dsts = peers.flatMap((p) => p.podCIDRs.map(subnetOf).filter((s) => s !== undefined).flatMap(claimsOf));
  const macs = peers.map((p) => p.vtepMac?.toLowerCase()).filter((m) => m !== undefined);
  return { dsts, macs };
}

export class KeptPlan {
  private kept: Kept | undefined;

  /** The whole kept plan (undefined before a full plan). */
  current(): PeerPlan | undefined {
    const k = this.kept;
    return k && flatten(k.render, k.peers.values(), k.peers.size, [...k.skipped.values()]);
  }

  /** Forgets the kept plan (the next pass plans everything). */
  drop(): void {
    this.kept = undefined;
  }

  /** Plans every peer (as planPeers, same result) and keeps the plan per peer. */
  full(input: PeerPlanInput): PeerPlan {
    const render = { config: input.config, underlay: input.underlay };
    const k: Kept = { key: keyOf(input), render, peers: new Map(), skipped: new Map(), dsts: new Map(), macs: new Map(), duplicates: 0 };
    for (const c of ownSubnets(input.config.podCIDRs).flatMap(claimsOf)) k.dsts.set(c, '');
    const peers = input.peers.filter((p) => p.name !== input.config.nodeName).sort(byName);
    for (const peer of peers) record(k, peer.name, planOne(input, peer, { dst: (d) => k.dsts.has(d), mac: (m) => k.macs.has(m) }));
    this.kept = k;
    return flatten(input, k.peers.values(), k.peers.size, [...k.skipped.values()]);
  }

  /** As full, awaiting `pause` every `slice` peers: planning 5,000 takes ~0.2 s the event loop is not held for. */
  async fullInSlices(input: PeerPlanInput, pause: () => Promise<void>, slice = 250): Promise<PeerPlan> {
    const peers = input.peers.filter((p) => p.name !== input.config.nodeName).sort(byName);
    const kept = new KeptPlan();
    kept.full({ ...input, peers: peers.slice(0, slice) });
    const k = kept.kept!;
    for (let i = slice; i < peers.length; i += slice) {
      await pause();
      for (const peer of peers.slice(i, i + slice)) record(k, peer.name, planOne(input, peer, { dst: (d) => k.dsts.has(d), mac: (m) => k.macs.has(m) }));
    }
    this.kept = k;
    return flatten(input, k.peers.values(), k.peers.size, [...k.skipped.values()]);
  }

  /**
   * The kept plan with `names` (added or changed, their state in input.peers) and the peers of
   * `previous` (changed or removed) replaced; only the entries under the keys those peers touch
   * are returned (a scoped pass reads and fixes no others). Undefined when it cannot patch.
   */
  patch(input: PeerPlanInput, names: string[], previous: Peer[]): PeerPlan | undefined {
    return this.patchFrom(input, names, previous)?.after;
  }

  /**
   * As patch, with the kept entries under the same keys before it (`before`): what the kernel
   * holds there when it holds the kept plan, so their difference is what an event must write.
   */
  patchFrom(input: PeerPlanInput, names: string[], previous: Peer[]): { before: PeerPlan; after: PeerPlan } | undefined {
    const k = this.kept;
    if (!k || k.duplicates || k.key !== keyOf(input)) return undefined;
    const wanted = new Set(names);
    const out = new Set([...names, ...previous.map((p) => p.name)]);
    const peers = input.peers.filter((p) => wanted.has(p.name) && p.name !== input.config.nodeName).sort(byName);
    const held = (m: Map<string, string>, fresh: Set<string>) => (x: string) => fresh.has(x) || (m.has(x) && !out.has(m.get(x)!));
    const fresh = { dsts: new Set<string>(), macs: new Set<string>() };
    const planned = peers.map((p) => {
      const r = planOne(input, p, { dst: held(k.dsts, fresh.dsts), mac: held(k.macs, fresh.macs) });
      if ('reason' in r) return r;
      for (const d of dstsOf(r)) fresh.dsts.add(d);
      if (r.mac) fresh.macs.add(r.mac);
      return r;
    });
    if (planned.some((r) => 'reason' in r && isDuplicate(r))) return undefined;
    const touched = [...peers, ...previous];
    const before = this.scoped(input, k, touched);
    for (const name of out) forget(k, name);
    peers.forEach((p, i) => record(k, p.name, planned[i]));
    return { before, after: this.scoped(input, k, touched) };
  }

  /** The kept entries of whoever now holds a key the scope's peers touch. */
  private scoped(render: Render, k: Kept, touched: Peer[]): PeerPlan {
    const keys = scopeKeys(touched);
    const holders = new Set([...keys.dsts.map((d) => k.dsts.get(d)), ...keys.macs.map((m) => k.macs.get(m))]);
    const parts = [...holders].map((n) => (n ? k.peers.get(n) : undefined)).filter((e) => e !== undefined);
    return flatten(render, parts, k.peers.size, [...k.skipped.values()]);
  }
}
