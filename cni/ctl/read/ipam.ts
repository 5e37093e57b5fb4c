/**
 * A network's IPAM store, read through the ipam/ library: per range set its size, use and
 * round-robin hint, and every reservation with the attachment, pod and netns it names.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { NetConf } from '../../core/config';
import { loadIpamConfig } from '../../../ipam/config';
import { formatCidr } from '../../../ipam/net/cidr';
import { formatIp, parseIp } from '../../../ipam/net/ip';
import { capacity, rangeOf } from '../../../ipam/ranges';
import { Store, attachmentKey } from '../../../ipam/store';
import type { ConfFile } from './conflists';

export interface RangeUse {
  set: number;
  /** The range set's subnets, and its ranges as first-last. */
  subnets: string[];
  ranges: string[];
  /** Decimal strings: an IPv6 range's size does not fit a JSON number. */
  size: string;
  used: number;
  free: string;
  lastReserved: string | null;
}

export interface Reservation {
  ip: string;
  set: number | null;
  containerId: string;
  ifname: string;
  /** "namespace/name" from CNI_ARGS at ADD, "" when the runtime gave none (or an older twill made it). */
  pod: string;
  netns: string;
  /** False when no attachment's entry is this file: an orphan only GC frees. */
  held: boolean;
  /** When the reservation was made (ms since the epoch): its file's mtime, as it is never rewritten. */
  reservedAt: number | null;
}

export interface NetworkIpam {
  network: string;
  dataDir: string;
  ranges: RangeUse[];
  reservations: Reservation[];
  error?: string;
}

/** The conflist's plugin as the IPAM library reads a network configuration. */
export function netConfOf(f: ConfFile, dataDir?: string): NetConf {
  const ipam = { ...f.twill!.ipam, ...(dataDir ? { dataDir } : {}) };
  return { cniVersion: f.cniVersion ?? '1.0.0', name: f.network!, ...f.twill!.raw, type: 'twill', ipam } as NetConf;
}

function heldIps(store: Store): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of store.attachments()) for (const h of store.holdings(a)) out.set(h.ip, attachmentKey(a));
  return out;
}

export function readIpam(f: ConfFile, dataDir?: string): NetworkIpam {
  const network = f.network!;
  let cfg;
  try {
    cfg = loadIpamConfig(netConfOf(f, dataDir), {});
  } catch (err) {
    return { network, dataDir: dataDir ?? '', ranges: [], reservations: [], error: (err as Error).message };
  }
  const store = new Store(cfg.dataDir, network);
  const ips = store.names((n) => parseIp(n) !== undefined);
  const held = heldIps(store);
  const reservations = ips.map((ip): Reservation => {
    const r = store.reservation(ip);
    const set = cfg.rangeSets.findIndex((s) => rangeOf(s, parseIp(ip)!));
    return { ip, set: set < 0 ? null : set, containerId: r?.containerId ?? '', ifname: r?.ifname ?? '', pod: r?.owner.pod ?? '', netns: r?.owner.netns ?? '', held: held.has(ip), reservedAt: mtimeOf(join(store.dir, ip)) };
  });
  const ranges = cfg.rangeSets.map((s, i): RangeUse => {
    const used = reservations.filter((r) => r.set === i).length;
    const size = capacity(s);
    return { set: i, subnets: s.map((r) => formatCidr(r.subnet)), ranges: s.map((r) => `${formatIp(r.start)}-${formatIp(r.end)}`), size: String(size), used, free: String(size - BigInt(used)), lastReserved: store.lastReserved(i) ?? null };
  });
  return { network, dataDir: cfg.dataDir, ranges, reservations: reservations.sort(byIp) };
}

function mtimeOf(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null; // released meanwhile
  }
}

function byIp(a: Reservation, b: Reservation): number {
  const x = parseIp(a.ip)!.value;
  const y = parseIp(b.ip)!.value;
  return x < y ? -1 : x > y ? 1 : 0;
}
