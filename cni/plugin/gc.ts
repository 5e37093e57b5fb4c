import { CniError, ErrorCode } from '../core/errors';
import { ipBatch, ipJson, type IpLink } from '../host/ip';
import { linkExists } from '../host/links';
import { validAttachments } from '../../ipam/index';
import type { PluginRun } from './context';
import { ipamExecMaintenance } from './ipam';
import { HOST_VETH_PATTERN, hostVethName, ownerTag } from './names';
import { ownerAliasLine, teardownVeth } from './veth';

/**
 * The bridge's host veths sorted for GC. Networks may share a bridge, so a veth is this
 * network's only when its alias is this network's owner tag (ADD sets it). A veth without an
 * alias was made by a twill before aliases: a valid one is ours and gets its alias now, any
 * other cannot be attributed and is left alone (it may be a live pod of another network).
 */
function sortVeths(run: PluginRun, validVeths: Set<string>): { stale: string[]; unaliased: string[] } {
  const { cfg, runner, ctx } = run;
  const ports = linkExists(cfg.bridge) ? ipJson<IpLink[]>(runner, ['link', 'show', 'master', cfg.bridge]) : [];
  const stale: string[] = [];
  const unaliased: string[] = [];
  for (const { ifname, ifalias } of ports.filter((l) => HOST_VETH_PATTERN.test(l.ifname))) {
    if (validVeths.has(ifname)) {
      if (!ifalias) unaliased.push(ifname);
    } else if (ifalias === ownerTag(ifname, cfg.network)) stale.push(ifname);
    else if (!ifalias) ctx.log.info(`gc leaves veth ${ifname} alone: it has no owner alias (made by an older twill), so its network is unknown`);
  }
  return { stale, unaliased };
}

function collectVeths(run: PluginRun, validVeths: Set<string>, failures: string[]): void {
  const { stale, unaliased } = sortVeths(run, validVeths);
  for (const veth of stale) {
    try {
      teardownVeth(run.runner, veth);
      run.ctx.log.info(`gc removed veth ${veth}`);
    } catch (err) {
      failures.push(`${veth}: ${(err as Error).message}`);
    }
  }
  try {
    ipBatch(run.runner, unaliased.map((veth) => ownerAliasLine(veth, run.cfg.network)));
  } catch (err) {
    failures.push(`owner aliases: ${(err as Error).message}`);
  }
}

/** GC's firewall steps: the stale attachments' port mappings, then the state of networks that are gone. */
function collectRules(run: PluginRun, validVeths: Set<string>, failures: string[]): void {
  const { cfg } = run;
  // A tag is ownerTag(veth, network); deriving it again from its veth part still matches when a long
  // network name was cut to nft's comment limit, where comparing the " network" suffix would not.
  const stale = (tag: string) => {
    const veth = tag.split(' ')[0];
    return !validVeths.has(veth) && ownerTag(veth, cfg.network) === tag;
  };
  try {
    run.firewall.unpublish(stale);
  } catch (err) {
    failures.push(`port mappings: ${(err as Error).message}`);
  }
  // No valid attachment left: the network's bridge and subnets leave the firewall state too.
  const network = validVeths.size ? undefined : { name: cfg.network, bridge: cfg.bridge };
  try {
    run.firewall.pruneNetworks({ bridgeExists: linkExists, ...(network ? { network } : {}) });
  } catch (err) {
    failures.push(`network rules: ${(err as Error).message}`);
  }
}

/** GC: host veths, port mappings and addresses of attachments the runtime no longer knows, and the state of gone networks; keeps going past failures. */
export function cmdGc(run: PluginRun): void {
  const { ctx, runner } = run;
  const valid = validAttachments(ctx.conf);
  const validVeths = new Set(valid.map((a) => hostVethName(a.containerId, a.ifname)));
  const failures: string[] = [];
  collectVeths(run, validVeths, failures);
  collectRules(run, validVeths, failures);
  try {
    ipamExecMaintenance(ctx, runner, 'GC');
  } catch (err) {
    failures.push(`ipam: ${(err as Error).message}`);
  }
  if (failures.length) throw new CniError(ErrorCode.io, `gc: ${failures.length} step(s) failed`, failures.join('; '));
}
