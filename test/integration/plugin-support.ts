// Shared by the plugin-*.test.ts files: network configurations for the twill plugin, an
// "outside" namespace joined to the node by a veth, and the per-test node lifecycle.
import { TestNode } from '../helpers/node';

export const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const LATEST = '1.1.0';

export type Json = Record<string, any>;

export interface NetOptions {
  name?: string;
  bridge?: string;
  /** IPv4 subnet of the network; null for none. */
  subnet?: string | null;
  /** IPv6 subnet for dual-stack. */
  subnet6?: string;
  cniVersion?: string;
  /** Extra top-level fields (ipMasq, mtu, isDefaultGateway, …). */
  extra?: Json;
  runtimeConfig?: Json;
}

/** A twill network configuration with in-process IPAM in the node's own data dir. */
export function netConf(node: TestNode, o: NetOptions = {}): Json {
  const ranges: Json[][] = [];
  if (o.subnet !== null) ranges.push([{ subnet: o.subnet ?? '10.250.1.0/24' }]);
  if (o.subnet6) ranges.push([{ subnet: o.subnet6 }]);
  const conf: Json = {
    cniVersion: o.cniVersion ?? LATEST,
    name: o.name ?? 'twt-net',
    type: 'twill',
    bridge: o.bridge ?? 'twbr0',
    ipam: { type: 'twill-ipam', dataDir: node.dataDir, ranges },
    ...o.extra,
  };
  if (o.runtimeConfig) conf.runtimeConfig = o.runtimeConfig;
  return conf;
}

/** The pod's address (without prefix) of the given family from an ADD result. */
export function podIp(result: Json, family: 4 | 6 = 4): string {
  const ip = (result.ips as Json[]).find((i) => (family === 6) === String(i.address).includes(':'));
  if (!ip) throw new Error(`no IPv${family} address in ${JSON.stringify(result)}`);
  return String(ip.address).split('/')[0];
}

export function hostVethOf(result: Json): string {
  return result.interfaces[1].name;
}

export interface Outside {
  ns: string;
  /** The node's address on the outside link. */
  nodeIp: string;
  /** The outside namespace's own address. */
  ip: string;
}

/**
 * An "outside" namespace joined to the node by a veth on 10.253.<n>.0/24 (node .1, outside .2),
 * with a route back to the pod subnets through the node; the node gets no default route.
 */
export function addOutside(node: TestNode, podSubnets: string[], n = 1): Outside {
  const ns = node.namespaces.create('two');
  const nodeIp = `10.253.${n}.1`;
  const ip = `10.253.${n}.2`;
  node.ipIn(node.name, ['link', 'add', 'twup0', 'type', 'veth', 'peer', 'name', 'up0', 'netns', ns]);
  node.ipIn(node.name, ['addr', 'add', `${nodeIp}/24`, 'dev', 'twup0']);
  node.ipIn(node.name, ['link', 'set', 'twup0', 'up']);
  node.ipIn(ns, ['link', 'set', 'lo', 'up']);
  node.ipIn(ns, ['addr', 'add', `${ip}/24`, 'dev', 'up0']);
  node.ipIn(ns, ['link', 'set', 'up0', 'up']);
  for (const s of podSubnets) node.ipIn(ns, ['route', 'add', s, 'via', nodeIp]);
  return { ns, nodeIp, ip };
}

/** Plain-object view of a failed run for readable expectation diffs. */
export function errorOf(run: { code: number | null; json: any; stdout: string }): { exit: number | null; code: unknown; msg: unknown } {
  return { exit: run.code, code: run.json?.code, msg: run.json?.msg ?? run.stdout };
}

/**
 * A fresh node per test. After each test, every attachment the test left is DELed, then the
 * node must hold no veth, port mapping or reservation; the namespaces and temp dirs go in any case.
 */
export function useNode(opts: { udpPorts?: number[] } = {}): () => TestNode {
  let node: TestNode | undefined;
  beforeEach(() => {
    node = new TestNode();
  });
  afterEach(() => {
    if (!node) return;
    const n = node;
    node = undefined;
    try {
      const failures = n.delAll();
      const left = n.leftovers(undefined, opts.udpPorts ?? []);
      expect({ failures, left }).toEqual({ failures: [], left: {} });
    } finally {
      n.cleanup();
    }
  });
  return () => {
    if (!node) throw new Error('no node outside a test');
    return node;
  };
}
