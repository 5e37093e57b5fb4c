// A small "cluster" for the overlay tests: an underlay bridge in a test-owned namespace, nodes
// (TestNode namespaces) joined to it by veths, one pod per node ADDed with dist/twill, and the
// agent's overlay reconciler (syncOverlay) run for a node with the other nodes as its peers.
// The reconciler runs in this test process; its commands enter the node's namespace through a
// runner prefix (`ip netns exec NODE …`), so nothing it does reaches the host.
import { readdirSync } from 'node:fs';
import { createAsyncRunner, type AsyncRunner } from '../../cni/host/run-async';
import { overlayConfig, syncNoMasquerade, syncOverlay, vtepMac, type OverlayConfig, type OverlaySyncReport, type Peer, type SyncScope } from '../../daemonset/overlay';
import { Namespaces, sh } from '../helpers/netns';
import { TestNode } from '../helpers/node';
import { netConf, podIp, type Json } from './plugin-support';

export const CLUSTER_CIDRS = ['10.244.0.0/16', 'fd00:244::/32'];
export const UNDERLAY_NS_IP = '192.168.200.254';
const base = createAsyncRunner({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });

export interface ClusterNode {
  /** Kubernetes node name ("n1"). */
  name: string;
  node: TestNode;
  /** Index from 1: addresses and subnets derive from it. */
  i: number;
  underlayIp: string;
  podCIDRs: string[];
  pod: string;
  podIps: { 4: string; 6: string };
  runner: AsyncRunner;
  /** Settings beyond the defaults for this node's syncs (direct routing, another underlay address…). */
  overrides: Partial<OverlayConfig>;
}

/** The runner of a node: every command enters its namespace. */
export function nodeRunner(ns: string): AsyncRunner {
  return (argv, opts) => base(['ip', 'netns', 'exec', ns, ...argv], opts);
}

export class TestCluster {
  readonly underlay = new Namespaces();
  readonly underlayNs: string;
  readonly nodes: ClusterNode[] = [];

  constructor() {
    this.underlayNs = this.underlay.create('twu');
    const ip = (args: string[]) => sh('ip', ['-n', this.underlayNs, ...args]);
    ip(['link', 'set', 'lo', 'up']);
    ip(['link', 'add', 'ul0', 'type', 'bridge']);
    ip(['addr', 'add', `${UNDERLAY_NS_IP}/24`, 'dev', 'ul0']);
    ip(['link', 'set', 'ul0', 'up']);
  }

  /**
   * A node on the underlay (192.168.LAN.i/24, fd00:LAN::i/64; LAN 200 unless given) with pod
   * subnets 10.244.i.0/24 and fd00:244:i::/64. Nodes on another LAN share the bridge but reach
   * LAN 200 only through the underlay namespace as a router (see routeLans).
   */
  addNode(i: number, lan = 200): ClusterNode {
    const node = new TestNode();
    const cn = { name: `n${i}`, node, i, underlayIp: `192.168.${lan}.${i}`, podCIDRs: [`10.244.${i}.0/24`, `fd00:244:${i}::/64`], runner: nodeRunner(node.name), overrides: {} } as ClusterNode;
    this.nodes.push(cn);
    sh('ip', ['-n', this.underlayNs, 'link', 'add', `u${i}`, 'type', 'veth', 'peer', 'name', 'ul', 'netns', node.name]);
    sh('ip', ['-n', this.underlayNs, 'link', 'set', `u${i}`, 'master', 'ul0', 'up']);
    node.ipIn(node.name, ['addr', 'add', `${cn.underlayIp}/24`, 'dev', 'ul']);
    node.ipIn(node.name, ['addr', 'add', `fd00:${lan}::${i}/64`, 'dev', 'ul', 'nodad']);
    node.ipIn(node.name, ['link', 'set', 'ul', 'up']);
    return cn;
  }

