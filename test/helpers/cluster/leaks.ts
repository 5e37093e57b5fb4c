// What a harness run could leave behind, read from the system rather than from the harness's
// own bookkeeping: namespaces with the run's prefix, processes whose command line names the
// run's directory or namespaces (agents, relays, plugins, pings), the directory itself, and the
// plugin's per-node marker files in /run/twill.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { namespacesWithPrefix } from './underlay';

export interface Leftovers {
  namespaces: string[];
  processes: Array<{ pid: number; cmdline: string }>;
  files: string[];
}

/** Processes (other than this one) whose command line contains one of `needles`. */
export function processesMentioning(needles: string[]): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue; // exited meanwhile
    }
    if (needles.some((n) => cmdline.includes(n))) found.push({ pid, cmdline });
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `pids`: processes the run started (a ping in a pod names neither the prefix nor the directory). */
export async function leftovers(o: { prefix: string; root: string; files?: string[]; pids?: number[] }): Promise<Leftovers> {
  const namespaces = await namespacesWithPrefix(o.prefix);
  const processes = processesMentioning([o.prefix, o.root]);
  for (const pid of o.pids ?? []) if (alive(pid) && !processes.some((p) => p.pid === pid)) processes.push({ pid, cmdline: '(started by the harness)' });
  const files = [o.root, ...(o.files ?? [])].filter((f) => existsSync(f));
  return { namespaces, processes, files };
}

export function isClean(l: Leftovers): boolean {
  return !l.namespaces.length && !l.processes.length && !l.files.length;
}
