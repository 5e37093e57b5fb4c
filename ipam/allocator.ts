import { CniError, ErrorCode } from '../cni/core/errors';
import type { IpConfig } from '../cni/core/result';
import type { IpamConfig } from './config';
import { formatCidr } from './net/cidr';
import { formatIp, parseIp, type Ip } from './net/ip';
import { candidates, capacity, rangeOf, type RangeSet } from './ranges';
import { Store, attachmentKey, type Attachment, type Claim } from './store';

/** After this many cheap existence checks, read the directory once and test candidates in memory. */
const PROBES_BEFORE_LISTING = 64;
/** A bound on one search, so an enormous (IPv6) range fails instead of scanning for ever. */
const MAX_CANDIDATES = 1 << 20;

export interface Allocated {
  set: number;
  ip: Ip;
}

function describeSet(set: RangeSet): string {
  return set.map((r) => `${formatIp(r.start)}-${formatIp(r.end)} in ${formatCidr(r.subnet)}`).join(', ');
}

function isAddressName(name: string): boolean {
  return parseIp(name) !== undefined;
}

export interface AllocatorOptions {
  store: Store;
  cfg: IpamConfig;
  attachment: Attachment;
}

function reserveNext({ store, cfg, attachment }: AllocatorOptions, setIndex: number): Claim {
  const set = cfg.rangeSets[setIndex];
  const hint = parseIp(store.lastReserved(setIndex) ?? '');
  let taken: Set<string> | undefined;
  let probes = 0;
  for (const candidate of candidates(set, hint && rangeOf(set, hint) ? hint : undefined)) {
    if (++probes > MAX_CANDIDATES) break;
    if (!taken && probes > PROBES_BEFORE_LISTING) taken = new Set(store.names(isAddressName));
    const name = formatIp(candidate);
    if (taken ? taken.has(name) : store.isTaken(name)) continue;
    const claim = store.reserve(attachment, setIndex, name);
    if (!claim) continue;
    if (claim.own) store.setLastReserved(setIndex, name);
    return claim;
  }
  const why = probes > MAX_CANDIDATES
    ? `the first ${MAX_CANDIDATES} candidates after ${hint ? formatIp(hint) : 'the range start'} are all allocated`
    : `all ${capacity(set)} addresses are allocated`;
  throw new CniError(
    ErrorCode.rangeExhausted,
    `network "${cfg.network}": no free address in range set ${setIndex} (${describeSet(set)})`,
    `${why}; release some (DEL/GC) or widen ipam.ranges`,
  );
}

function reserveRequested({ store, attachment }: AllocatorOptions, setIndex: number, ip: Ip): Claim {
  const name = formatIp(ip);
  const claim = store.reserve(attachment, setIndex, name);
  if (claim) return claim;
  // Taken, perhaps by a concurrent ADD of this same attachment.
  if ((store.holding(attachment, setIndex) ?? store.adoptPending(attachment, setIndex)) === name) return { ip: name, own: false };
  const holder = store.holder(name);
  throw new CniError(
    ErrorCode.addressInUse,
    `requested address ${name} is already allocated${holder ? ` to container ${holder.containerId} (${holder.ifname})` : ''}`,
  );
}

/** Keeps what the attachment already holds if it still fits; an ADD retried after a crash gets the same addresses. */
function reusable(cfg: IpamConfig, setIndex: number, heldIp: string | undefined): boolean {
  const ip = heldIp === undefined ? undefined : parseIp(heldIp);
  if (!ip || !rangeOf(cfg.rangeSets[setIndex], ip)) return false;
  const want = cfg.requested.get(setIndex);
  return !want || want.value === ip.value;
}

interface Acquired {
  ip: Ip;
  /** This call made the reservation, so a rollback gives it back. */
  own: boolean;
}

/** The attachment's address in one range set: the one it holds (or a killed ADD left pending) if it fits, else a new one. */
function acquire(opts: AllocatorOptions, setIndex: number, held: string | undefined): Acquired {
  const { store, cfg, attachment } = opts;
  const current = held ?? store.adoptPending(attachment, setIndex);
  if (reusable(cfg, setIndex, current)) return { ip: parseIp(current!)!, own: false };
  if (current !== undefined) store.releaseSet(attachment, setIndex);
  const want = cfg.requested.get(setIndex);
  const claim = want ? reserveRequested(opts, setIndex, want) : reserveNext(opts, setIndex);
  if (claim.own || reusable(cfg, setIndex, claim.ip)) return { ip: parseIp(claim.ip)!, own: claim.own };
  throw new CniError(
    ErrorCode.tryAgainLater,
    `network "${cfg.network}": a concurrent ADD of ${attachment.containerId}/${attachment.ifname} holds ${claim.ip} in range set ${setIndex}, which this request cannot use`,
  );
}

