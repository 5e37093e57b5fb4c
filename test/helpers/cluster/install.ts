// Each node's CNI bin dir is filled the way the DaemonSet's init container fills a node's
// /opt/cni/bin: `twilld install --cni-bin-dir <node>/opt/cni/bin`, inside the node. Pods then run
// the plugins from there (pods.ts), never from dist/: the e2e suites test the installed layout.
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { TWILLD } from './agent';
import { inNs, run } from './exec';
import type { ClusterNode } from './node';

export interface InstallSpec {
  /** The twilld whose build is installed (no --from: it installs its own directory, as the image's does); default dist/twilld. */
  twilld?: string;
}

/** Runs the installer into the node's cniBinDir; its stdout (one line per file). */
export async function installOnNode(node: ClusterNode, o: InstallSpec = {}): Promise<string> {
  const argv = inNs(node.ns, [o.twilld ?? TWILLD, 'install', '--cni-bin-dir', node.paths.cniBinDir]);
  return (await run(argv, { timeoutMs: 120_000 })).stdout;
}

/** The plugin a pod's chain runs must be a file the installer put into the node's bin dir (not dist/, not a link to it). */
export function assertInstalled(node: ClusterNode, plugin: string): string {
  const real = realpathSync(plugin);
  if (dirname(real) !== realpathSync(node.paths.cniBinDir)) {
    throw new Error(`${plugin} is ${real}, not a file installed in ${node.paths.cniBinDir}: pods must run the installed layout`);
  }
  return plugin;
}
