/**
 * Pods as twillctl shows them (pure): an attachment's reservations joined with its host veth
 * (named from container ID and interface, cni/plugin/names.ts), its namespace and its published
 * ports (DNAT map elements or rules tagged "<veth> <network>", nat.ts). A reservation is leaked when nothing of its pod
 * is left on the node: no host veth and no live namespace, or no attachment holding it; and it is
 * older than `minAgeMs`: an ADD in flight has reserved its address before it creates the veth and
 * links its entry, so a young reservation looks leaked for a moment.
 */
import { hostVethName, ownerTag } from '../plugin/names';
import { hostText, type PortMapping } from './nat';
import type { Reservation } from './read/ipam';

export interface PodRecord {
  network: string;
  containerId: string;
  ifname: string;
  pod: string;
  netns: string;
  ips: string[];
  hostVeth: string;
  vethPresent: boolean;
  netnsPresent: boolean;
  ports: string[];
  leaked: boolean;
  /** Would be leaked, but younger than the minimum age (an ADD in flight, most likely). */
  settling: boolean;
  /** When its first reservation was made (ISO), null when unknown. */
  reservedAt: string | null;
}

export interface PodFacts {
  network: string;
  reservations: Reservation[];
  links: ReadonlySet<string>;
  netnsAlive: (path: string) => boolean;
  /** Every published port of the node (either backend). */
  ports: PortMapping[];
  /** Now, and the age below which a reservation is not called leaked (ms). */
  now: number;
  minAgeMs: number;
}

/** The default of --min-age: far longer than an ADD takes, far shorter than a leak matters. */
export const MIN_LEAK_AGE_MS = 60_000;

function recordOf(f: PodFacts, group: Reservation[]): PodRecord {
  const r = group[0];
  const hostVeth = hostVethName(r.containerId, r.ifname);
  const vethPresent = f.links.has(hostVeth);
  const netnsPresent = r.netns !== '' && f.netnsAlive(r.netns);
  const tag = ownerTag(hostVeth, f.network);
  const orphaned = group.some((g) => !g.held) || (!vethPresent && !netnsPresent);
  const times = group.map((g) => g.reservedAt).filter((t): t is number => t !== null);
  // Unknown age (the file went meanwhile): not young.
  const young = times.length > 0 && f.now - Math.max(...times) < f.minAgeMs;
  return {
    network: f.network,
    containerId: r.containerId,
    ifname: r.ifname,
    pod: r.pod,
    netns: r.netns,
    ips: group.map((g) => g.ip),
    hostVeth,
    vethPresent,
    netnsPresent,
    ports: [...new Set(f.ports.filter((p) => p.tag === tag).map(hostText))].sort(), // one per family: shown once
    leaked: orphaned && !young,
    settling: orphaned && young,
    reservedAt: times.length ? new Date(Math.min(...times)).toISOString() : null,
  };
}

/** One record per attachment (container ID + interface), in reservation order. */
export function podRecords(f: PodFacts): PodRecord[] {
  const groups = new Map<string, Reservation[]>();
  for (const r of f.reservations) {
    const key = r.held ? `${r.containerId}:${r.ifname}` : `orphan:${r.ip}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => recordOf(f, g));
}

/** Does `query` name this pod: container ID (or a prefix of 6+), "ns/name", the name alone, or an address. */
export function podMatches(p: PodRecord, query: string): boolean {
  if (p.containerId === query || (query.length >= 6 && p.containerId.startsWith(query))) return true;
  if (p.pod && (p.pod === query || p.pod.split('/')[1] === query)) return true;
  return p.ips.includes(query);
}

export function shortId(id: string): string {
  return id.length > 12 ? id.slice(0, 12) : id;
}
