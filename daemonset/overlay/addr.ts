import { canonicalNetwork, formatCidr, networkAddress, parseCidr } from '../../ipam/net/cidr';
import { formatIp, parseIp, type Family } from '../../ipam/net/ip';

/**
 * Canonical text forms of addresses and subnets, memoised. Every reconcile canonicalises the
 * same tens of thousands of strings (5,000 peers' subnets and addresses, and as many routes,
 * neighbours and FDB entries read back from the kernel); the BigInt parse/format behind them
 * cost ~150 ms per sync at 5,000 peers, a map lookup costs next to nothing. The cache holds
 * what the cluster holds, and is dropped whole if it ever outgrows that by far.
 */
const LIMIT = 500_000;

export interface Subnet {
  /** "10.244.2.0/24" */
  cidr: string;
  /** The network address, "10.244.2.0": the VXLAN route's gateway and neighbour. */
  network: string;
  family: Family;
  prefix: number;
}

const ips = new Map<string, string | null>();
const subnets = new Map<string, Subnet | null>();

function memo<T>(cache: Map<string, T | null>, key: string, compute: () => T | undefined): T | undefined {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= LIMIT) cache.clear();
    v = compute() ?? null;
    cache.set(key, v);
  }
  return v ?? undefined;
}

/** "FD00:0::1" → "fd00::1"; undefined when it is not an address. */
export function canonicalIp(s: string): string | undefined {
  return memo(ips, s, () => {
    const p = parseIp(s);
    return p && formatIp(p);
  });
}

/** "10.244.2.7/24" → its network "10.244.2.0/24"; a bare address ("10.1.2.3", as ip prints host routes) is a /32 or /128. */
export function subnetOf(s: string): Subnet | undefined {
  return memo(subnets, s, () => {
    const c = parseCidr(s.includes('/') ? s : `${s}/${s.includes(':') ? 128 : 32}`);
    if (!c) return undefined;
    const net = canonicalNetwork(c);
    return { cidr: formatCidr(net), network: formatIp(networkAddress(net)), family: c.ip.family, prefix: c.prefix };
  });
}
