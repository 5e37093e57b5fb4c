/**
 * `twillctl gc`: releases leaked reservations (ipam.ts says which) through the IPAM library.
 * A dry run unless --yes; every release is logged on stderr.
 */
import type { Ctx, Report } from '../context';
import { gatherNode, type GatherOptions } from '../gather';
import { table } from '../output';
import { shortId, type PodRecord } from '../pods';
import { Store } from '../../../ipam/store';
import { leakReason, settlingNote } from './ipam';
import { removeCached } from '../exec/cache';

function release(store: Store, p: PodRecord): void {
  // A held attachment goes whole (entries and reservations); an orphan is one file.
  const held = store.holdings({ containerId: p.containerId, ifname: p.ifname }).length > 0;
  if (held) store.release({ containerId: p.containerId, ifname: p.ifname });
  else for (const ip of p.ips) store.removeReservation(ip);
}

export async function cmdGc(ctx: Ctx, o: GatherOptions & { yes: boolean }): Promise<Report> {
  const view = await gatherNode(ctx, o);
  const leaked = view.pods.filter((p) => p.leaked);
  const released: PodRecord[] = [];
  const failures: string[] = [];
  for (const p of o.yes ? leaked : []) {
    const dataDir = view.ipam.find((n) => n.network === p.network)!.dataDir;
    try {
      release(new Store(dataDir, p.network), p);
      removeCached(ctx.paths.runDir, p); // a result twillctl add cached for it
      released.push(p);
      ctx.io.stderr(`twillctl gc: released ${p.ips.join(', ')} of network ${p.network} (container ${p.containerId || '?'}/${p.ifname || '?'}: ${leakReason(p)})\n`);
    } catch (err) {
      failures.push(`${p.network} ${p.ips.join(',')}: ${(err as Error).message}`);
    }
  }
  const rows = leaked.map((p) => [p.network, p.ips.join('\n'), shortId(p.containerId), p.ifname, leakReason(p), released.includes(p) ? 'released' : o.yes ? 'FAILED' : 'would release']);
  const settling = view.pods.filter((p) => p.settling).length;
  const dry = o.yes || !leaked.length ? '' : '\ndry run: nothing changed (--yes releases them)\n';
  const text = table(['NETWORK', 'ADDRESSES', 'CONTAINER', 'IF', 'WHY', 'ACTION'], rows) + settlingNote(settling) + dry;
  const entries = leaked.map((p) => ({ network: p.network, ips: p.ips, containerId: p.containerId, ifname: p.ifname, why: leakReason(p), released: released.includes(p) }));
  const problems = o.yes ? failures.length : leaked.length;
  return { data: { dryRun: !o.yes, leaked: entries, settling, failures }, text, problems };
}