/** One address per range set for the attachment; everything this call reserved is released if it fails. */
export function allocate(opts: AllocatorOptions): Allocated[] {
  const { store, cfg, attachment } = opts;
  store.ensure();
  const held = new Map(store.holdings(attachment).map((h) => [h.set, h.ip]));
  for (const set of held.keys()) if (set >= cfg.rangeSets.length) store.releaseSet(attachment, set);
  const own: number[] = [];
  try {
    const out = cfg.rangeSets.map((_, i): Allocated => {
      const got = acquire(opts, i, held.get(i));
      if (got.own) own.push(i);
      return { set: i, ip: got.ip };
    });
    store.commit(attachment);
    return out;
  } catch (err) {
    for (const i of own) store.releaseSet(attachment, i);
    store.removeIfEmpty(attachment);
    throw err;
  }
}

export function toIpConfigs(cfg: IpamConfig, allocated: Allocated[]): IpConfig[] {
  return allocated.map(({ set, ip }) => {
    const range = rangeOf(cfg.rangeSets[set], ip)!;
    const out: IpConfig = { address: `${formatIp(ip)}/${range.subnet.prefix}` };
    if (range.gateway) out.gateway = formatIp(range.gateway);
    return out;
  });
}

/** CHECK: every range set has an address the attachment really holds. */
export function verify({ store, cfg, attachment }: AllocatorOptions): void {
  const held = new Map(store.holdings(attachment).map((h) => [h.set, h.ip]));
  cfg.rangeSets.forEach((set, i) => {
    const ip = held.get(i);
    if (!ip) {
      throw new CniError(ErrorCode.drift, `network "${cfg.network}": ${attachment.containerId}/${attachment.ifname} holds no address in range set ${i} (${describeSet(set)})`);
    }
  });
}

export interface GcOutcome {
  released: Attachment[];
  orphans: string[];
  failures: string[];
}

/** Runs one GC step; a failure is recorded and GC goes on with the next. */
function attempter(outcome: GcOutcome): (what: string, step: () => void) => void {
  return (what, step) => {
    try {
      step();
    } catch (err) {
      outcome.failures.push(`${what}: ${(err as Error).message}`);
    }
  };
}

/**
 * Releases every attachment not in `valid` and what killed ADDs left beside the valid ones, then
 * every reservation no attachment's file is (whatever its link count); never stops at one failure.
 */
export function collectGarbage(store: Store, valid: Attachment[]): GcOutcome {
  const keep = new Set(valid.map(attachmentKey));
  const outcome: GcOutcome = { released: [], orphans: [], failures: [] };
  const attempt = attempter(outcome);
  for (const a of store.attachments()) {
    if (keep.has(attachmentKey(a))) {
      attempt(`${a.containerId}/${a.ifname}`, () => outcome.orphans.push(...store.clearPending(a)));
      continue;
    }
    attempt(`${a.containerId}/${a.ifname}`, () => {
      store.release(a);
      outcome.released.push(a);
    });
  }
  let unshared: string[] = [];
  // Names first, then (inside unshared) the attachments' files: an ADD in flight is in the second list.
  attempt('reservations', () => (unshared = store.unshared(store.names(isAddressName))));
  for (const ip of unshared) {
    attempt(ip, () => {
      store.removeReservation(ip);
      outcome.orphans.push(ip);
    });
  }
  store.removeDebris();
  return outcome;
}

/** STATUS: the store takes writes and no range set is full. */
export function checkAvailable(store: Store, cfg: IpamConfig): void {
  store.checkWritable();
  const reserved = store.names(isAddressName).map((n) => parseIp(n)!);
  cfg.rangeSets.forEach((set, i) => {
    const used = BigInt(reserved.filter((ip) => rangeOf(set, ip)).length);
    if (used >= capacity(set)) {
      throw new CniError(ErrorCode.notAvailable, `network "${cfg.network}": range set ${i} (${describeSet(set)}) is exhausted`, `${used} of ${capacity(set)} addresses allocated`);
    }
  });
}
