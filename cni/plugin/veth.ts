import type { IpConfig, Route } from '../core/result';
import { ipBatch } from '../host/ip';
import { ipIn } from '../host/netns';
import { CommandError, type Runner } from '../host/run';
import { linkExists } from '../host/links';
import type { TwillConfig } from './config';
import { ownerTag } from './firewall';

export interface VethPlan {
  hostVeth: string;
  hostMac: string;
  podIfname: string;
  podMac: string;
  netns: string;
}

/**
 * Host-side lines: the pair is created with its pod end straight in the pod's namespace, then
 * enslaved. The host end's alias is its owner tag (as on the pod's port mappings): several
 * networks may share a bridge, and GC removes only the veths of its own network.
 */
export function hostVethLines(cfg: TwillConfig, plan: VethPlan): string[] {
  const mtu = cfg.mtu ? ` mtu ${cfg.mtu}` : '';
  const lines: string[] = [];
  // Same attachment, same name: a leftover from an ADD that never got its DEL is ours to replace.
  if (linkExists(plan.hostVeth)) lines.push(`link del ${plan.hostVeth}`);
  lines.push(
    `link add ${plan.hostVeth}${mtu} address ${plan.hostMac} type veth peer name ${plan.podIfname}${mtu} address ${plan.podMac} netns ${plan.netns}`,
    `link set ${plan.hostVeth} master ${cfg.bridge}`,
  );
  // `guard off` is a new port's default: the line is there so that a master which is not a
  // bridge but takes slaves (bond, team, vrf) fails here, before the bridge's lines that follow.
  const flags = ['guard off', cfg.hairpinMode ? 'hairpin on' : '', cfg.portIsolation ? 'isolated on' : ''].filter(Boolean);
  lines.push(`link set ${plan.hostVeth} type bridge_slave ${flags.join(' ')}`);
  lines.push(`link set ${plan.hostVeth} alias "${ownerTag(plan.hostVeth, cfg.network)}"`, `link set ${plan.hostVeth} up`);
  return lines;
}

function podAddressLine(ifname: string, ip: IpConfig): string {
  return `addr add ${ip.address} dev ${ifname}${ip.address.includes(':') ? ' nodad' : ''}`;
}

function podRouteLine(ifname: string, route: Route): string {
  return `route add ${route.dst}${route.gw ? ` via ${route.gw}` : ''} dev ${ifname}`;
}

/** Configures the pod end in one exec inside the namespace: loopback, link, addresses, routes. */
export function setupPodSide(runner: Runner, plan: VethPlan, ips: IpConfig[], routes: Route[]): void {
  const lines = [
    'link set lo up',
    `link set ${plan.podIfname} up`,
    ...ips.map((ip) => podAddressLine(plan.podIfname, ip)),
    ...routes.map((r) => podRouteLine(plan.podIfname, r)),
  ];
  ipBatch(runner, lines, ipIn(plan.netns));
}

/** Deletes the host end (the kernel removes the pod end with it); gone already is fine. */
export function teardownVeth(runner: Runner, hostVeth: string): boolean {
  if (!linkExists(hostVeth)) return false;
  try {
    runner(['ip', 'link', 'del', hostVeth]);
    return true;
  } catch (err) {
    if (err instanceof CommandError && /Cannot find device/.test(err.stderr)) return false;
    throw err;
  }
}
