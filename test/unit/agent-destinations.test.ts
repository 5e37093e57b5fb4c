// The cluster destinations every network shares: the NAT exemption sets hold the union of all
// networks' (so no controller undoes another's), the isolation table each network's list.
import { ClusterDestinations } from '../../daemonset/agent/destinations';
import type { NetworkSettings } from '../../daemonset/config/types';

const net = (name: string, clusterCIDRs: string[]): NetworkSettings => ({ name, bridge: `br-${name}`, vni: 1, clusterCIDRs, nodePrefixLength: { ipv4: 24, ipv6: 64 }, ipMasq: true });

function sinks() {
  const calls = { nat: [] as string[][], isolation: [] as string[][][] };
  return {
    calls,
    sinks: {
      noMasquerade: async (cidrs: string[]) => (calls.nat.push(cidrs), true),
      isolation: async (networks: string[][]) => (calls.isolation.push(networks), true),
    },
  };
}

describe('ClusterDestinations', () => {
  it('keeps the NAT exemption at the union of every network, whichever reports', async () => {
    const { calls, sinks: s } = sinks();
    const d = new ClusterDestinations([net('pods', []), net('blue', ['10.215.0.0/16'])], s);
    await d.update(0, ['10.244.1.0/24', '10.244.2.0/24'], true);
    await d.update(1, ['10.215.0.0/16'], false);
    await d.update(0, ['10.244.1.0/24'], false);
    expect(calls.nat).toEqual([
      ['10.215.0.0/16', '10.244.1.0/24', '10.244.2.0/24'],
      ['10.215.0.0/16', '10.244.1.0/24', '10.244.2.0/24'],
      ['10.215.0.0/16', '10.244.1.0/24'],
    ]);
    expect(calls.isolation.at(-1)).toEqual([['10.244.1.0/24'], ['10.215.0.0/16']]);
  });

  it('holds a network not yet reported by its configured cluster CIDRs', async () => {
    const { calls, sinks: s } = sinks();
    await new ClusterDestinations([net('pods', ['10.213.0.0/16']), net('blue', ['10.215.0.0/16', 'fd15::/56'])], s).update(0, ['10.213.0.0/16'], true);
    expect(calls.nat[0]).toEqual(['10.213.0.0/16', '10.215.0.0/16', 'fd15::/56']);
  });

  it('applies one update at a time, in order, and a failed one does not block the next', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    const d = new ClusterDestinations([net('a', ['10.1.0.0/16']), net('b', ['10.2.0.0/16'])], {
      noMasquerade: async (cidrs) => {
        order.push(`start ${cidrs.join()}`);
        if (first) {
          first = false;
          await gate;
          order.push('end 1');
          throw new Error('nft: busy');
        }
        return true;
      },
      isolation: async () => false,
    });
    const one = d.update(0, ['10.1.0.0/16', '10.3.0.0/16'], false);
    const two = d.update(1, ['10.2.0.0/16'], false);
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['start 10.1.0.0/16,10.2.0.0/16,10.3.0.0/16']);
    release();
    await expect(one).rejects.toThrow('nft: busy');
    await expect(two).resolves.toBe(true);
    expect(order).toEqual(['start 10.1.0.0/16,10.2.0.0/16,10.3.0.0/16', 'end 1', 'start 10.1.0.0/16,10.2.0.0/16,10.3.0.0/16']);
  });
});
