import { CniError, ErrorCode } from '../core/errors';
import { linkExists } from '../host/links';
import { markerIsFresh, removeMarker, writeMarker } from '../host/marker';
import { nftApply } from '../host/nft';
import { CommandError, type Runner } from '../host/run';
import { ensureSysctl } from '../host/sysctl';
import { onPath } from '../host/which';
import { formatCidr } from '../../ipam/net/cidr';
import type { PortMapping } from './config';
import type { FirewallState, NetworkRules, PodAddresses, PruneScope, RemovedMapping } from './firewall-types';
import { pruneNetworksIptables } from './iptables-prune';
import { ensureNetworkIptables, iptablesState, removePortMappingsIptables, tryPublishIptables } from './iptables-rules';
import { nftApplyNetwork, nftPruneNetworks } from './nft-prune';
import { nftNetworkScript, nftPortMappingScript, nftRemovePortMappings, nftState } from './nft-rules';
import { publicationsOf, publishChecked } from './publish';

export type { NetworkRules, PodAddresses, PruneScope, RemovedMapping } from './firewall-types';

export interface PublishOptions {
  bridge: string;
  mappings: PortMapping[];
  pod: PodAddresses;
  tag: string;
}

/** NAT, published ports and isolation, whichever tool the node has: nftables first, iptables where nft is absent. */
export interface Firewall {
  kind: 'nftables' | 'iptables' | 'none';
  /**
   * Idempotent; skipped while the /run marker says this node already has exactly these rules.
   * When it applies, it also prunes what outlived other networks (see pruneNetworks), and with
   * `recreated` (this ADD created the bridge) whatever an earlier bridge of that name left.
   */
  ensureNetwork(net: NetworkRules, opts: { force: boolean; recreated?: boolean }): void;
  /** GC: the state of bridges that are gone, and of `scope.network` when none of its attachments is left. */
  pruneNetworks(scope: PruneScope): void;
  /** Adds the pod's ports unless one is taken (iptables: or overlapped) already; then adds nothing and says false. */
  tryPublish(opts: PublishOptions): boolean;
  unpublish(owned: (tag: string) => boolean): RemovedMapping[];
  state(): FirewallState;
}

/** How long a marker is trusted: rules flushed behind twill's back come back within this. */
const MARKER_TTL_MS = 60_000;

function markerName(bridge: string): string {
  return `${bridge}.rules`;
}

/**
 * Runs `apply` unless the marker (in /run, so a reboot clears it together with the rules) holds
 * exactly `content` from an apply less than a minute ago: it saves a firewall exec on almost
 * every ADD, and a `nft flush ruleset` or iptables reload is repaired by the next ADD a minute
 * later at most (applying is idempotent).
 */
function applyOnce(bridge: string, content: string, force: boolean, apply: () => void): void {
  if (!force && markerIsFresh(markerName(bridge), content, MARKER_TTL_MS)) return;
  apply();
  writeMarker(markerName(bridge), content);
}

/** After a prune: the next ADD on these bridges applies its network's rules again, whatever the marker said. */
function forgetMarkers(bridges: string[]): void {
  for (const bridge of bridges) removeMarker(markerName(bridge));
}

/** What an ADD that applies a network's rules prunes on the way. */
function addScope(net: NetworkRules, recreated: boolean | undefined): PruneScope {
  return { bridgeExists: linkExists, ...(recreated ? { recreated: net.bridge } : {}) };
}

function nftFirewall(runner: Runner): Firewall {
  return {
    kind: 'nftables',
    ensureNetwork: (net, { force, recreated }) => {
      applyOnce(net.bridge, nftNetworkScript(net), force, () => nftApplyNetwork(runner, net, addScope(net, recreated)));
    },
    pruneNetworks: (scope) => forgetMarkers(nftPruneNetworks(runner, scope)),
    // `create` fails the whole transaction when a key exists: nothing is added then.
    tryPublish: ({ mappings, pod, tag }) => {
      try {
        nftApply(runner, nftPortMappingScript(mappings, pod, tag));
        return true;
      } catch (err) {
        if (err instanceof CommandError && /File exists/.test(err.stderr)) return false;
        throw err;
      }
    },
    unpublish: (owned) => nftRemovePortMappings(runner, owned),
    state: () => nftState(runner),
  };
}

/** What the iptables rules of a network depend on (bump the version when their shape changes). */
function iptablesMarker(net: NetworkRules): string {
  return `iptables v2 ${net.bridge} ${net.network} masq=${net.ipMasq} ${net.subnets.map(formatCidr).join(' ')}\n`;
}

function iptablesFirewall(runner: Runner): Firewall {
  return {
    kind: 'iptables',
    ensureNetwork: (net, { force, recreated }) =>
      applyOnce(net.bridge, iptablesMarker(net), force, () => ensureNetworkIptables(runner, net, addScope(net, recreated))),
    pruneNetworks: (scope) => forgetMarkers(pruneNetworksIptables(runner, scope)),
    tryPublish: (opts) => tryPublishIptables(runner, opts),
    unpublish: (owned) => removePortMappingsIptables(runner, owned),
    state: () => iptablesState(runner),
  };
}

/** Neither tool: networks without ipMasq or published ports still work, the rest is refused. */
function noFirewall(): Firewall {
  const missing = () => new CniError(ErrorCode.hostSetup, 'neither nft nor iptables-restore found on PATH', 'ipMasq and portMappings need nftables (or iptables) on the node');
  return {
    kind: 'none',
    ensureNetwork: (net) => {
      if (net.ipMasq) throw missing();
    },
    tryPublish: () => {
      throw missing();
    },
    unpublish: () => [],
    pruneNetworks: () => undefined,
    state: () => ({ masqueraded: new Set(), published: [] }),
  };
}

/** Chooses by what is on the plugin's PATH: a few stat calls, no exec. */
export function selectFirewall(runner: Runner, pathVar: string | undefined): Firewall {
  if (onPath('nft', pathVar)) return nftFirewall(runner);
  if (onPath('iptables-restore', pathVar)) return iptablesFirewall(runner);
  return noFirewall();
}

/**
 * Publishes a pod's ports, or fails with 104 having added nothing (cni/plugin/publish.ts);
 * localhost:hostPort needs route_localnet, as DNATed packets keep 127.0.0.1 until masqueraded.
 */
export function publishPorts(fw: Firewall, opts: PublishOptions): void {
  if (!opts.mappings.length) return;
  if (opts.pod.ipv4) ensureSysctl(`net/ipv4/conf/${opts.bridge}/route_localnet`, '1');
  publishChecked(
    { tryPublish: () => fw.tryPublish(opts), published: () => fw.state().published, removeOwn: () => void fw.unpublish((t) => t === opts.tag) },
    publicationsOf(opts.mappings, opts.pod, opts.tag),
  );
}
