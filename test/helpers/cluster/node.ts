// One node of the harness's cluster: its namespace, underlay addresses and the per-node files
// (the agent's paths all live under the node's own directory, so several agents coexist).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LinkIndex } from './names';

export interface NodePaths {
  /** The node's directory; everything below is the node's. */
  dir: string;
  cniConfDir: string;
  cniBinDir: string;
  runDir: string;
  ipamDataDir: string;
  kubeconfig: string;
  /** The agent's --config file. */
  agentConfig: string;
}

export interface ClusterNode {
  /** Kubernetes node name: "n1", "n2" … */
  name: string;
  /** From 1; the node's underlay addresses derive from it. */
  index: number;
  /** Its network namespace (/run/netns/<ns>). */
  ns: string;
  link: LinkIndex;
  /** eth0's addresses (the node's InternalIPs). */
  ipv4: string;
  ipv6: string;
  paths: NodePaths;
}

/** Creates the node's directories under `root`/<name>. */
export function nodePaths(root: string, name: string): NodePaths {
  const dir = join(root, name);
  const paths: NodePaths = {
    dir,
    cniConfDir: join(dir, 'etc/cni/net.d'),
    cniBinDir: join(dir, 'opt/cni/bin'),
    runDir: join(dir, 'run/twill'),
    ipamDataDir: join(dir, 'var/lib/cni/networks'),
    kubeconfig: join(dir, 'kubeconfig'),
    agentConfig: join(dir, 'twilld.json'),
  };
  for (const d of [paths.cniConfDir, paths.cniBinDir, paths.runDir, paths.ipamDataDir]) mkdirSync(d, { recursive: true });
  return paths;
}
