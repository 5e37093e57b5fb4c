import { canonicalIp, subnetOf } from './addr';
import { vtepMac } from './config';
import { overlayMtu } from './underlay';
import type { ActualDevice, DeviceSpec, OverlayConfig, Underlay } from './types';

/**
 * The VXLAN device, ensured idempotently as flannel does: created when missing, reused when
 * its identity (VNI, port, local address, underlay link, learning) matches, deleted and
 * created again when it does not; MAC, MTU, state and addresses are fixed in place, so an
 * agent restart finds the device right and changes nothing.
 */
export type DeviceAction = 'created' | 'recreated' | 'updated' | 'unchanged';

export function planDevice(config: OverlayConfig, underlay: Underlay): DeviceSpec {
  const own = config.podCIDRs.map(subnetOf).filter((c) => c !== undefined);
  // The network address of each own subnet as a host address (flannel's /32): traffic from the
  // node itself to remote pods then leaves with a source the peers route back over the overlay.
  const addresses = own.map((c) => `${c.network}/${c.family === 4 ? 32 : 128}`);
  return { name: config.device, vni: config.vni, port: config.port, mac: vtepMac(config.nodeName, config.vni), mtu: overlayMtu(config, underlay), underlay, addresses };
}

/** Why the existing device cannot be reused; undefined when it can. */
export function deviceIncompatibility(spec: DeviceSpec, actual: ActualDevice): string | undefined {
  if (actual.kind !== 'vxlan') return `kind ${actual.kind ?? 'none'}, want vxlan`;
  if (actual.vni !== spec.vni) return `VNI ${actual.vni}, want ${spec.vni}`;
  if (actual.port !== spec.port) return `port ${actual.port}, want ${spec.port}`;
  if (actual.local !== spec.underlay.address) return `local ${actual.local ?? 'none'}, want ${spec.underlay.address}`;
  if (actual.link !== spec.underlay.dev) return `underlay link ${actual.link ?? 'none'}, want ${spec.underlay.dev}`;
  if (actual.learning !== false) return 'learning on, want off';
  return undefined;
}

function createLines(spec: DeviceSpec): string[] {
  const { name, mac, mtu, vni, underlay, port } = spec;
  return [
    `link add ${name} address ${mac} mtu ${mtu} type vxlan id ${vni} local ${underlay.address} dev ${underlay.dev} dstport ${port} nolearning`,
    ...spec.addresses.map((a) => `addr add ${a} dev ${name}`),
    `link set dev ${name} up`,
  ];
}

function updateLines(spec: DeviceSpec, actual: ActualDevice): string[] {
  const has = new Set(actual.addresses);
  const want = new Set(spec.addresses);
  return [
    ...(actual.mac !== spec.mac ? [`link set dev ${spec.name} address ${spec.mac}`] : []),
    ...(actual.mtu !== spec.mtu ? [`link set dev ${spec.name} mtu ${spec.mtu}`] : []),
    ...actual.addresses.filter((a) => !want.has(a)).map((a) => `addr del ${a} dev ${spec.name}`),
    ...spec.addresses.filter((a) => !has.has(a)).map((a) => `addr add ${a} dev ${spec.name}`),
    ...(!actual.up ? [`link set dev ${spec.name} up`] : []),
  ];
}

/** The `ip -batch` lines that make the device match `spec` (none when it does), and what they do. */
export function deviceLines(spec: DeviceSpec, actual: ActualDevice | undefined): { action: DeviceAction; lines: string[]; why?: string } {
  if (!actual) return { action: 'created', lines: createLines(spec) };
  const why = deviceIncompatibility(spec, actual);
  if (why) return { action: 'recreated', lines: [`link del dev ${spec.name}`, ...createLines(spec)], why };
  const lines = updateLines(spec, actual);
  return { action: lines.length ? 'updated' : 'unchanged', lines };
}

/** Canonical "address/prefix" (host bits kept) for comparing with what the kernel prints. */
export function hostAddress(local: string, prefixlen: number): string {
  return `${canonicalIp(local) ?? local}/${prefixlen}`;
}
