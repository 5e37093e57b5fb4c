// How the harness runs commands: always asynchronously. The test API server lives in the test's
// own process, and every request an agent (or curl) sends through a relay is served by this
// event loop: a spawnSync while an agent talks to it would stall the API server, and a
// synchronous curl through the relay would wait for itself forever.
import { createAsyncRunner, type AsyncRunOptions } from '../../../cni/host/run-async';
import { CommandError } from '../../../cni/host/errors';

export const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const run = createAsyncRunner({ PATH });

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** argv inside a network namespace (`ip netns exec`, which also gives it that namespace's /sys). */
export function inNs(ns: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

/** Runs and reports how it went; never throws (for probes such as ping). */
export async function tryRun(argv: string[], opts: AsyncRunOptions = {}): Promise<Outcome> {
  try {
    const r = await run(argv, opts);
    return { code: 0, ...r };
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    return { code: e.exitCode, stdout: e.stdout ?? '', stderr: e.stderr };
  }
}

/** `ip -n NS -j ARGS` parsed (iproute2 prints nothing at all for an empty dump). */
export async function ipJson<T = Record<string, unknown>>(ns: string, args: string[]): Promise<T[]> {
  const { stdout } = await run(['ip', '-n', ns, '-j', ...args]);
  return stdout.trim() ? (JSON.parse(stdout) as T[]) : [];
}

/** Writes a sysctl inside a namespace (/proc/sys/net is per network namespace); `sh`, not procps' sysctl, which not every machine has. */
export async function sysctlIn(ns: string, key: string, value: string): Promise<void> {
  if (!/^[a-z0-9_.]+$/.test(key) || !/^[0-9]+$/.test(value)) throw new Error(`sysctl: ${key}=${value} is not a plain key and number`);
  await run(inNs(ns, ['sh', '-c', `echo ${value} > /proc/sys/${key.replace(/\./g, '/')}`]));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
