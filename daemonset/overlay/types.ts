/**
 * The overlay's vocabulary. Desired state is computed from this node's settings and its peers
 * (other nodes) plus two kernel facts (the underlay link, which peers are on-link); actual
 * state is what the kernel holds; the diff between them is applied in batches.
 */
import type { RouteOwnership } from './ownership';

export type Family = 4 | 6;

/** This node's overlay settings (defaults in config.ts). */
export interface OverlayConfig {
  /** This node's name: the VTEP MAC is derived from it (and the VNI), so it survives restarts and reboots. */
  nodeName: string;
  vni: number;
  /** UDP port of the VXLAN underlay (8472, the Linux default, as flannel). */
  port: number;
  /** The VXLAN device's name (default `twill.<VNI>`). */
  device: string;
  /** Which underlay address carries the overlay: a given address (the node's InternalIP), an interface, or both. */
  underlay: { address?: string; interface?: string };
  /** Overrides the device MTU (default: underlay MTU − 50 for IPv4, − 70 for IPv6). */
  mtu?: number;
  /** Plain routes via a peer's underlay address when it is on-link (no gateway) instead of encapsulation. */
  directRouting: boolean;
  /** `tx-checksum-ip-generic off` on the device (flannel-io/flannel#1279, kubernetes#88986). */
  checksumOffloadWorkaround: boolean;
  /** This node's pod subnets: the device carries their network addresses (host-sourced traffic then routes back over the overlay). */
  podCIDRs: string[];
  /** With several networks: which of twill's routes are this one's (ownership.ts); absent, all are. */
  ownership?: RouteOwnership;
}

/** Another node, as the agent knows it from the API (its annotations give the VTEP MAC). */
export interface Peer {
  name: string;
  podCIDRs: readonly string[];
  /** Its underlay (VTEP) address. */
  underlayIp?: string;
  vtepMac?: string;
}

/** The underlay as resolved on this node. */
export interface Underlay {
  dev: string;
  address: string;
  family: Family;
  mtu: number;
}

export interface DeviceSpec {
  name: string;
  vni: number;
  port: number;
  mac: string;
  mtu: number;
  underlay: Underlay;
  /** Host addresses with prefix (/32, /128) the device carries. */
  addresses: string[];
}

/** A route twill owns (tagged with its route protocol). `dst` is canonical ("10.1.2.0/24"). */
export interface RouteEntry {
  dst: string;
  via: string;
  dev: string;
  /** VXLAN routes: the gateway is the peer subnet's network address, reachable only through the device. */
  onlink: boolean;
}

/** A permanent neighbour on the device: the peer subnet's network address → the peer's VTEP MAC. */
export interface NeighbourEntry {
  ip: string;
  mac: string;
}

/** An FDB entry on the device: the peer's VTEP MAC → its underlay address. */
export interface FdbEntry {
  mac: string;
  dst: string;
}

export type SkipReason = 'self' | 'no-subnet' | 'no-underlay-ip' | 'no-vtep-mac' | 'bad-address' | 'family-mismatch' | 'duplicate-subnet' | 'duplicate-mac';

export interface SkippedPeer {
  name: string;
  reason: SkipReason;
  detail?: string;
}

/** Everything the kernel should hold for the peers. */
export interface PeerPlan {
  routes: RouteEntry[];
  neighbours: NeighbourEntry[];
  fdb: FdbEntry[];
  /** Peers with at least one route planned. */
  programmed: number;
  skipped: SkippedPeer[];
}

/** The device as the kernel reports it. */
export interface ActualDevice {
  kind?: string;
  vni?: number;
  port?: number;
  local?: string;
  link?: string;
  learning?: boolean;
  mac: string;
  mtu: number;
  up: boolean;
  /** Global-scope addresses with prefix. */
  addresses: string[];
}

export interface ActualNeighbour extends NeighbourEntry {
  permanent: boolean;
}

export interface ActualFdb {
  mac: string;
  dst: string;
  permanent: boolean;
}

/** What the kernel holds: the device, twill's routes (by protocol), the device's neighbours and FDB. */
export interface ActualOverlay {
  device?: ActualDevice;
  routes: RouteEntry[];
  neighbours: ActualNeighbour[];
  fdb: ActualFdb[];
}

/** The difference, in the order it is applied (see lines.ts). */
export interface OverlayChanges {
  fdbSet: FdbEntry[];
  routesDeleted: RouteEntry[];
  neighboursSet: NeighbourEntry[];
  routesAdded: RouteEntry[];
  routesReplaced: RouteEntry[];
  neighboursDeleted: NeighbourEntry[];
  fdbDeleted: FdbEntry[];
}
