import { CniError, ErrorCode } from '../core/errors';
import { ipJson, ipLinkDetails, type IpLink } from '../host/ip';
import { linkExists } from '../host/links';
import { CommandError, type Runner } from '../host/run';
import { scriptLine } from '../host/script-words';
import { ensureSysctl, readSysctl } from '../host/sysctl';
import { cidrContains, parseCidr, type Cidr } from '../../ipam/net/cidr';
import { formatIp } from '../../ipam/net/ip';
import type { TwillConfig } from './config';
import { stableMac } from './names';

export interface BridgeSetup {
  /** True when this call created the bridge (first pod of the network on this node). */
  created: boolean;
  /**
   * `ip -batch` lines that bring the bridge to the wanted state; idempotent. They follow the
   * veth's lines in the batch: a link under the bridge's name that is not a bridge makes the
   * veth's `master`/`bridge_slave` lines fail first, so these never touch it.
   */
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

/** Creates the bridge; false when a concurrent ADD (or anyone) created a link of that name first. */
function createBridge(runner: Runner, cfg: TwillConfig): boolean {
  const mtu = cfg.mtu ? ['mtu', String(cfg.mtu)] : [];
  try {
    // A fixed MAC: otherwise the bridge takes its lowest port's MAC and changes it as pods come and go.
    runner(['ip', 'link', 'add', 'name', cfg.bridge, 'address', stableMac(`bridge:${cfg.bridge}`), ...mtu, 'type', 'bridge']);
    skipLinkLocalDad(cfg.bridge); // still down: its link-local address comes with `link set up`
    return true;
  } catch (err) {
    if (err instanceof CommandError && /File exists/.test(err.stderr)) return false;
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

function notABridge(cfg: TwillConfig, details?: string): CniError {
  return new CniError(ErrorCode.invalidConfig, `bridge: "${cfg.bridge}" exists and is not a bridge`, details);
}

/**
 * The host batch ends with this line, so the same exec reports the bridge's kind and MAC as the
 * kernel sees them in the plugin's own namespace (no extra exec on the hot path).
 */
export function bridgeShowLine(cfg: TwillConfig): string {
  return scriptLine('link', 'show', 'dev', cfg.bridge);
}

/** The bridge's MAC from the batch's `link show` output (`ip -j -d`); anything but a bridge is refused. */
export function bridgeMacFrom(cfg: TwillConfig, batchStdout: string): string | undefined {
  const link = batchStdout.trim() ? (JSON.parse(batchStdout) as IpLink[])[0] : undefined;
  if (link?.linkinfo?.info_kind !== 'bridge') throw notABridge(cfg);
  return link.address;
}

/**
 * After a failed host batch: a link under the bridge's name that is no bridge made the veth's
 * `master`/`bridge_slave` lines fail before any line touched it; say so (one exec, on this
 * failure path only). Otherwise the batch's own error stands.
 */
export function explainBatchFailure(runner: Runner, cfg: TwillConfig, err: unknown): unknown {
  if (!(err instanceof CommandError)) return err;
  const link = ipLinkDetails(runner, cfg.bridge);
  return link && link.linkinfo?.info_kind !== 'bridge' ? notABridge(cfg, err.stderr.trim()) : err;
}

/**
 * Makes sure the network's bridge exists, is up and (isGateway) holds each gateway address,
 * with forwarding on. `addr replace` adds ours beside any other address, so a bridge left with
 * an old subnet's address does not fail the pod ("already has an IP address different from").
 */
export function ensureBridge(runner: Runner, cfg: TwillConfig, gateways: Cidr[]): BridgeSetup {
  const created = !linkExists(cfg.bridge) && createBridge(runner, cfg);
  const lines = [scriptLine('link', 'set', 'dev', cfg.bridge, 'up', ...(cfg.promiscMode ? ['promisc', 'on'] : []))];
  if (cfg.isGateway) {
    if (cfg.forceAddress && !created) lines.push(...staleAddressLines(runner, cfg, gateways));
    lines.push(...gateways.map((g) => gatewayLine(cfg, g)));
    if (gateways.some((g) => g.ip.family === 4)) ensureSysctl('net/ipv4/ip_forward', '1');
    if (gateways.some((g) => g.ip.family === 6)) ensureSysctl('net/ipv6/conf/all/forwarding', '1');
  }
  return { created, lines };
}
