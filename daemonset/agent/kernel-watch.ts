// Heals manual damage when it happens instead of on the next timer pass: one long-lived
// `ip monitor route neigh` and one `bridge monitor fdb` print a line per netlink event, and a
// deletion of an entry twill still wants (a proto-116 route, a neighbour or FDB entry on its
// device) asks for a full pass. Deletions the agent made itself name entries it no longer
// wants and are ignored. With the kernel watched, the periodic pass is only a backstop (for
// what has no event: files, nft sets) and can be rare: idle costs nothing. One watch serves
// every network: it knows all their devices and asks the controllers whether an entry is wanted.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../kube/log';
import { ROUTE_PROTO } from '../overlay';

/** `dev`: the device the entry was on (a route's may be the underlay's, with direct routing). */
export type KernelEntry = { kind: 'route' | 'neigh' | 'fdb'; key: string; dev?: string };

/**
 * A deleted entry of ours from a monitor line, else undefined. Lines as iproute2 prints them:
 *   Deleted 10.64.1.0/24 via 10.64.1.0 dev twill.1 proto 116 onlink   (ip monitor route)
 *   Deleted 10.64.1.0 dev twill.1 lladdr 0e:… PERMANENT                  (ip monitor neigh)
 *   Deleted 0e:…:53 dev twill.1 dst 172.16.0.5 self permanent          (bridge monitor fdb)
 */
export function deletedEntry(line: string, devices: string | readonly string[], source: 'ip' | 'bridge'): KernelEntry | undefined {
  const m = /^Deleted (\S+) (.*)$/.exec(line.trim());
  if (!m) return undefined;
  const [, first, rest] = m;
  const dev = /^dev (\S+) /.exec(rest)?.[1];
  const ours = dev !== undefined && (typeof devices === 'string' ? devices === dev : devices.includes(dev));
  if (source === 'bridge') return ours && / dst /.test(rest) ? { kind: 'fdb', key: first.toLowerCase(), dev } : undefined;
  if (new RegExp(`\\bproto ${ROUTE_PROTO}\\b`).test(rest)) {
    const key = first.includes('/') ? first : `${first}/${first.includes(':') ? 128 : 32}`;
    const routeDev = / dev (\S+)/.exec(` ${rest}`)?.[1];
    return { kind: 'route', key, ...(routeDev ? { dev: routeDev } : {}) };
  }
  if (ours && / lladdr /.test(rest)) return { kind: 'neigh', key: first, dev };
  return undefined;
}

export interface KernelWatchOptions {
  /** Every network's VXLAN device. */
  devices: readonly string[];
  /** Whether twill still wants this entry (then its deletion is damage). */
  wanted(entry: KernelEntry): boolean;
  onDamage(entry: KernelEntry): void;
  logger: Logger;
  spawnMonitor?: (argv: string[]) => ChildProcessWithoutNullStreams;
}

const MONITORS = [['ip', ['ip', 'monitor', 'route', 'neigh']], ['bridge', ['bridge', 'monitor', 'fdb']]] as const;

export class KernelWatch {
  private readonly children: ChildProcessWithoutNullStreams[] = [];
  private alive = 0;

  constructor(private readonly opts: KernelWatchOptions) {}

  /** Both monitors running (when not, the periodic pass is the only healer). */
  get healthy(): boolean {
    return this.alive === MONITORS.length;
  }

  start(): void {
    const launch = this.opts.spawnMonitor ?? ((argv: string[]) => spawn(argv[0], argv.slice(1), { stdio: 'pipe' }));
    for (const [source, argv] of MONITORS) {
      const child = launch([...argv]);
      this.children.push(child);
      this.alive += 1;
      child.stdin.end();
      child.stderr.resume();
      createInterface({ input: child.stdout }).on('line', (line) => this.line(line, source));
      child.on('error', () => undefined);
      child.on('close', (code, signal) => {
        this.alive -= 1;
        this.opts.logger.warn('kernel monitor ended; the periodic pass heals alone', { monitor: argv.join(' '), code: code ?? undefined, signal: signal ?? undefined });
      });
    }
  }

  stop(): void {
    for (const child of this.children.splice(0)) {
      child.removeAllListeners('close');
      child.kill();
    }
    this.alive = 0;
  }

  private line(line: string, source: 'ip' | 'bridge'): void {
    const entry = deletedEntry(line, this.opts.devices, source);
    if (entry && this.opts.wanted(entry)) this.opts.onDamage(entry);
  }
}
