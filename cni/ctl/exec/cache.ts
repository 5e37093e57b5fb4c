/**
 * The ADD results twillctl keeps for its own CHECK and DEL, as a runtime caches them
 * (libcni: /var/lib/cni/results): `<runDir>/ctl-results/<network>-<containerID>-<ifname>.json`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function cachePath(runDir: string, key: { network: string; containerId: string; ifname: string }): string {
  return join(runDir, 'ctl-results', `${key.network}-${key.containerId}-${key.ifname}.json`);
}

type Key = Parameters<typeof cachePath>[1];

export function readCached(runDir: string, key: Key): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(cachePath(runDir, key), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function writeCached(runDir: string, key: Key, result: Record<string, unknown>): void {
  mkdirSync(join(runDir, 'ctl-results'), { recursive: true, mode: 0o700 });
  writeFileSync(cachePath(runDir, key), JSON.stringify(result) + '\n', { mode: 0o600 });
}

export function removeCached(runDir: string, key: Key): void {
  rmSync(cachePath(runDir, key), { force: true });
}
