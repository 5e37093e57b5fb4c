/** The bundles installed in the CNI bin dir and the runtime file each names (pure but for the reads). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleVersion } from './files';

export const BUNDLES = ['twill', 'twill-ipam', 'twillctl'] as const;
const RUNTIME_FILE = /^twill-(bun|node)-\d/;

export interface BinaryInfo {
  name: string;
  path: string;
  /** undefined: not installed; 'unknown': a file without a version line. */
  version: string | null;
}

export function readBinaries(binDir: string): { bundles: BinaryInfo[]; runtimes: string[] } {
  const bundles = BUNDLES.map((name) => ({ name, path: join(binDir, name), version: bundleVersion(join(binDir, name)) ?? null }));
  let runtimes: string[] = [];
  try {
    runtimes = readdirSync(binDir).filter((n) => RUNTIME_FILE.test(n)).sort();
  } catch {
    // no bin dir: every bundle shows as missing
  }
  return { bundles, runtimes };
}
