/**
 * The readiness file the agent owns, one per network: `<runDir>/ready-<network>.json`, named
 * by the conflist's `readiness` key. The plugin answers STATUS 50 / ADD 11 until it exists and
 * names the conflist's subnets (cni/plugin/readiness.ts), so the agent writes it last: after the
 * conflist and after the overlay is programmed, and removes it when the network goes.
 */
import { join } from 'node:path';
import type { ReadinessFile } from '../../cni/plugin/readiness';
import { nodeSubnets } from './subnets';
import { removeConfigFile, syncConfigFile } from './write';

export function readinessPath(runDir: string, network: string): string {
  return join(runDir, `ready-${network}.json`);
}

export interface Readiness {
  runDir: string;
  network: string;
  /** This node's subnets for the network, as given to conflistFor (written in the same canonical order). */
  subnets: string[];
  mtu: number;
  agentVersion?: string;
}

/** The file's bytes: one JSON line, keys in a fixed order so equal states give equal bytes. */
export function readinessContent({ network, subnets, mtu, agentVersion }: Readiness): string {
  const doc: ReadinessFile = { network, subnets: nodeSubnets(subnets), mtu, ...(agentVersion !== undefined ? { agentVersion } : {}) };
  return JSON.stringify(doc) + '\n';
}

/** Writes the readiness file when its content changed (atomically, mode 0644); true when it wrote. */
export async function writeReadiness(r: Readiness): Promise<boolean> {
  return syncConfigFile({ path: readinessPath(r.runDir, r.network), content: readinessContent(r) });
}

/** The network is not ready any more (uninstall, network removed); true when there was a file. */
export async function removeReadiness({ runDir, network }: { runDir: string; network: string }): Promise<boolean> {
  return removeConfigFile(readinessPath(runDir, network));
}
