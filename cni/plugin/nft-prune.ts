import { nftApply, nftListElements, type NftElement } from '../host/nft';
import { CommandError, type Runner } from '../host/run';
import { formatCidr } from '../../ipam/net/cidr';
import type { NetworkRules, PruneScope } from './firewall-types';
import { deleteElementLines, networkTag, nftNetworkScript, TABLE } from './nft-rules';

/**
 * Per-network elements of `inet twill` that outlived their network. Subnet elements carry their
 * network's tag (bridge, name); bridge elements are keyed by the bridge, shared by the networks
 * on it. Untagged subnet elements (from a twill before tags) cannot be attributed and stay.
 */
const SUBNET_SET = /^(pods|masq)[46]$/;

function isBridgeElement(e: NftElement): boolean {
  return e.map === 'bridges' || e.map === 'same_bridge';
}

/** The bridge an element belongs to; undefined for an untagged subnet or a port mapping. */
function bridgeOf(e: NftElement): string | undefined {
  if (isBridgeElement(e)) return e.key.split(' . ')[0];
  return SUBNET_SET.test(e.map) ? e.comment?.split(' ')[0] : undefined;
}

/**
 * The stale ones: every element of a bridge that is gone (or just created again), the subnets
 * of a network with no attachment left, and its bridge's elements once no other network's
 * subnet names that bridge.
 */
export function nftStaleElements(elements: NftElement[], scope: PruneScope): NftElement[] {
  const gone = (bridge: string) => bridge === scope.recreated || !scope.bridgeExists(bridge);
  const own = scope.network && networkTag(scope.network.bridge, scope.network.name);
  const subnets = elements.filter((e) => SUBNET_SET.test(e.map) && e.comment !== undefined);
  const staleSubnets = subnets.filter((e) => gone(bridgeOf(e)!) || e.comment === own);
  const inUse = new Set(subnets.filter((e) => !staleSubnets.includes(e)).map(bridgeOf));
  const staleBridge = (b: string) => gone(b) || (scope.network?.bridge === b && !inUse.has(b));
  return [...staleSubnets, ...elements.filter((e) => isBridgeElement(e) && staleBridge(bridgeOf(e)!))];
}

/** The network's own subnets held untagged (put there by a twill before tags): re-added with their tag. */
function untaggedOwn(elements: NftElement[], net: NetworkRules): NftElement[] {
  const own = new Set(net.subnets.flatMap((s) => [`pods${s.ip.family} ${formatCidr(s)}`, `masq${s.ip.family} ${formatCidr(s)}`]));
  return elements.filter((e) => SUBNET_SET.test(e.map) && e.comment === undefined && own.has(`${e.map} ${e.key}`));
}

/**
 * Applies a network's script with what outlived other networks deleted in the same transaction
 * (one `nft -j list` more, only when the rules are applied, not on every ADD). When that fails
 * (a concurrent prune deleted an element first), the plain script: pruning waits for next time.
 */
export function nftApplyNetwork(runner: Runner, net: NetworkRules, scope: PruneScope): void {
  const elements = nftListElements(runner, 'inet', TABLE);
  const stale = [...nftStaleElements(elements, scope), ...untaggedOwn(elements, net)];
  if (stale.length) {
    try {
      return nftApply(runner, nftNetworkScript(net, stale));
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
    }
  }
  nftApply(runner, nftNetworkScript(net));
}

/** GC's prune; returns the bridges whose elements went. */
export function nftPruneNetworks(runner: Runner, scope: PruneScope): string[] {
  const stale = nftStaleElements(nftListElements(runner, 'inet', TABLE), scope);
  const lines = deleteElementLines(stale);
  if (lines.length) nftApply(runner, `${lines.join('\n')}\n`);
  return [...new Set(stale.map((e) => bridgeOf(e)!))];
}
