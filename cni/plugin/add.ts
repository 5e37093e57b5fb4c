import { CniError, ErrorCode } from '../core/errors';
import { parseResult, type IpConfig, type Result } from '../core/result';
import { startStopwatch, type Stopwatch } from '../core/stopwatch';
import { flushUdpConntrack } from '../host/conntrack';
import { ipBatch } from '../host/ip';
import { netnsKind } from '../host/netns-kind';
import { CommandError } from '../host/run';
import { linkExists } from '../host/links';
import { canonicalNetwork, parseCidr, type Cidr } from '../../ipam/net/cidr';
import { parseIp } from '../../ipam/net/ip';
import { bridgeMacFrom, bridgeShowLine, ensureBridge, explainBatchFailure, type BridgeSetup } from './bridge';
import type { PluginRun } from './context';
import { publishPorts, type NetworkRules, type PodAddresses } from './firewall';
import { ipamExecAdd, ipamExecDel, ipamHeldBefore } from './ipam';
import { macFromIpv4, ownerTag, stableMac } from './names';
import { requireReady } from './ready-gate';
import { buildResult, podRoutes } from './result';
import { hostVethLines, podHasInterface, setupPodSide, teardownVeth, type VethPlan } from './veth';

function checkNetns(netns: string): void {
  const kind = netnsKind(netns);
  if (kind === 'missing') throw new CniError(ErrorCode.invalidEnvironment, `CNI_NETNS: ${netns} does not exist`);
  if (kind === 'other') throw new CniError(ErrorCode.invalidEnvironment, `CNI_NETNS: ${netns} is not a network namespace`, 'expected /proc/PID/ns/net or a bind mount of one, such as /run/netns/NAME');
}

function cidrOf(ip: IpConfig): Cidr {
  const c = parseCidr(ip.address);
  if (!c) throw new CniError(ErrorCode.invalidConfig, `ipam: ${JSON.stringify(ip.address)} in the IPAM result is not an address/prefix`);
  return c;
}

/** The gateway addresses the bridge carries, with their subnet's prefix. */
function gatewayCidrs(ips: IpConfig[]): Cidr[] {
  return ips.filter((ip) => ip.gateway !== undefined).map((ip) => {
    const gw = parseIp(ip.gateway!);
    if (!gw) throw new CniError(ErrorCode.invalidConfig, `ipam: gateway ${JSON.stringify(ip.gateway)} in the IPAM result is not an IP address`);
    return { ip: gw, prefix: cidrOf(ip).prefix };
  });
}

function podAddresses(ips: IpConfig[]): PodAddresses {
  const bare = (ip?: IpConfig) => ip?.address.split('/')[0];
  return { ipv4: bare(ips.find((ip) => !ip.address.includes(':'))), ipv6: bare(ips.find((ip) => ip.address.includes(':'))) };
}

function withMac(name: string, mac: string | undefined): { name: string; mac?: string } {
  return mac ? { name, mac } : { name };
}

function vethPlan(run: PluginRun, pod: PodAddresses): VethPlan {
  const { env } = run.ctx;
  const podMac = run.cfg.mac ?? (pod.ipv4 ? macFromIpv4(pod.ipv4) : stableMac(`pod:${env.containerId}:${env.ifname}`));
  return { hostVeth: run.hostVeth, hostMac: stableMac(`host:${run.hostVeth}`), podIfname: env.ifname, podMac, netns: env.netns };
}

/**
 * Publishes the pod's ports. The network's rules are trusted from the /run marker, but
 * `nft flush ruleset` (a restart of Debian's nftables.service does one) or an iptables reload
 * removes them behind its back, and every later ADD with ports would fail until a reboot
 * cleared the marker. So when publishing fails for any other reason than a port conflict, the
 * network's rules are re-applied and the ports tried once more.
 */
function publishWithRepair(run: PluginRun, net: NetworkRules, pod: PodAddresses, tag: string): void {
  const opts = { bridge: run.cfg.bridge, mappings: run.cfg.portMappings, pod, tag };
  try {
    publishPorts(run.firewall, opts);
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    run.firewall.ensureNetwork(net, { force: true });
    publishPorts(run.firewall, opts);
  }
}

/**
 * The host batch: veth, bridge, and last the bridge's kind and MAC as the kernel reports them.
 * A leftover host veth was removed before (checkNotAttached), so "File exists" can only be the pod's name.
 */
function createVeth(run: PluginRun, plan: VethPlan, bridge: BridgeSetup): string | undefined {
  const { cfg, runner } = run;
  let out: string;
  try {
    out = ipBatch(runner, [...hostVethLines(cfg, plan), ...bridge.lines, bridgeShowLine(cfg)], ['ip', '-j', '-d']);
  } catch (err) {
    if (!(err instanceof CommandError && /File exists/.test(err.stderr))) throw explainBatchFailure(runner, cfg, err);
    const { ifname, netns } = run.ctx.env;
    throw new CniError(ErrorCode.invalidEnvironment, `CNI_IFNAME: ${ifname} already exists in ${netns}`, err.stderr.trim());
  }
  return bridgeMacFrom(cfg, out);
}

