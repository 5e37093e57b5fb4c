import { CniError, ErrorCode } from '../core/errors';
import { parseResult, type IpConfig, type Route } from '../core/result';
import { ipJson, type IpLink, type IpRoute } from '../host/ip';
import { ipIn } from '../host/netns';
import { canonicalNetwork, cidrContains, formatCidr, parseCidr } from '../../ipam/net/cidr';
import { formatIp, parseIp } from '../../ipam/net/ip';
import { mappingAppliesTo, type PortMapping } from './config';
import type { PluginRun } from './context';
import type { Firewall } from './firewall';
import { ownerTag } from './names';
import { TABLE } from './nft-rules';
import { ipamExecCheck } from './ipam';

function drift(msg: string): CniError {
  return new CniError(ErrorCode.drift, msg);
}

/** `ip -j … show dev NAME` → that link, or undefined when it does not exist. */
function showLink(run: PluginRun, args: string[], ip?: string[]): IpLink | undefined {
  try {
    return ipJson<IpLink[]>(run.runner, args, ip)[0];
  } catch {
    return undefined;
  }
}

function checkHostVeth(run: PluginRun): void {
  const link = showLink(run, ['link', 'show', 'dev', run.hostVeth]);
  if (!link) throw drift(`host veth ${run.hostVeth} is missing`);
  if (link.master !== run.cfg.bridge) throw drift(`host veth ${run.hostVeth} is not attached to bridge ${run.cfg.bridge}${link.master ? ` (it is on ${link.master})` : ''}`);
}

function checkPodAddresses(run: PluginRun, ips: IpConfig[]): void {
  const { ifname, netns } = run.ctx.env;
  const link = showLink(run, ['addr', 'show', 'dev', ifname], ipIn(netns));
  if (!link) throw drift(`interface ${ifname} is missing in ${netns}`);
  const present = new Set((link.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
  for (const ip of ips) if (!present.has(ip.address)) throw drift(`address ${ip.address} missing on ${ifname}`);
}

/** A route's destination as `ip -j route` prints it: "default", a bare host address, or a network. */
function ipRouteDst(dst: string): string {
  const c = parseCidr(dst);
  if (!c) return dst;
  if (c.prefix === 0) return 'default';
  if (c.prefix === (c.ip.family === 4 ? 32 : 128)) return formatIp(c.ip);
  return formatCidr(canonicalNetwork(c));
}

/** Only routes through one of our addresses' subnets (or without a gateway) are ours to check. */
function ownRoutes(routes: Route[], ips: IpConfig[]): Route[] {
  const subnets = ips.map((ip) => parseCidr(ip.address)!);
  return routes.filter((r) => !r.gw || subnets.some((s) => { const gw = parseIp(r.gw!); return gw !== undefined && cidrContains(s, gw); }));
}

function checkPodRoutes(run: PluginRun, routes: Route[]): void {
  const { ifname, netns } = run.ctx.env;
  const ip = ipIn(netns);
  const have = [...ipJson<IpRoute[]>(run.runner, ['route', 'show', 'dev', ifname], ip), ...ipJson<IpRoute[]>(run.runner, ['-6', 'route', 'show', 'dev', ifname], ip)];
  const present = new Set(have.map((r) => `${r.dst} ${r.gateway ?? ''}`));
  for (const r of routes) {
    if (!present.has(`${ipRouteDst(r.dst)} ${r.gw ?? ''}`)) throw drift(`route to ${r.dst}${r.gw ? ` via ${r.gw}` : ''} missing in ${ifname}`);
  }
}

/** Where a published port lives, as a reader of `nft list` or `iptables-save` would look for it. */
function mappingPlace(kind: Firewall['kind'], family: 4 | 6, hostIP: string | undefined): string {
  if (kind === 'iptables') return `iptables chain TWILL-HOSTPORTS, IPv${family}`;
  return `nft map inet ${TABLE} hostports${family}${hostIP ? 'ip' : ''}`;
}

/** The families ADD published a mapping in: each the pod has an address of, narrowed by hostIP to its own. */
function mappingFamilies(m: PortMapping, ips: IpConfig[]): Array<4 | 6> {
  return ([4, 6] as const).filter((f) => ips.some((ip) => ip.address.includes(':') === (f === 6)) && mappingAppliesTo(m, f));
}

function checkRules(run: PluginRun, ips: IpConfig[]): void {
  const { cfg, hostVeth, firewall } = run;
  if (!cfg.ipMasq && !cfg.portMappings.length) return;
  const state = firewall.state();
  if (cfg.ipMasq) {
    for (const ip of ips) {
      const key = formatCidr(canonicalNetwork(parseCidr(ip.address)!));
      if (!state.masqueraded.has(key)) throw drift(`masquerade rule for ${key} missing (${firewall.kind})`);
    }
  }
  const tag = ownerTag(hostVeth, cfg.network);
  for (const m of cfg.portMappings) {
    // Per family: a dual-stack pod's mapping is two entries, and either one alone is not enough.
    for (const family of mappingFamilies(m, ips)) {
      const found = state.published.some((p) => p.tag === tag && p.family === family && p.protocol === m.protocol && p.hostPort === m.hostPort);
      if (!found) throw drift(`port mapping ${m.protocol}/${m.hostPort} → ${m.containerPort} missing (${mappingPlace(firewall.kind, family, m.hostIP)})`);
    }
  }
}

/** CHECK: names the first drift it finds between what ADD set up (prevResult) and the node. */
export function cmdCheck(run: PluginRun): void {
  const { ctx } = run;
  if (!ctx.conf.prevResult) throw new CniError(ErrorCode.invalidConfig, 'prevResult: required for CHECK but missing');
  const prev = parseResult(ctx.conf.prevResult, 'prevResult');
  const podIndex = (prev.interfaces ?? []).findIndex((i) => i.name === ctx.env.ifname && i.sandbox === ctx.env.netns);
  if (podIndex < 0) throw drift(`prevResult has no interface ${ctx.env.ifname} in ${ctx.env.netns}`);
  const ips = (prev.ips ?? []).filter((ip) => ip.interface === podIndex);
  ipamExecCheck(ctx, run.runner);
  checkHostVeth(run);
  checkPodAddresses(run, ips);
  checkPodRoutes(run, ownRoutes(prev.routes ?? [], ips));
  checkRules(run, ips);
}
