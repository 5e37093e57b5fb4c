import { CniError, ErrorCode } from '../core/errors';
import { ipJson, type IpLink } from '../host/ip';
import { CommandError, type Runner } from '../host/run';
import { scriptLine } from '../host/script-words';
import { ensureSysctl, readSysctl } from '../host/sysctl';
import { isBridge, linkExists } from '../host/sysfs';
import { cidrContains, parseCidr, type Cidr } from '../../ipam/net/cidr';
import { formatIp } from '../../ipam/net/ip';
import type { TwillConfig } from './config';
import { stableMac } from './names';

export interface BridgeSetup {
  /** True when this call created the bridge (first pod of the network on this node). */
  created: boolean;
  /** `ip -batch` lines that bring the bridge to the wanted state; idempotent. */
  lines: string[];
}

/**
 * No DAD for the bridge's link-local address: while it is tentative (1-2 s after the bridge comes
 * up) the kernel sends no neighbour solicitation for forwarded IPv6 packets, so traffic routed to
 * the first pods (published ports, other nodes) is dropped. The bridge and its MAC are ours alone.
 */
function skipLinkLocalDad(bridge: string): void {
  const key = `net/ipv6/conf/${bridge}/accept_dad`;
  if (readSysctl(key) !== undefined) ensureSysctl(key, '0'); // absent when IPv6 is disabled
}

/** Creates the bridge when missing; a concurrent ADD creating it first is fine. */
function createBridge(runner: Runner, cfg: TwillConfig): boolean {
  const mtu = cfg.mtu ? ['mtu', String(cfg.mtu)] : [];
  try {
    // A fixed MAC: otherwise the bridge takes its lowest port's MAC and changes it as pods come and go.
    runner(['ip', 'link', 'add', 'name', cfg.bridge, 'address', stableMac(`bridge:${cfg.bridge}`), ...mtu, 'type', 'bridge']);
    skipLinkLocalDad(cfg.bridge); // still down: its link-local address comes with `link set up`
    return true;
  } catch (err) {
    if (err instanceof CommandError && /File exists/.test(err.stderr) && isBridge(cfg.bridge)) return false;
    throw err;
  }
}

function gatewayLine(cfg: TwillConfig, gw: Cidr): string {
  return scriptLine('addr', 'replace', `${formatIp(gw.ip)}/${gw.prefix}`, 'dev', cfg.bridge, ...(gw.ip.family === 6 ? ['nodad'] : []));
}

/** forceAddress: addresses of the bridge inside a gateway's subnet that are not the gateway go. */
function staleAddressLines(runner: Runner, cfg: TwillConfig, gateways: Cidr[]): string[] {
  const [link] = ipJson<IpLink[]>(runner, ['addr', 'show', 'dev', cfg.bridge]);
  const stale = (link?.addr_info ?? []).filter((a) => {
    const own = parseCidr(`${a.local}/${a.prefixlen}`);
    return own && a.scope !== 'link' && gateways.some((g) => cidrContains(g, own.ip) && formatIp(g.ip) !== a.local);
  });
  return stale.map((a) => scriptLine('addr', 'del', `${a.local}/${a.prefixlen}`, 'dev', cfg.bridge));
}

/**
 * Makes sure the network's bridge exists, is up and (isGateway) holds each gateway address,
 * with forwarding on. `addr replace` adds ours beside any other address, so a bridge left with
 * an old subnet's address does not fail the pod ("already has an IP address different from").
 */
export function ensureBridge(runner: Runner, cfg: TwillConfig, gateways: Cidr[]): BridgeSetup {
  let created = false;
  if (!linkExists(cfg.bridge)) created = createBridge(runner, cfg);
  else if (!isBridge(cfg.bridge)) {
    throw new CniError(ErrorCode.invalidConfig, `bridge: "${cfg.bridge}" exists and is not a bridge`);
  }
  const lines = [scriptLine('link', 'set', 'dev', cfg.bridge, 'up', ...(cfg.promiscMode ? ['promisc', 'on'] : []))];
  if (cfg.isGateway) {
    if (cfg.forceAddress && !created) lines.push(...staleAddressLines(runner, cfg, gateways));
    lines.push(...gateways.map((g) => gatewayLine(cfg, g)));
    if (gateways.some((g) => g.ip.family === 4)) ensureSysctl('net/ipv4/ip_forward', '1');
    if (gateways.some((g) => g.ip.family === 6)) ensureSysctl('net/ipv6/conf/all/forwarding', '1');
  }
  return { created, lines };
}
