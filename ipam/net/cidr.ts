import { BITS, formatIp, parseIp, type Family, type Ip } from './ip';

/** A prefix as written ("10.22.0.5/24" keeps its host part in `ip`). */
export interface Cidr {
  ip: Ip;
  prefix: number;
}

export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  return prefix <= BITS[ip.family] ? { ip, prefix } : undefined;
}

function hostMask(family: Family, prefix: number): bigint {
  return (1n << BigInt(BITS[family] - prefix)) - 1n;
}

export function networkAddress(c: Cidr): Ip {
  return { family: c.ip.family, value: c.ip.value & ~hostMask(c.ip.family, c.prefix) };
}

export function lastAddress(c: Cidr): Ip {
  return { family: c.ip.family, value: c.ip.value | hostMask(c.ip.family, c.prefix) };
}

export function cidrContains(c: Cidr, ip: Ip): boolean {
  return ip.family === c.ip.family && networkAddress(c).value === (ip.value & ~hostMask(ip.family, c.prefix));
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.ip)}/${c.prefix}`;
}

/** The canonical network form, e.g. "10.22.0.0/24". */
export function canonicalNetwork(c: Cidr): Cidr {
  return { ip: networkAddress(c), prefix: c.prefix };
}

export function offsetIp(ip: Ip, delta: bigint): Ip {
  return { family: ip.family, value: ip.value + delta };
}
