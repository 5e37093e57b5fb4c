// A test body around a started cluster: agents' output appended to a failure, and teardown
// that must leave nothing behind (checked even when the body failed).
import { Cluster, type ClusterOptions, type NodeSpec } from './cluster';

/** `specs`: the nodes, or the whole ClusterOptions (e.g. another build to install). */
export async function withCluster(specs: number | NodeSpec[] | ClusterOptions, body: (c: Cluster) => Promise<void>, afterTeardown?: () => Promise<void>): Promise<void> {
  const cluster = await Cluster.start(typeof specs === 'object' && !Array.isArray(specs) ? specs : { nodes: specs });
  try {
    await body(cluster);
  } catch (e) {
    // The agents' own account is the first thing a failed e2e test needs.
    const logs = cluster.nodes.map((n) => cluster.agentOn(n)?.output(80) ?? '').join('\n');
    (e as Error).message += `\n\nagent output:\n${logs}`;
    throw e;
  } finally {
    const left = await cluster.teardown();
    expect(left).toEqual({ namespaces: [], processes: [], files: [] });
    await afterTeardown?.();
  }
}
