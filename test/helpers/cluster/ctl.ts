// twillctl as an operator runs it on a harness node: the copy `twilld install` put into the
// node's bin dir, inside the node's namespace, pointed at the node's paths with twilld's flag
// names. Asynchronous, like everything here (exec.ts says why).
import { join } from 'node:path';
import { inNs, PATH, tryRun } from './exec';
import type { ClusterNode } from './node';

export interface CtlOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed when it is JSON (--json), else undefined. */
  json: any;
}

function parsed(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/** `<node>/opt/cni/bin/twillctl --cni-conf-dir … --cni-bin-dir … --run-dir … --ipam-data-dir … ARGS`. */
export async function twillctl(node: ClusterNode, args: string[]): Promise<CtlOutcome> {
  const p = node.paths;
  const paths = ['--cni-conf-dir', p.cniConfDir, '--cni-bin-dir', p.cniBinDir, '--run-dir', p.runDir, '--ipam-data-dir', p.ipamDataDir];
  const r = await tryRun(inNs(node.ns, [join(p.cniBinDir, 'twillctl'), ...paths, ...args]), { env: { PATH }, timeoutMs: 30_000 });
  return { ...r, json: parsed(r.stdout) };
}
