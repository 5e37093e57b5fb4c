import { flushUdpConntrack } from '../host/conntrack';
import type { NftElement } from '../host/nft';
import type { PluginRun } from './context';
import { ownerTag, removePortMappings } from './firewall';
import { ipamExecDel } from './ipam';
import { teardownVeth } from './veth';

/** Host ports of removed UDP mappings ("udp . 5353" or "10.0.0.1 . udp . 5353"). */
export function udpPorts(elements: NftElement[]): number[] {
  return elements
    .map((e) => e.key.split(' . '))
    .filter((parts) => parts[parts.length - 2] === 'udp')
    .map((parts) => Number(parts[parts.length - 1]));
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
    flushUdpConntrack(runner, ctx.log, udpPorts(removePortMappings(runner, (t) => t === tag)));
  });
  attempt(() => ipamExecDel(ctx, runner));
  if (failures.length) throw failures[0];
}
