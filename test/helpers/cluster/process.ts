// A long-running child of the harness (an agent, a relay, a ping loop): its own process group
// (so a kill takes its children with it), every output line kept with its stream and time (an
// agent prints one structured line per event: those parsed as JSON carry `json`), and an exit
// promise. Nothing here throws on a process that already exited: teardown calls it blindly.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LogLine {
  stream: 'stdout' | 'stderr';
  line: string;
  /** The line parsed, when it is a JSON object. */
  json?: Record<string, unknown>;
  /** Date.now() when it arrived. */
  at: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type LineMatch = RegExp | ((l: LogLine) => boolean);

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function matches(l: LogLine, m: LineMatch): boolean {
  return typeof m === 'function' ? m(l) : m.test(l.line);
}

export class ManagedProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<Exit>;
  readonly pid: number;
  private readonly child: ChildProcess;
  private exit?: Exit;
  private readonly waiters = new Set<() => void>();

  constructor(readonly name: string, readonly argv: string[], opts: { env: NodeJS.ProcessEnv }) {
    this.child = spawn(argv[0], argv.slice(1), { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => this.push('stderr', `spawn failed: ${e.message}`));
      this.child.on('close', (code, signal) => {
        this.exit = { code, signal };
        this.notify();
        resolve(this.exit);
      });
    });
    this.pid = this.child.pid ?? -1;
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: this.child[stream]! }).on('line', (line) => this.push(stream, line));
    }
  }

  get running(): boolean {
    return this.exit === undefined && this.pid > 0;
  }

  get exitStatus(): Exit | undefined {
    return this.exit;
  }

  private push(stream: LogLine['stream'], line: string): void {
    this.lines.push({ stream, line, json: parseLine(line), at: Date.now() });
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with the first line (from index `from`) that matches; rejects on timeout or exit. */
  waitForLine(match: LineMatch, opts: { timeoutMs?: number; from?: number } = {}): Promise<LogLine> {
    let next = opts.from ?? 0;
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        fn();
      };
      const check = () => {
        for (; next < this.lines.length; next++) if (matches(this.lines[next], match)) return done(() => resolve(this.lines[next]));
        if (this.exit) done(() => reject(new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before a line matching ${match}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${this.name}: no line matching ${match} within ${opts.timeoutMs ?? 10_000} ms`))), opts.timeoutMs ?? 10_000);
      this.waiters.add(check);
      check();
    });
  }

  /** Sends a signal to the process itself (not its group): a graceful stop, as a kubelet sends it. */
  signal(sig: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, sig);
  }

  /** SIGKILL to the whole group (the process and whatever it started). */
  killGroup(): void {
    try {
      if (this.pid > 0) process.kill(-this.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }

  /** `sig` (default SIGTERM), then SIGKILL to the group after `graceMs`; resolves once it exited. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<Exit> {
    if (!this.running) {
      this.killGroup(); // children it left behind
      return this.exited;
    }
    this.signal(sig);
    const timer = setTimeout(() => this.killGroup(), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    this.killGroup();
    return exit;
  }

  /** kill -9 of the process and its group; resolves once it exited. */
  async kill(): Promise<Exit> {
    this.killGroup();
    return this.exited;
  }

  /** The output as one block, for a failed test's message. */
  output(last = 200): string {
    return this.lines.slice(-last).map((l) => `${l.stream === 'stderr' ? '!' : ' '} ${l.line}`).join('\n');
  }
}
