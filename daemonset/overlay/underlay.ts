import { canonicalIp as canonical } from './addr';
import type { Family, OverlayConfig, Underlay } from './types';

/** Encapsulation overhead: outer IP (20 / 40) + UDP (8) + VXLAN (8) + inner Ethernet (14). */
export const VXLAN_OVERHEAD: Record<Family, number> = { 4: 50, 6: 70 };

/** A link with its addresses, as `ip -j addr show` prints it. */
export interface AddrLink {
  ifname: string;
  mtu: number;
  addr_info?: Array<{ family: string; local: string; prefixlen: number; scope?: string }>;
}

/** A setting that cannot work on this node: names the setting, as the agent's config errors do. */
export class OverlaySetupError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'OverlaySetupError';
  }
}

function globalAddresses(link: AddrLink): string[] {
  return (link.addr_info ?? []).filter((a) => (a.scope ?? 'global') === 'global').map((a) => a.local);
}

function underlayOf(link: AddrLink, address: string): Underlay {
  const family = address.includes(':') ? 6 : 4;
  return { dev: link.ifname, address, family, mtu: link.mtu };
}

function byAddress(links: AddrLink[], address: string, iface: string | undefined): Underlay {
  const want = canonical(address);
  if (!want) throw new OverlaySetupError('underlay.address', `"${address}" is not an IP address`);
  const link = links.find((l) => globalAddresses(l).some((a) => canonical(a) === want));
  if (!link) throw new OverlaySetupError('underlay.address', `${want} is on no interface of this node`);
  if (iface && link.ifname !== iface) throw new OverlaySetupError('underlay.interface', `${want} is on ${link.ifname}, not on ${iface}`);
  return underlayOf(link, want);
}

/** The interface's first global address, IPv4 before IPv6 (as flannel picks its public IP). */
function byInterface(links: AddrLink[], iface: string): Underlay {
  const link = links.find((l) => l.ifname === iface);
  if (!link) throw new OverlaySetupError('underlay.interface', `no interface ${iface} on this node`);
  const addrs = globalAddresses(link).map(canonical).filter((a): a is string => a !== undefined);
  const pick = addrs.find((a) => !a.includes(':')) ?? addrs[0];
  if (!pick) throw new OverlaySetupError('underlay.interface', `${iface} has no global address`);
  return underlayOf(link, pick);
}

/** Where the overlay's packets leave from: the configured address (the node's InternalIP) or interface. */
export function resolveUnderlay(config: Pick<OverlayConfig, 'underlay'>, links: AddrLink[]): Underlay {
  const { address, interface: iface } = config.underlay;
  if (address) return byAddress(links, address, iface);
  if (iface) return byInterface(links, iface);
  throw new OverlaySetupError('underlay', 'needs an address (the node\'s InternalIP) or an interface');
}

/** The device MTU: the override, else the underlay's less the encapsulation overhead of its family. */
export function overlayMtu(config: Pick<OverlayConfig, 'mtu'>, underlay: Underlay): number {
  return config.mtu ?? underlay.mtu - VXLAN_OVERHEAD[underlay.family];
}
