// The underlay: one namespace holding a Linux bridge per link (br0, br1), and the node
// namespaces joined to a bridge by a veth whose node end is `eth0` (MTU 1500). The underlay
// namespace also has an address on each link and forwards between them: it is the router that
// puts link 1 off-link from link 0 (one L3 hop), so direct routing (same link) and VXLAN
// (across the router) can be told apart. Every node's default route points at it, as a real
// node's does. The veths are created inside the underlay namespace: no host interface changes.
import { gateway, nodeAddresses, PREFIX_LEN, type LinkIndex } from './names';
import { run, sysctlIn } from './exec';

const ip = (ns: string, args: string[]) => run(['ip', '-n', ns, ...args]);

export interface UnderlayAddress {
  ipv4: string;
  ipv6: string;
  link: LinkIndex;
}

/** Creates the underlay namespace with `links` bridges, each with its gateway address. */
export async function createUnderlay(ns: string, links: 1 | 2): Promise<void> {
  await run(['ip', 'netns', 'add', ns]);
  await ip(ns, ['link', 'set', 'lo', 'up']);
  for (let l = 0 as LinkIndex; l < links; l = (l + 1) as LinkIndex) {
    const gw = gateway(l);
    await ip(ns, ['link', 'add', `br${l}`, 'mtu', '1500', 'type', 'bridge']);
    await ip(ns, ['addr', 'add', `${gw.ipv4}/${PREFIX_LEN.ipv4}`, 'dev', `br${l}`]);
    await ip(ns, ['addr', 'add', `${gw.ipv6}/${PREFIX_LEN.ipv6}`, 'dev', `br${l}`, 'nodad']);
    await ip(ns, ['link', 'set', `br${l}`, 'up']);
  }
  await sysctlIn(ns, 'net.ipv4.ip_forward', '1');
  await sysctlIn(ns, 'net.ipv6.conf.all.forwarding', '1');
}

/** Creates node namespace `ns` (index i from 1) on `link`: eth0 with both addresses, forwarding on. */
export async function createNodeNamespace(o: { ns: string; underlay: string; i: number; link: LinkIndex }): Promise<UnderlayAddress> {
  const addr = nodeAddresses(o.i, o.link);
  const port = `n${o.i}`; // the bridge port's name, inside the underlay namespace only
  await run(['ip', 'netns', 'add', o.ns]);
  await ip(o.ns, ['link', 'set', 'lo', 'up']);
  await ip(o.underlay, ['link', 'add', port, 'mtu', '1500', 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', '1500', 'netns', o.ns]);
  await ip(o.underlay, ['link', 'set', port, 'master', `br${o.link}`, 'up']);
  await ip(o.ns, ['addr', 'add', `${addr.ipv4}/${PREFIX_LEN.ipv4}`, 'dev', 'eth0']);
  // nodad: the address is usable at once instead of after a second of duplicate detection.
  await ip(o.ns, ['addr', 'add', `${addr.ipv6}/${PREFIX_LEN.ipv6}`, 'dev', 'eth0', 'nodad']);
  await ip(o.ns, ['link', 'set', 'eth0', 'up']);
  const gw = gateway(o.link);
  await ip(o.ns, ['route', 'add', 'default', 'via', gw.ipv4, 'dev', 'eth0']);
  await ip(o.ns, ['-6', 'route', 'add', 'default', 'via', gw.ipv6, 'dev', 'eth0']);
  await sysctlIn(o.ns, 'net.ipv4.ip_forward', '1');
  await sysctlIn(o.ns, 'net.ipv6.conf.all.forwarding', '1');
  return { ...addr, link: o.link };
}

/** Deletes a namespace; false when it was not there. */
export async function deleteNamespace(ns: string): Promise<boolean> {
  try {
    await run(['ip', 'netns', 'del', ns]);
    return true;
  } catch {
    return false;
  }
}

/** Network namespaces whose names start with `prefix`. */
export async function namespacesWithPrefix(prefix: string): Promise<string[]> {
  const { stdout } = await run(['ip', 'netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(prefix));
}
