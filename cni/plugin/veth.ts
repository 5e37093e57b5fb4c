import { CniError, ErrorCode } from '../core/errors';
import type { IpConfig, Route } from '../core/result';
import { ipBatch, ipJson } from '../host/ip';
import { ipIn } from '../host/netns';
import { CommandError, type Runner } from '../host/run';
import { linkExists } from '../host/links';
import { quoted, scriptLine } from '../host/script-words';
import { formatCidr, parseCidr } from '../../ipam/net/cidr';
import { formatIp, parseIp } from '../../ipam/net/ip';
import type { TwillConfig } from './config';
import { ownerTag } from './names';

export interface VethPlan {
  hostVeth: string;
  hostMac: string;
  podIfname: string;
  podMac: string;
  netns: string;
}

/** Names a host veth's owner in its alias (GC tells networks on one bridge apart by it). */
export function ownerAliasLine(hostVeth: string, network: string): string {
  return `${scriptLine('link', 'set', 'dev', hostVeth, 'alias')} ${quoted(ownerTag(hostVeth, network))}`;
}

/**
 * Host-side lines: the pair is created with its pod end straight in the pod's namespace, then
 * enslaved. Names always follow their keyword (`dev`, `name`, `master`), so a bridge called
 * "up" or "type" is still a name to `ip`. The host end's alias is its owner tag (as on the
 * pod's port mappings): several networks may share a bridge, and GC removes only the veths of
 * its own network.
 */
export function hostVethLines(cfg: TwillConfig, plan: VethPlan): string[] {
  const mtu = cfg.mtu ? ['mtu', cfg.mtu] : [];
  const dev = ['link', 'set', 'dev', plan.hostVeth];
  // `guard off` is a new port's default: the line is there so that a master which is not a
  // bridge but takes slaves (bond, team, vrf) fails here, before the bridge's lines that follow.
  const flags = ['guard', 'off', ...(cfg.hairpinMode ? ['hairpin', 'on'] : []), ...(cfg.portIsolation ? ['isolated', 'on'] : [])];
  return [
    scriptLine('link', 'add', 'name', plan.hostVeth, ...mtu, 'address', plan.hostMac, 'type', 'veth', 'peer', 'name', plan.podIfname, ...mtu, 'address', plan.podMac, 'netns', plan.netns),
    scriptLine(...dev, 'master', cfg.bridge),
    scriptLine(...dev, 'type', 'bridge_slave', ...flags),
    ownerAliasLine(plan.hostVeth, cfg.network),
    scriptLine(...dev, 'up'),
  ];
}

/** An address or route from the IPAM result, in our own spelling: a delegated plugin's text never reaches `ip` as is. */
function cidrWord(text: string, field: string): string {
  const c = parseCidr(text);
  if (!c) throw new CniError(ErrorCode.invalidConfig, `${field} ${JSON.stringify(text)} in the IPAM result is not an address/prefix`);
  return formatCidr(c);
}

function podAddressLine(ifname: string, ip: IpConfig): string {
  const address = cidrWord(ip.address, 'ipam: address');
  return scriptLine('addr', 'add', address, 'dev', ifname, ...(address.includes(':') ? ['nodad'] : []));
}

function podRouteLine(ifname: string, route: Route): string {
  const gw = route.gw === undefined ? undefined : parseIp(route.gw);
  if (route.gw !== undefined && !gw) throw new CniError(ErrorCode.invalidConfig, `ipam: route gateway ${JSON.stringify(route.gw)} in the IPAM result is not an IP address`);
  return scriptLine('route', 'add', cidrWord(route.dst, 'ipam: route destination'), ...(gw ? ['via', formatIp(gw)] : []), 'dev', ifname);
}

/** Configures the pod end in one exec inside the namespace: loopback, link, addresses, routes. */
export function setupPodSide(runner: Runner, plan: VethPlan, ips: IpConfig[], routes: Route[]): void {
  const lines = [
    'link set dev lo up',
    scriptLine('link', 'set', 'dev', plan.podIfname, 'up'),
    ...ips.map((ip) => podAddressLine(plan.podIfname, ip)),
    ...routes.map((r) => podRouteLine(plan.podIfname, r)),
  ];
  ipBatch(runner, lines, ipIn(plan.netns));
}

/** Whether the pod's namespace already has an interface of that name (one exec: only asked when in doubt). */
export function podHasInterface(runner: Runner, plan: Pick<VethPlan, 'netns' | 'podIfname'>): boolean {
  try {
    return ipJson<unknown[]>(runner, ['link', 'show', 'dev', plan.podIfname], ipIn(plan.netns)).length > 0;
  } catch (err) {
    if (err instanceof CommandError && /does not exist/.test(err.stderr)) return false;
    throw err;
  }
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