  /** The underlay namespace routes between LAN 200 and `lan`; every node gets a route to the other LAN through it. */
  routeLans(lan: number): void {
    sh('ip', ['-n', this.underlayNs, 'addr', 'add', `192.168.${lan}.254/24`, 'dev', 'ul0']);
    sh('ip', ['netns', 'exec', this.underlayNs, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    for (const n of this.nodes) {
      const other = n.underlayIp.startsWith('192.168.200.') ? lan : 200;
      n.node.ipIn(n.node.name, ['route', 'add', `192.168.${other}.0/24`, 'via', `192.168.${other === 200 ? lan : 200}.254`]);
    }
  }

  /** The node's twill network: ipMasq on, the pod's MTU that of the overlay (veth 1500 − 50). */
  conf(cn: ClusterNode): Json {
    return netConf(cn.node, { subnet: cn.podCIDRs[0], subnet6: cn.podCIDRs[1], extra: { ipMasq: true, isDefaultGateway: true, mtu: 1450 } });
  }

  /** ADDs the node's pod through dist/twill. */
  addPod(cn: ClusterNode): void {
    const { run, att } = cn.node.add(this.conf(cn));
    if (run.code !== 0) throw new Error(`ADD on ${cn.name} failed: ${run.stdout}`);
    cn.pod = att.pod!;
    cn.podIps = { 4: podIp(run.json, 4), 6: podIp(run.json, 6) };
  }

  /** The peers as the API would show them: every node with its subnets, underlay address and VTEP MAC. */
  peers(except: string[] = []): Peer[] {
    return this.nodes
      .filter((n) => !except.includes(n.name))
      .map((n) => ({ name: n.name, podCIDRs: n.podCIDRs, underlayIp: n.overrides.underlay?.address ?? n.underlayIp, vtepMac: vtepMac(n.name, 1) }));
  }

  config(cn: ClusterNode, o: Partial<OverlayConfig> = {}): OverlayConfig {
    return overlayConfig({ nodeName: cn.name, podCIDRs: cn.podCIDRs, underlay: { address: cn.underlayIp }, ...cn.overrides, ...o });
  }

  sync(cn: ClusterNode, o: { peers?: Peer[]; config?: Partial<OverlayConfig>; scope?: SyncScope } = {}): Promise<OverlaySyncReport> {
    return syncOverlay(cn.runner, { config: this.config(cn, o.config), peers: o.peers ?? this.peers() }, o.scope);
  }

  async syncAll(): Promise<OverlaySyncReport[]> {
    const reports = await Promise.all(this.nodes.map((n) => this.sync(n)));
    await Promise.all(this.nodes.map((n) => syncNoMasquerade(n.runner, CLUSTER_CIDRS)));
    return reports;
  }

  /** `ip -j ARGS` in a node, parsed. */
  json<T = Json[]>(cn: ClusterNode, args: string[]): T {
    return JSON.parse(cn.node.ipIn(cn.node.name, ['-j', ...args])) as T;
  }

  /** twill's routes in a node as "dst via gw dev". */
  routes(cn: ClusterNode): string[] {
    return this.json(cn, ['route', 'show', 'table', 'all', 'proto', '116']).map((r) => `${r.dst} via ${r.gateway} dev ${r.dev}`).sort();
  }

  fdb(cn: ClusterNode): string[] {
    const out = cn.node.exec(cn.node.name, ['bridge', '-j', 'fdb', 'show', 'dev', 'twill.1']);
    return (JSON.parse(out) as Json[]).map((e) => `${e.mac} ${e.dst}`).sort();
  }

  neighbours(cn: ClusterNode): string[] {
    return this.json(cn, ['neigh', 'show', 'dev', 'twill.1']).filter((n) => (n.state ?? []).includes('PERMANENT')).map((n) => `${n.dst} ${n.lladdr}`).sort();
  }

  /** DELs every pod, deletes every namespace; then the host must show no namespace or link of ours. */
  cleanup(): void {
    const failures: string[] = [];
    const ours = [this.underlayNs, ...this.nodes.flatMap((n) => [n.node.name, ...(n.pod ? [n.pod] : [])])];
    for (const n of this.nodes) {
      try {
        failures.push(...n.node.delAll());
      } finally {
        n.node.cleanup();
      }
    }
    this.underlay.cleanup();
    const leaked = leftovers(ours);
    if (failures.length || leaked.length) throw new Error(`cleanup: ${JSON.stringify({ failures, leaked })}`);
  }
}

/** Our namespaces still present, and links with our names in the host (there should never be any: all are made inside namespaces). */
export function leftovers(namespaces: string[]): string[] {
  let present: string[] = [];
  try {
    present = readdirSync('/run/netns');
  } catch {
    // no namespace at all
  }
  const links = (JSON.parse(sh('ip', ['-j', 'link', 'show'])) as Json[]).map((l) => String(l.ifname));
  return [...namespaces.filter((n) => present.includes(n)), ...links.filter((l) => /^(twill\.\d+|ul0?|u\d+)$/.test(l))];
}
