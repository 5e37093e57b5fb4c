import { CniError, ErrorCode } from '../cni/core/errors';
import type { IpConfig } from '../cni/core/result';
import type { IpamConfig } from './config';
import { formatCidr } from './net/cidr';
import { formatIp, parseIp, type Ip } from './net/ip';
import { candidates, capacity, rangeOf, type RangeSet } from './ranges';
import { Store, type Attachment } from './store';

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

function reserveNext({ store, cfg, attachment }: AllocatorOptions, setIndex: number): Ip {
  const set = cfg.rangeSets[setIndex];
  const hint = parseIp(store.lastReserved(setIndex) ?? '');
  let taken: Set<string> | undefined;
  let probes = 0;
  for (const candidate of candidates(set, hint && rangeOf(set, hint) ? hint : undefined)) {
    if (++probes > MAX_CANDIDATES) break;
    if (!taken && probes > PROBES_BEFORE_LISTING) taken = new Set(store.names(isAddressName));
    const name = formatIp(candidate);
    if (taken ? taken.has(name) : store.isTaken(name)) continue;
    if (store.reserve(attachment, setIndex, name)) {
      store.setLastReserved(setIndex, name);
      return candidate;
    }
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

function reserveRequested({ store, attachment }: AllocatorOptions, setIndex: number, ip: Ip): Ip {
  const name = formatIp(ip);
  if (store.reserve(attachment, setIndex, name)) return ip;
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

/** One address per range set for the attachment; everything this call reserved is released if it fails. */
export function allocate(opts: AllocatorOptions): Allocated[] {
  const { store, cfg, attachment } = opts;
  store.ensure();
  const held = new Map(store.holdings(attachment).map((h) => [h.set, h.ip]));
  for (const set of held.keys()) if (set >= cfg.rangeSets.length) store.releaseSet(attachment, set);
  const fresh: number[] = [];
  try {
    const out = cfg.rangeSets.map((_, i): Allocated => {
      if (reusable(cfg, i, held.get(i))) return { set: i, ip: parseIp(held.get(i)!)! };
      if (held.has(i)) store.releaseSet(attachment, i);
      fresh.push(i);
      const want = cfg.requested.get(i);
      return { set: i, ip: want ? reserveRequested(opts, i, want) : reserveNext(opts, i) };
    });
    store.commit(attachment);
    return out;
  } catch (err) {
    if (held.size === 0) store.release(attachment);
    else for (const i of fresh) store.releaseSet(attachment, i);
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

/** Releases every attachment not in `valid`, then reservations whose entry vanished; never stops at one failure. */
export function collectGarbage(store: Store, valid: Attachment[]): GcOutcome {
  const keep = new Set(valid.map((a) => `${a.containerId}:${a.ifname}`));
  const outcome: GcOutcome = { released: [], orphans: [], failures: [] };
  for (const a of store.attachments()) {
    if (keep.has(`${a.containerId}:${a.ifname}`)) continue;
    try {
      store.release(a);
      outcome.released.push(a);
    } catch (err) {
      outcome.failures.push(`${a.containerId}/${a.ifname}: ${(err as Error).message}`);
    }
  }
  for (const ip of store.names(isAddressName)) {
    if (!store.isOrphan(ip)) continue;
    try {
      store.removeReservation(ip);
      outcome.orphans.push(ip);
    } catch (err) {
      outcome.failures.push(`${ip}: ${(err as Error).message}`);
    }
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
