/**
 * One read of what ls, inspect, ipam and gc need: twill's networks from the config directory,
 * each one's IPAM store, the node's links and NAT state (either backend), joined into pod records.
 */
import { netnsKind } from '../host/netns-kind';
import type { Ctx } from './context';
import { portMappings } from './nat';
import { MIN_LEAK_AGE_MS, podRecords, type PodRecord } from './pods';
import { loadConfDir, twillNetworks, type ConfFile } from './read/conflists';
import { readIpam, type NetworkIpam } from './read/ipam';
import { readLinks, type KernelLink } from './read/kernel';
import { readNat, type NatState } from './read/nat';

export interface NodeView {
  files: ConfFile[];
  networks: ConfFile[];
  ipam: NetworkIpam[];
  links: KernelLink[];
  nat: NatState;
  pods: PodRecord[];
}

export interface GatherOptions {
  network?: string;
  /** Reservations younger than this are not called leaked (default MIN_LEAK_AGE_MS). */
  minAgeMs?: number;
  /** Also read the NAT rules' text (inspect). */
  natRules?: boolean;
}

export async function gatherNode(ctx: Ctx, o: GatherOptions = {}): Promise<NodeView> {
  const files = loadConfDir(ctx.paths.confDir);
  const networks = twillNetworks(files, o.network);
  const links = await readLinks(ctx);
  const names = new Set(links.map((l) => l.ifname));
  const nat = await readNat(ctx, { rules: o.natRules === true });
  const ports = portMappings(nat);
  const ipam = networks.map((f) => readIpam(f, ctx.paths.ipamDir));
  const netnsAlive = (path: string) => netnsKind(path) === 'netns';
  const age = { now: Date.now(), minAgeMs: o.minAgeMs ?? MIN_LEAK_AGE_MS };
  const pods = ipam.flatMap((n) => podRecords({ network: n.network, reservations: n.reservations, links: names, netnsAlive, ports, ...age }));
  return { files, networks, ipam, links, nat, pods };
}
