// Pod bookkeeping of a Cluster: each pod's namespace is the run's (twe-<run>-<node>-<pod>), and
// every pod ADDed is remembered until its DEL, so teardown knows what to remove.
import type { ClusterState } from './cluster';
import type { ClusterNode } from './node';
import { cniAdd, cniDel, createPodNamespace, readConflist, type Pod } from './pods';
import { deleteNamespace } from './underlay';

export async function addPod(s: ClusterState, o: { node: ClusterNode; name: string; namespace?: string; network?: string; ifname?: string }): Promise<Pod> {
  if (!/^[a-z0-9]{1,12}$/.test(o.name)) throw new Error(`addPod: name ${JSON.stringify(o.name)} must be 1-12 of [a-z0-9]`);
  if (s.pods.some((p) => p.node === o.node && p.name === o.name)) throw new Error(`addPod: ${o.node.name} already has a pod ${o.name}`);
  const list = readConflist(o.node.paths.cniConfDir, o.network);
  const ns = s.names.pod(o.node.name, o.name);
  await createPodNamespace(ns);
  try {
    const pod = await cniAdd({ node: o.node, name: o.name, namespace: o.namespace, ns, list, ifname: o.ifname });
    s.pods.push(pod);
    return pod;
  } catch (e) {
    await deleteNamespace(ns);
    throw e;
  }
}

export async function delPod(s: ClusterState, pod: Pod): Promise<void> {
  await cniDel(pod);
  s.pods.splice(s.pods.indexOf(pod), 1);
  await deleteNamespace(pod.ns);
}
