// Teardown of a Cluster, in dependency order and blind to failures of one step (each step is
// tried; the leak report afterwards says what really remains): pings and agents first (they
// use the rest), then pods, relays, namespaces, the host relay, the API server, the files.
import { rmSync } from 'node:fs';
import type { ClusterState } from './cluster';
import { leftovers, type Leftovers } from './leaks';
import { cniDel } from './pods';
import { deleteNamespace, namespacesWithPrefix } from './underlay';

/** The plugin's per-node "rules applied" markers, keyed by the node namespace's inode. */
export const markerFiles = (s: ClusterState) => s.inodes.map((ino) => `/run/twill/ns-${ino}`);

async function stopProcesses(s: ClusterState): Promise<void> {
  await Promise.all(s.loops.map((l) => l.process.kill()));
  await Promise.all(s.agents.map((a) => a.stop('SIGTERM', 3000)));
  await Promise.all(s.relays.map((r) => r.kill()));
}

/** DEL each pod still there (its IPAM files and veth go), best effort. */
async function deletePods(s: ClusterState): Promise<void> {
  for (const pod of [...s.pods].reverse()) {
    await cniDel(pod).catch(() => undefined);
    await deleteNamespace(pod.ns);
  }
  s.pods.length = 0;
}

export async function teardownCluster(s: ClusterState): Promise<Leftovers> {
  await stopProcesses(s);
  await deletePods(s);
  // Markers go while the namespaces exist: once gone, an inode number may name someone else's.
  for (const f of markerFiles(s)) rmSync(f, { recursive: true, force: true });
  // Every namespace of the run, also ones a failed step did not record (pods, nodes, underlay last).
  const all = await namespacesWithPrefix(s.names.prefix);
  for (const ns of all.filter((n) => n !== s.names.underlay)) await deleteNamespace(ns);
  await deleteNamespace(s.names.underlay);
  await s.relay?.close();
  if (s.ownsApi) await s.api.close();
  rmSync(s.root, { recursive: true, force: true });
  const pids = [...s.loops.map((l) => l.process.pid), ...s.agents.flatMap((a) => a.pids), ...s.relays.map((r) => r.pid)];
  return leftovers({ prefix: s.names.prefix, root: s.root, files: markerFiles(s), pids });
}
