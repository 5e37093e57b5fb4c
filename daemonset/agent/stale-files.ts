/**
 * The run directory's per-network files (`ready-<network>.json`, `peers-<network>.json`) of
 * networks no longer in the config: removed once at start. The agent writes them per configured
 * network and never meets a removed one again, so without this a network dropped from the config
 * would keep a readiness file (the plugin would go on accepting ADDs for a network nobody
 * programs) and a peers file (twillctl would compare the kernel with a stale wish).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { removeConfigFile } from '../cni-config/write';
import type { AgentConfig } from '../config/types';
import { errorMessage, type Logger } from '../kube/log';

const NETWORK_FILE = /^(?:ready|peers)-(.+)\.json$/;

/** Removes the files of networks not in `networks`; returns the paths removed. */
export async function removeStaleNetworkFiles(o: { runDir: string; networks: readonly string[] }): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(o.runDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []; // first start: nothing to clean
    throw err;
  }
  const keep = new Set(o.networks);
  const stale = names.filter((n) => {
    const network = NETWORK_FILE.exec(n)?.[1];
    return network !== undefined && !keep.has(network);
  });
  const removed: string[] = [];
  for (const name of stale.sort()) if (await removeConfigFile(join(o.runDir, name))) removed.push(join(o.runDir, name));
  return removed;
}

/** At agent start: a failure is logged, never fatal (the files are advice, the dataplane is not at stake). */
export async function cleanStaleNetworkFiles(config: AgentConfig, logger: Logger): Promise<void> {
  try {
    const removed = await removeStaleNetworkFiles({ runDir: config.paths.runDir, networks: config.networks.map((n) => n.name) });
    if (removed.length) logger.info('removed the files of networks no longer configured', { files: removed.join(' ') });
  } catch (err) {
    logger.warn('cannot clean the run directory', { runDir: config.paths.runDir, error: errorMessage(err) });
  }
}
