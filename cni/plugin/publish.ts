import { CniError, ErrorCode } from '../core/errors';
import { mappingAppliesTo, type PortMapping } from './config';
import type { PodAddresses, PublishedPort } from './firewall-types';

/**
 * Which publications of a host port may live side by side. One on every address (no hostIP)
 * and one on a single address both match a packet to that address, and the single-address one
 * would silently win, so they overlap; so do two on the same address. Two different single
 * addresses, two protocols or two families do not. A pod never conflicts with itself.
 */
export function overlaps(a: PublishedPort, b: PublishedPort): boolean {
  if (a.family !== b.family || a.protocol !== b.protocol || a.hostPort !== b.hostPort) return false;
  return a.hostIP === undefined || b.hostIP === undefined || a.hostIP === b.hostIP;
}

/** What a pod's mappings publish: one entry per family it has an address in (narrowed by hostIP). */
export function publicationsOf(mappings: PortMapping[], pod: PodAddresses, tag: string): Array<PublishedPort & { index: number }> {
  return mappings.flatMap((m, index) =>
    ([4, 6] as const)
      .filter((family) => (family === 4 ? pod.ipv4 : pod.ipv6) && mappingAppliesTo(m, family))
      .map((family) => ({ index, family, protocol: m.protocol, hostPort: m.hostPort, tag, ...(m.hostIP ? { hostIP: m.hostIP } : {}) })),
  );
}

export interface Conflict {
  mine: PublishedPort & { index: number };
  theirs: PublishedPort;
}

/** The first of `mine` that overlaps a publication of another owner, with that publication. */
export function firstConflict(mine: Array<PublishedPort & { index: number }>, existing: PublishedPort[]): Conflict | undefined {
  for (const m of mine) {
    const theirs = existing.find((e) => e.tag !== m.tag && overlaps(m, e));
    if (theirs) return { mine: m, theirs };
  }
  return undefined;
}

function where(p: PublishedPort): string {
  const address = p.hostIP === undefined ? '*' : p.family === 6 ? `[${p.hostIP}]` : p.hostIP;
  return `${address}:${p.hostPort}/${p.protocol}`;
}

export function portInUse(c: Conflict): CniError {
  return new CniError(
    ErrorCode.portInUse,
    `runtimeConfig.portMappings[${c.mine.index}]: host port ${where(c.mine)} is already published by another pod (${where(c.theirs)})`,
    `published by ${c.theirs.tag}; "*" is every address of the node, which overlaps any single one`,
  );
}

/** What publishing needs from a firewall backend (nftables or iptables). */
export interface PublishBackend {
  /** Adds the pod's publications unless one of them (iptables: or an overlapping one) is there already; then adds nothing and says false. */
  tryPublish(): boolean;
  published(): PublishedPort[];
  /** Removes every publication carrying the pod's tag. */
  removeOwn(): void;
}

/**
 * Publishes a pod's ports, or fails with 104 having added nothing. Adding first and checking
 * after (rather than the other way round) makes two concurrent ADDs of overlapping ports safe
 * without a lock: whichever checks second sees the other and backs out, so both may fail but
 * never both stay. Entries carrying the pod's own tag are leftovers of an earlier ADD of this
 * attachment whose DEL never came (its namespace vanished): they are replaced, never a conflict.
 */
export function publishChecked(backend: PublishBackend, mine: Array<PublishedPort & { index: number }>): void {
  if (!backend.tryPublish()) replaceLeftovers(backend, mine);
  const conflict = firstConflict(mine, backend.published());
  if (!conflict) return;
  backend.removeOwn();
  throw portInUse(conflict);
}

/** A key was taken: by another pod (104), or by this attachment's own leftovers, replaced. */
function replaceLeftovers(backend: PublishBackend, mine: Array<PublishedPort & { index: number }>): void {
  const taken = firstConflict(mine, backend.published());
  if (taken) throw portInUse(taken);
  backend.removeOwn();
  if (backend.tryPublish()) return;
  const raced = firstConflict(mine, backend.published());
  throw raced ? portInUse(raced) : new CniError(ErrorCode.portInUse, 'runtimeConfig.portMappings: a host port is being published by another pod at the same time', 'try again');
}
