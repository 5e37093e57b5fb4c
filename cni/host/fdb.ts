import { CommandError } from './errors';
import type { AsyncRunner } from './run-async';

/**
 * The forwarding database of a VXLAN device (which remote VTEP a MAC lives behind), read and
 * written with iproute2's `bridge`: `ip neigh` cannot set an FDB entry's `dst`.
 */
export interface FdbEntry {
  mac: string;
  /** The remote VTEP's underlay address; absent on entries that are not VXLAN remotes. */
  dst?: string;
  state?: string;
}

/** Every FDB entry of `dev` (`bridge -j fdb show dev`); none when the device does not exist. */
export async function fdbShow(runner: AsyncRunner, dev: string): Promise<FdbEntry[]> {
  let out: string;
  try {
    out = (await runner(['bridge', '-j', 'fdb', 'show', 'dev', dev])).stdout.trim();
  } catch (err) {
    if (err instanceof CommandError && /Cannot find device|does not exist/.test(err.stderr)) return [];
    throw err;
  }
  const entries = (out ? JSON.parse(out) : []) as Array<{ mac: string; dst?: string; state?: string }>;
  return entries.map((e) => ({ mac: e.mac.toLowerCase(), dst: e.dst, state: e.state }));
}
