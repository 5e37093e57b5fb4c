// Pods as a runtime makes them on a harness node: a fresh network namespace, then the conflist
// the agent wrote in the node's cniConfDir run down its plugin chain as libcni does (configs
// built by ../chain.ts: name and cniVersion injected, prevResult passed along), each plugin a
// fresh process with CNI_* env and the config on stdin, inside the node's namespace. DEL goes
// up the chain with the cached result. Asynchronous (see exec.ts), unlike ChainRunner.exec.
// CNI_PATH is the node's bin dir alone, as `twilld install` filled it (install.ts): every plugin
// run is checked to be a file there, so dist/ can never stand in for the installed layout.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChainRunner, PluginError, type Json, type NetConfList, type RuntimeConf } from '../chain';
import { inNs, PATH, run, tryRun } from './exec';
import { assertInstalled } from './install';
import type { ClusterNode } from './node';

export interface Pod {
  name: string;
  /** Its Kubernetes namespace (K8S_POD_NAMESPACE in CNI_ARGS). */
  namespace: string;
  node: ClusterNode;
  /** The pod's network namespace. */
  ns: string;
  containerId: string;
  ifname: string;
  list: NetConfList;
  /** The last plugin's ADD result. */
  result: Json;
  /** eth0's addresses without prefix, by family. */
  ipv4?: string;
  ipv6?: string;
}

/** The conflist libcni would pick: `name`'s file when given (10-<name> or 80-<name>), else the first *.conflist by name. */
export function readConflist(dir: string, network?: string): NetConfList {
  const files = readdirSync(dir).filter((f) => f.endsWith('.conflist')).sort();
  const named = network && files.find((f) => f === `10-${network}.conflist` || f === `80-${network}.conflist`);
  const file = network ? named || `10-${network}.conflist` : files[0];
  if (!file || !existsSync(join(dir, file))) throw new Error(`no ${network ? file : '*.conflist'} in ${dir} (has: ${files.join(', ') || 'nothing'})`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as NetConfList;
}

/** CNI_PATH: the node's bin dir only (what the installer put there), as a node's runtime has /opt/cni/bin. */
export function cniPath(node: ClusterNode): string[] {
  return [node.paths.cniBinDir];
}

/** CNI_ARGS as kubelet passes them (on ADD and DEL): the plugin records the pod in its reservation. */
function kubeletArgs(namespace: string, name: string): Array<[string, string]> {
  return [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', namespace], ['K8S_POD_NAME', name]];
}

/** One plugin call inside the node; throws PluginError as ChainRunner does. */
async function execPlugin(node: ClusterNode, chain: ChainRunner, type: string, command: string, conf: Json, rt: RuntimeConf): Promise<Json | undefined> {
  const args = (rt.args ?? []).map(([k, v]) => `${k}=${v}`).join(';');
  const env = { PATH, CNI_COMMAND: command, CNI_CONTAINERID: rt.containerId, CNI_NETNS: rt.netns, CNI_IFNAME: rt.ifname, CNI_PATH: cniPath(node).join(':'), CNI_ARGS: args };
  const plugin = assertInstalled(node, chain.findPlugin(type));
  const r = await tryRun(inNs(node.ns, [plugin]), { env, input: JSON.stringify(conf), timeoutMs: 30_000 });
  if (r.code !== 0) throw new PluginError(type, command, r.code, r.stdout, r.stderr);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Json) : undefined;
}

function addressOf(result: Json, family: 4 | 6): string | undefined {
  const ip = ((result.ips ?? []) as Json[]).find((i) => String(i.address).includes(':') === (family === 6));
  return ip ? String(ip.address).split('/')[0] : undefined;
}

/** ADD down the chain for a pod whose namespace `ns` exists; the namespace is the caller's. */
export async function cniAdd(o: { node: ClusterNode; name: string; namespace?: string; ns: string; list: NetConfList; ifname?: string }): Promise<Pod> {
  const chain = new ChainRunner({ path: cniPath(o.node), node: o.node.ns });
  const namespace = o.namespace ?? 'default';
  const rt: RuntimeConf = { containerId: `twe-${o.name}`, netns: `/run/netns/${o.ns}`, ifname: o.ifname ?? 'eth0', args: kubeletArgs(namespace, o.name) };
  let result: Json | undefined;
  for (const plugin of o.list.plugins) {
    result = await execPlugin(o.node, chain, plugin.type, 'ADD', chain.buildConfig(o.list, plugin, result, rt), rt);
    if (!result) throw new Error(`${plugin.type} ADD printed no result`);
  }
  return { name: o.name, namespace, node: o.node, ns: o.ns, containerId: rt.containerId, ifname: rt.ifname, list: o.list, result: result!, ipv4: addressOf(result!, 4), ipv6: addressOf(result!, 6) };
}

/** DEL up the chain with the cached result, as DelNetworkList does. */
export async function cniDel(pod: Pod): Promise<void> {
  const chain = new ChainRunner({ path: cniPath(pod.node), node: pod.node.ns });
  const rt: RuntimeConf = { containerId: pod.containerId, netns: `/run/netns/${pod.ns}`, ifname: pod.ifname, args: kubeletArgs(pod.namespace, pod.name) };
  for (const plugin of [...pod.list.plugins].reverse()) await execPlugin(pod.node, chain, plugin.type, 'DEL', chain.buildConfig(pod.list, plugin, pod.result, rt), rt);
}

export interface PingOptions {
  /** A pod, or any namespace name (a node's). */
  from: Pod | string;
  to: string;
  /** ICMP payload bytes (-s). */
  size?: number;
  /** Don't fragment (-M do): a too-big packet fails instead of being split. */
  df?: boolean;
  /** Attempts before saying false (default 3: a first ARP/ND may be slow). */
  tries?: number;
}

export function nsOf(from: Pod | string): string {
  return typeof from === 'string' ? from : from.ns;
}

/** One echo request and reply, within a few tries. */
export async function ping(o: PingOptions): Promise<boolean> {
  const argv = ['ping', '-n', '-c1', '-W1', ...(o.size !== undefined ? ['-s', String(o.size)] : []), ...(o.df ? ['-M', 'do'] : []), o.to];
  for (let i = 0; i < (o.tries ?? 3); i++) if ((await tryRun(inNs(nsOf(o.from), argv), { timeoutMs: 5000 })).code === 0) return true;
  return false;
}

export async function createPodNamespace(ns: string): Promise<void> {
  await run(['ip', 'netns', 'add', ns]);
}
