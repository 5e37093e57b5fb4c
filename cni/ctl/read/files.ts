/**
 * The run directory's files: the agent's readiness files (`ready-<network>.json`) and peers
 * files (`peers-<network>.json`, daemonset/agent/peers-state.ts), and the version line every
 * bundle carries (line 3: `// twill-version: X`, cni/build/build.mjs).
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { ReadinessFile } from '../../plugin/readiness';
import { readinessPath } from '../../../daemonset/cni-config/readiness';
import { peersStatePath } from '../../../daemonset/agent/peers-state';

export interface PeerRecord {
  name: string;
  podCIDRs: readonly string[];
  underlayIp: string;
  vtepMac: string;
  skipped: string;
}

export interface PeersFile {
  network: string;
  device: string;
  vni: number;
  node: string;
  vtepMac: string;
  underlay: { dev: string; address: string; family: 4 | 6; mtu: number };
  mtu: number;
  directRouting: boolean;
  peers: PeerRecord[];
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readReadiness(runDir: string, network: string, path?: string): ReadinessFile | undefined {
  return readJson<ReadinessFile>(path ?? readinessPath(runDir, network));
}

export function readPeersFile(runDir: string, network: string): PeersFile | undefined {
  return readJson<PeersFile>(peersStatePath(runDir, network));
}

export const VERSION_LINE = /^\/\/ twill-version: (\S+)$/;

/** A bundle's version from its third line; 'unknown' for a file without one, undefined when missing. */
export function bundleVersion(path: string): string | undefined {
  let fd: number;
  try {
    if (!statSync(path).isFile()) return undefined;
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(8192);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const line = buf.subarray(0, n).toString('utf8').split('\n')[2] ?? '';
    return VERSION_LINE.exec(line)?.[1] ?? 'unknown';
  } finally {
    closeSync(fd);
  }
}
