import type { Logger } from '../core/log';
import { CommandError, type Runner } from './run';

/**
 * Drops UDP conntrack entries towards the given host ports: without this, a client that kept
 * sending to a published UDP port stays pinned to a dead pod (plugins #1190).
 */
export function flushUdpConntrack(runner: Runner, log: Logger, hostPorts: number[]): void {
  for (const port of hostPorts) {
    try {
      runner(['conntrack', '-D', '-p', 'udp', '--orig-port-dst', String(port)]);
    } catch (err) {
      // conntrack exits 1 when nothing matched; only a missing tool or a real failure is worth a word.
      if (err instanceof CommandError && err.exitCode === 1) continue;
      log.warn(`conntrack flush for udp/${port} failed: ${(err as Error).message}`);
    }
  }
}
