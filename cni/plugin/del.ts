import { flushUdpConntrack } from '../host/conntrack';
import type { PluginRun } from './context';
import type { RemovedMapping } from './firewall';
import { ownerTag } from './names';
import { ipamExecDel } from './ipam';
import { teardownVeth } from './veth';

export function udpPorts(removed: RemovedMapping[]): number[] {
  return removed.filter((m) => m.protocol === 'udp').map((m) => m.hostPort);
}

/**
 * DEL: every step runs even when an earlier one fails, and none needs the pod's namespace:
 * the host veth name, the port-mapping tags and the IPAM entry all derive from the attachment.
 */
export function cmdDel(run: PluginRun): void {
  const { ctx, cfg, runner, hostVeth } = run;
  const failures: unknown[] = [];
  const attempt = (step: () => void) => {
    try {
      step();
    } catch (err) {
      failures.push(err);
    }
  };
  attempt(() => teardownVeth(runner, hostVeth));
  attempt(() => {
    const tag = ownerTag(hostVeth, cfg.network);
    flushUdpConntrack(runner, ctx.log, udpPorts(run.firewall.unpublish((t) => t === tag)));
  });
  attempt(() => ipamExecDel(ctx, runner));
  if (failures.length) throw failures[0];
}
