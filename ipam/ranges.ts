import { CniError, ErrorCode } from '../cni/core/errors';
import { canonicalNetwork, cidrContains, formatCidr, lastAddress, networkAddress, offsetIp, parseCidr, type Cidr } from './net/cidr';
import { formatIp, parseIp, type Family, type Ip } from './net/ip';

/** One allocatable range, validated: every address between start and end is a candidate except the gateway. */
export interface Range {
  subnet: Cidr;
  start: Ip;
  end: Ip;
  gateway?: Ip;
}

/** A pod gets one address from each range set (one IPv4 set + one IPv6 set = dual stack). */
export type RangeSet = Range[];

export interface RangeSpec {
  subnet?: unknown;
  rangeStart?: unknown;
  rangeEnd?: unknown;
  gateway?: unknown;
}

function bad(field: string, msg: string): CniError {
  return new CniError(ErrorCode.invalidConfig, `${field}: ${msg}`);
}

function parseAddress(field: string, value: unknown, family: Family): Ip {
  const ip = typeof value === 'string' ? parseIp(value) : undefined;
  if (!ip) throw bad(field, `${JSON.stringify(value)} is not an IP address`);
  if (ip.family !== family) throw bad(field, `${value} is not an IPv${family} address like its subnet`);
  return ip;
}

/** Smallest usable subnets: IPv4 /30 (two hosts), IPv6 /126. */
const MAX_PREFIX: Record<Family, number> = { 4: 30, 6: 126 };

function parseSubnet(field: string, value: unknown): Cidr {
  const cidr = typeof value === 'string' ? parseCidr(value) : undefined;
  if (!cidr) throw bad(field, `${JSON.stringify(value)} is not a CIDR subnet such as 10.22.0.0/24`);
  const net = canonicalNetwork(cidr);
  if (net.ip.value !== cidr.ip.value) throw bad(field, `${value} has host bits set (did you mean ${formatCidr(net)}?)`);
  if (cidr.prefix > MAX_PREFIX[cidr.ip.family]) {
    throw bad(field, `${value} is too small: a /${cidr.prefix} leaves no room for pods (use /${MAX_PREFIX[cidr.ip.family]} or larger)`);
  }
  return net;
}

/** First and last addresses a pod may get: not the network address, and not the IPv4 broadcast. */
function usableBounds(subnet: Cidr): [Ip, Ip] {
  const first = offsetIp(networkAddress(subnet), 1n);
  const last = lastAddress(subnet);
  return [first, subnet.ip.family === 4 ? offsetIp(last, -1n) : last];
}

function checkInside(field: string, ip: Ip, subnet: Cidr, [lo, hi]: [Ip, Ip]): void {
  if (!cidrContains(subnet, ip)) throw bad(field, `${formatIp(ip)} is outside subnet ${formatCidr(subnet)}`);
  if (ip.value < lo.value || ip.value > hi.value) {
    throw bad(field, `${formatIp(ip)} is the network or broadcast address of ${formatCidr(subnet)}`);
  }
}

export function parseRange(spec: RangeSpec, field: string): Range {
  const subnet = parseSubnet(`${field}.subnet`, spec.subnet);
  const family = subnet.ip.family;
  const bounds = usableBounds(subnet);
  const start = spec.rangeStart === undefined ? bounds[0] : parseAddress(`${field}.rangeStart`, spec.rangeStart, family);
  const end = spec.rangeEnd === undefined ? bounds[1] : parseAddress(`${field}.rangeEnd`, spec.rangeEnd, family);
  checkInside(`${field}.rangeStart`, start, subnet, bounds);
  checkInside(`${field}.rangeEnd`, end, subnet, bounds);
  if (start.value > end.value) throw bad(`${field}.rangeStart`, `${formatIp(start)} is after rangeEnd ${formatIp(end)}`);
  const gateway = spec.gateway === undefined ? bounds[0] : parseAddress(`${field}.gateway`, spec.gateway, family);
  checkInside(`${field}.gateway`, gateway, subnet, bounds);
  return { subnet, start, end, gateway };
}

function overlaps(a: Range, b: Range): boolean {
  return a.start.family === b.start.family && a.start.value <= b.end.value && b.start.value <= a.end.value;
}

function describe(r: Range): string {
  return `${formatIp(r.start)}-${formatIp(r.end)}`;
}

/** Parses every set and rejects mixed families within a set and overlaps anywhere. */
export function parseRangeSets(specs: RangeSpec[][], field: string): RangeSet[] {
  const sets = specs.map((set, i) => {
    if (set.length === 0) throw bad(`${field}[${i}]`, 'a range set needs at least one range');
    const ranges = set.map((spec, j) => parseRange(spec, `${field}[${i}][${j}]`));
    const family = ranges[0].subnet.ip.family;
    const mixed = ranges.findIndex((r) => r.subnet.ip.family !== family);
    if (mixed >= 0) throw bad(`${field}[${i}][${mixed}]`, `mixes IPv4 and IPv6 in one range set`);
    return ranges;
  });
  const all = sets.flatMap((set, i) => set.map((r, j) => ({ r, where: `${field}[${i}][${j}]` })));
  for (let a = 0; a < all.length; a++) {
    for (let b = a + 1; b < all.length; b++) {
      if (overlaps(all[a].r, all[b].r)) {
        throw bad(all[b].where, `range ${describe(all[b].r)} overlaps ${all[a].where} (${describe(all[a].r)})`);
      }
    }
  }
  return sets;
}

export function rangeOf(set: RangeSet, ip: Ip): Range | undefined {
  return set.find((r) => ip.family === r.start.family && ip.value >= r.start.value && ip.value <= r.end.value);
}

export function setFamily(set: RangeSet): Family {
  return set[0].subnet.ip.family;
}

/** Every gateway of the set: a gateway is never handed out, even when it lies in a neighbouring range. */
function gatewayValues(set: RangeSet): Set<bigint> {
  return new Set(set.flatMap((r) => (r.gateway ? [r.gateway.value] : [])));
}

/** How many addresses the set can hand out (gateways inside any of its ranges excluded). */
export function capacity(set: RangeSet): bigint {
  const size = set.reduce((n, r) => n + (r.end.value - r.start.value + 1n), 0n);
  const family = set[0].start.family;
  const inside = [...gatewayValues(set)].filter((v) => rangeOf(set, { family, value: v })).length;
  return size - BigInt(inside);
}

/**
 * Candidates in round-robin order: the address after `after` (the last one handed out), around the
 * whole set once, gateways skipped. host-local's order, so a freed address is not reused at once.
 */
export function* candidates(set: RangeSet, after?: Ip): Generator<Ip> {
  let ri = after ? set.findIndex((r) => rangeOf([r], after)) : -1;
  let next: bigint;
  if (ri < 0) [ri, next] = [0, set[0].start.value];
  else next = after!.value + 1n;
  const total = set.reduce((n, r) => n + (r.end.value - r.start.value + 1n), 0n);
  const gateways = gatewayValues(set);
  for (let seen = 0n; seen < total; seen++) {
    if (next > set[ri].end.value) {
      ri = (ri + 1) % set.length;
      next = set[ri].start.value;
    }
    const ip: Ip = { family: set[ri].start.family, value: next };
    next++;
    if (!gateways.has(ip.value)) yield ip;
  }
}
