/**
 * FNV-1a 64-bit as 16 hex digits: a stable, cheap hash (no crypto module at start) for names,
 * MACs and rule digests. Computed on two 32-bit halves: BigInt arithmetic made hashing a 3 KB
 * nft script cost 5 ms of every ADD.
 */
export function fnv64(text: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    // h * (2^40 + 0x1b3) mod 2^64, carried across the halves.
    const low = lo * 0x1b3;
    const carry = Math.floor(low / 0x100000000);
    hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) >>> 0;
    lo = low >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** The host end of a pod's veth: derived from the attachment, so DEL and GC find it without the namespace. */
export function hostVethName(containerId: string, ifname: string): string {
  return `tw${fnv64(`${containerId}\0${ifname}`).slice(0, 12)}`;
}

/**
 * The tag on a pod's published ports and its veth's alias: its host veth (unique per attachment)
 * and network. nft comments hold 128 bytes. Here, not in firewall.ts, so twillctl finds a pod's
 * ports without bundling the firewall.
 */
export function ownerTag(hostVeth: string, network: string): string {
  return `${hostVeth} ${network}`.slice(0, 128);
}

export const HOST_VETH_PATTERN = /^tw[0-9a-f]{12}$/;

/** A locally administered unicast MAC from a seed: stable, so a bridge keeps its MAC as ports come and go. */
export function stableMac(seed: string): string {
  const h = fnv64(seed);
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
