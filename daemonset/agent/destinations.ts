// Every network's cluster destinations in one place, because two pieces of kernel state are
// shared by all networks: the plugin's nomasq4/nomasq6 sets (its one masquerade rule) must hold
// the UNION of every network's destinations, and the isolation table (overlay/isolation.ts)
// holds each network's beside the union. A controller reports only its own network's list; the
// sets are written from all of them, one update at a time, so networks never undo each other.
import type { NetworkSettings } from '../config/types';

export interface DestinationSinks {
  /** Makes the NAT exemption sets hold `cidrs`; true when it changed them. */
  noMasquerade(cidrs: string[], verify: boolean): Promise<boolean>;
  /** Makes the isolation table match the networks' lists (config order); true when it changed it. */
  isolation(networks: string[][], verify: boolean): Promise<boolean>;
}

function isSortedUnique(list: readonly string[]): boolean {
  for (let i = 1; i < list.length; i++) if (!(list[i - 1] < list[i])) return false;
  return true;
}

export class ClusterDestinations {
  /** Seeded with the configured cluster CIDRs: a network not yet reported is still exempt and isolated. */
  private readonly lists: string[][];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(networks: readonly NetworkSettings[], private readonly sinks: DestinationSinks) {
    this.lists = networks.map((n) => [...n.clusterCIDRs]);
  }

  /** Every network's destinations together, each once, sorted. */
  get union(): string[] {
    // One network's list usually is that already (5,000 node subnets: a Set and a sort per event saved).
    if (this.lists.length === 1 && isSortedUnique(this.lists[0])) return this.lists[0];
    return [...new Set(this.lists.flat())].sort();
  }

  /** networks[index] now has `cidrs`; resolves when the shared state holds them (true when it changed). */
  update(index: number, cidrs: string[], verify: boolean): Promise<boolean> {
    this.lists[index] = [...cidrs];
    const run = this.queue.catch(() => undefined).then(() => this.apply(verify));
    this.queue = run;
    return run;
  }

  private async apply(verify: boolean): Promise<boolean> {
    const nat = await this.sinks.noMasquerade(this.union, verify);
    const isolation = await this.sinks.isolation(this.lists.map((l) => [...l]), verify);
    return nat || isolation;
  }
}
