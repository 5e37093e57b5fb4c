import { CniError, ErrorCode } from '../core/errors';
import { ipJson, type IpLink } from '../host/ip';
import { linkExists } from '../host/links';
import { validAttachments } from '../../ipam/index';
import type { PluginRun } from './context';
import { ownerTag } from './firewall';
import { ipamExecMaintenance } from './ipam';
import { HOST_VETH_PATTERN, hostVethName } from './names';
import { teardownVeth } from './veth';

/** GC: host veths, port mappings and addresses of attachments the runtime no longer knows; keeps going past failures. */
export function cmdGc(run: PluginRun): void {
  const { ctx, cfg, runner } = run;
  const valid = validAttachments(ctx.conf);
  const validVeths = new Set(valid.map((a) => hostVethName(a.containerId, a.ifname)));
  const failures: string[] = [];
  const ports = linkExists(cfg.bridge) ? ipJson<IpLink[]>(runner, ['link', 'show', 'master', cfg.bridge]) : [];
  for (const link of ports) {
    if (!HOST_VETH_PATTERN.test(link.ifname) || validVeths.has(link.ifname)) continue;
    try {
      teardownVeth(runner, link.ifname);
      ctx.log.info(`gc removed veth ${link.ifname}`);
    } catch (err) {
      failures.push(`${link.ifname}: ${(err as Error).message}`);
    }
  }
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
  try {
    ipamExecMaintenance(ctx, runner, 'GC');
  } catch (err) {
    failures.push(`ipam: ${(err as Error).message}`);
  }
  if (failures.length) throw new CniError(ErrorCode.io, `gc: ${failures.length} step(s) failed`, failures.join('; '));
}
