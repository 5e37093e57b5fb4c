import { stableMac } from '../../cni/plugin/names';
import type { OverlayConfig } from './types';

/**
 * The route protocol number on every route twill installs (`proto 116`, 0x74, "t"): the kernel
 * keeps it and never interprets it, so `ip route show proto 116` lists exactly twill's routes
 * and a sweep can never touch anyone else's. Unassigned in iproute2's rt_protos.
 */
export const ROUTE_PROTO = 116;

export const OVERLAY_DEFAULTS = {
  vni: 1,
  port: 8472,
  directRouting: false,
  checksumOffloadWorkaround: true,
} as const;

/** The device name for a VNI: `twill.1`, as flannel's `flannel.1` (15 characters at most: VNIs are ≤ 8 digits). */
export function deviceName(vni: number): string {
  return `twill.${vni}`;
}

/**
 * The VTEP MAC of a node's device: derived from its name and VNI, never random, so an agent
 * restart or a node reboot brings back the MAC its peers already hold (flannel keeps its random
 * MAC only by reading its own annotation back; a lost annotation meant stale peers: #533, #1788).
 */
export function vtepMac(nodeName: string, vni: number): string {
  return stableMac(`twill-vtep\0${nodeName}\0${vni}`);
}

/** Settings with the defaults filled in: only the node's name is required. */
export function overlayConfig(o: Partial<OverlayConfig> & { nodeName: string }): OverlayConfig {
  const vni = o.vni ?? OVERLAY_DEFAULTS.vni;
  return {
    nodeName: o.nodeName,
    vni,
    port: o.port ?? OVERLAY_DEFAULTS.port,
    device: o.device ?? deviceName(vni),
    underlay: o.underlay ?? {},
    mtu: o.mtu,
    directRouting: o.directRouting ?? OVERLAY_DEFAULTS.directRouting,
    checksumOffloadWorkaround: o.checksumOffloadWorkaround ?? OVERLAY_DEFAULTS.checksumOffloadWorkaround,
    podCIDRs: o.podCIDRs ?? [],
    ...(o.ownership ? { ownership: o.ownership } : {}),
  };
}