/** A hostIP of a family the pod has no address in would publish nothing, silently. */
function checkHostIpFamilies(run: PluginRun, pod: PodAddresses): void {
  run.cfg.portMappings.forEach((m, i) => {
    if (!m.hostIP) return;
    const v6 = m.hostIP.includes(':');
    if (v6 ? !pod.ipv6 : !pod.ipv4) {
      throw new CniError(ErrorCode.invalidConfig, `runtimeConfig.portMappings[${i}].hostIP: ${m.hostIP} is IPv${v6 ? 6 : 4} but the pod has no IPv${v6 ? 6 : 4} address`);
    }
  });
}

/**
 * A repeated ADD (a runtime retrying after a timeout or a crash) must fail, as the spec says for
 * an interface that exists, without touching what the first ADD built; so it is caught here,
 * before IPAM. The host veth's name derives from the attachment: when it exists while the pod
 * has no such interface, its pod end is elsewhere (an old namespace still held open), and it
 * is a leftover of this attachment, removed so this ADD can build afresh.
 */
function checkNotAttached(run: PluginRun): void {
  if (!linkExists(run.hostVeth)) return;
  const { ifname, netns, containerId } = run.ctx.env;
  if (podHasInterface(run.runner, { netns, podIfname: ifname })) {
    throw new CniError(ErrorCode.invalidEnvironment, `CNI_IFNAME: ${ifname} already exists in ${netns} (an earlier ADD of this container made it; DEL it first)`, `container ${containerId}, host veth ${run.hostVeth}`);
  }
  run.ctx.log.warn(`removing host veth ${run.hostVeth}, left by an earlier ADD of this attachment`);
  teardownVeth(run.runner, run.hostVeth);
}

/** IPAM's answer, checked before any of it reaches the kernel. */
function checkIpamResult(ipam: Result): IpConfig[] {
  const ips = ipam.ips ?? [];
  if (!ips.length) throw new CniError(ErrorCode.invalidConfig, 'ipam: the IPAM plugin returned no address');
  ips.forEach(cidrOf);
  gatewayCidrs(ips);
  return ips;
}

/** The steps after IPAM; each pushes the undo of what it made only once it made it (the caller rolls back). */
function setupHost(run: PluginRun, ipam: Result, undo: Array<() => void>, clock: Stopwatch): Result {
  const ips = checkIpamResult(ipam);
  const { cfg, runner, ctx } = run;
  const pod = podAddresses(ips);
  checkHostIpFamilies(run, pod);
  const plan = vethPlan(run, pod);
  const bridge = ensureBridge(runner, cfg, cfg.isGateway ? gatewayCidrs(ips) : []);
  // The host veth's name is this attachment's, and checkNotAttached removed any leftover: one that exists now is this call's.
  undo.push(() => teardownVeth(runner, plan.hostVeth));
  const bridgeMac = createVeth(run, plan, bridge);
  clock.lap('host side');
  const routes = podRoutes(ips, ipam.routes ?? [], cfg.isDefaultGateway);
  setupPodSide(runner, plan, ips, routes);
  clock.lap('pod side');
  const net: NetworkRules = { network: cfg.network, bridge: cfg.bridge, subnets: ips.map((ip) => canonicalNetwork(cidrOf(ip))), ipMasq: cfg.ipMasq };
  run.firewall.ensureNetwork(net, { force: bridge.created, recreated: bridge.created });
  const tag = ownerTag(run.hostVeth, cfg.network);
  publishWithRepair(run, net, pod, tag); // adds nothing when it fails
  undo.push(() => run.firewall.unpublish((t) => t === tag));
  flushUdpConntrack(runner, ctx.log, cfg.portMappings.filter((m) => m.protocol === 'udp').map((m) => m.hostPort));
  clock.lap(`rules (${run.firewall.kind})`);
  return buildResult({
    prev: ctx.conf.prevResult ? parseResult(ctx.conf.prevResult, 'prevResult') : undefined,
    bridge: withMac(cfg.bridge, bridgeMac),
    hostVeth: { name: plan.hostVeth, mac: plan.hostMac },
    pod: { name: plan.podIfname, mac: plan.podMac, sandbox: ctx.env.netns },
    ipam: { ...ipam, ips: ips.map((ip) => (cfg.isGateway ? ip : { address: ip.address })) },
    routes,
    dns: cfg.dns,
  });
}

/**
 * ADD: IPAM, bridge, veth, pod addresses and routes, rules. When a step fails, what this call
 * created is undone, and only that: not a first ADD's interface, addresses or ports. A node the
 * agent has not set up yet gets code 11 before anything is touched (cni/plugin/readiness.ts).
 */
export function cmdAdd(run: PluginRun): Result {
  requireReady(run, ErrorCode.tryAgainLater);
  checkNetns(run.ctx.env.netns);
  checkNotAttached(run);
  const clock = startStopwatch();
  const heldBefore = ipamHeldBefore(run.ctx);
  const ipam = ipamExecAdd(run.ctx, run.runner);
  clock.lap('ipam');
  const undo: Array<() => void> = heldBefore ? [] : [() => ipamExecDel(run.ctx, run.runner)];
  try {
    const result = setupHost(run, ipam, undo, clock);
    run.ctx.log.debug(`add: ${clock.summary()}`);
    return result;
  } catch (err) {
    for (const step of undo.reverse()) {
      try {
        step();
      } catch (undoErr) {
        run.ctx.log.error(`rollback step failed: ${(undoErr as Error).message}`);
      }
    }
    throw err;
  }
}
