/** FNV-1a 64-bit: a stable, cheap hash (no crypto module at start) for names and MACs. */
export function fnv64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/** The host end of a pod's veth: derived from the attachment, so DEL and GC find it without the namespace. */
export function hostVethName(containerId: string, ifname: string): string {
  return `tw${fnv64(`${containerId}\0${ifname}`).toString(16).padStart(16, '0').slice(0, 12)}`;
}

export const HOST_VETH_PATTERN = /^tw[0-9a-f]{12}$/;

/** A locally administered unicast MAC from a seed: stable, so a bridge keeps its MAC as ports come and go. */
export function stableMac(seed: string): string {
  const h = fnv64(seed).toString(16).padStart(16, '0');
  const bytes = [0x0e, ...[0, 2, 4, 6, 8].map((i) => parseInt(h.slice(i, i + 2), 16))];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** MAC from a pod's IPv4 address (0a:58:a.b.c.d, the Kubernetes convention): unique per live pod, readable in tcpdump. */
export function macFromIpv4(ip: string): string {
  return ['0a', '58', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

export const MAC_PATTERN = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** A MAC a pod may use: six octets, unicast (low bit of the first octet clear). */
export function isUnicastMac(mac: string): boolean {
  return MAC_PATTERN.test(mac) && (parseInt(mac.slice(0, 2), 16) & 1) === 0;
}
