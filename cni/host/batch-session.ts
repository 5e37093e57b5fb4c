import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { FAILED, type BatchFailure } from './batch-async';
import { CommandError } from './errors';

/**
 * A long-lived `ip -force -batch -` (or `bridge -force -batch -`) child, so the agent's event
 * passes write their few lines without an exec each (~2–10 ms apiece on a loaded node).
 * Lines are written per group, each group followed by a sentinel: a lookup of a device that
 * never exists, which fails with "Command failed -:N". Errors go to stderr unbuffered and in
 * order, so when the sentinel's failure arrives every failure of the group's lines has too: the
 * group resolves with them (index into its lines). A child that dies (`ip` exits on a malformed
 * argument even with -force) or a group that times out rejects every group in flight with a
 * CommandError; the next group starts a fresh child.
 */
export const SENTINEL_DEVICE = 'twill-eob.0';

export interface BatchSessionOptions {
  /** The program and its options before `-force -batch -`, e.g. ['ip'] or ['bridge']. */
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** A group not finished after this long kills the child (default 120 s, as an exec's). */
  timeoutMs?: number;
}

interface Group {
  lines: string[];
  /** Line numbers (1-based, counted since the child started) of its first line and its sentinel. */
  first: number;
  sentinel: number;
  failures: BatchFailure[];
  resolve(failures: BatchFailure[]): void;
  reject(err: Error): void;
}

interface Child {
  proc: ChildProcessWithoutNullStreams;
  written: number;
  groups: Group[];
  stderr: string;
  message: string[];
  timer?: NodeJS.Timeout;
  timedOut: boolean;
}


export class BatchSession {
  private child: Child | undefined;

  constructor(private readonly opts: BatchSessionOptions) {}

  private get argv(): string[] {
    return [...this.opts.argv, '-force', '-batch', '-'];
  }

  /** Runs `lines` as one group; resolves with the lines that failed (none: all applied). */
  run(lines: string[]): Promise<BatchFailure[]> {
    if (!lines.length) return Promise.resolve([]);
    if (lines.some((l) => /[\n\\]/.test(l))) return Promise.reject(new Error('a batch line holds a newline or a backslash'));
    const c = (this.child ??= this.start());
    return new Promise((resolve, reject) => {
      const group: Group = { lines, first: c.written + 1, sentinel: c.written + lines.length + 1, failures: [], resolve, reject };
      c.groups.push(group);
      c.written = group.sentinel;
      if (c.groups.length === 1) this.arm(c);
      c.proc.stdin.write(`${lines.join('\n')}\nlink show dev ${SENTINEL_DEVICE}\n`);
    });
  }

  /** Ends the child after the groups in flight (they still resolve). */
  async close(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (!c) return;
    const exited = new Promise((r) => c.proc.once('close', r));
    c.proc.stdin.end();
    await exited;
  }

  private start(): Child {
    const proc = spawn(this.argv[0], this.argv.slice(1), { env: this.opts.env, stdio: 'pipe' });
    const c: Child = { proc, written: 0, groups: [], stderr: '', message: [], timedOut: false };
    let partial = '';
    proc.stdout.resume(); // writes print nothing worth keeping; never let the pipe fill
    proc.stdin.on('error', () => undefined); // a dead child: its exit tells the groups
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d: string) => {
      const text = partial + d;
      const cut = text.lastIndexOf('\n');
      partial = text.slice(cut + 1);
      if (cut >= 0) text.slice(0, cut).split('\n').forEach((l) => this.onLine(c, l));
    });
    proc.on('error', (e) => this.fail(c, { exitCode: null, signal: null, extra: e.message }));
    proc.on('close', (exitCode, signal) => this.fail(c, { exitCode, signal }));
    return c;
  }

  private onLine(c: Child, text: string): void {
    c.stderr = (c.stderr + text + '\n').slice(-8192);
    const m = FAILED.exec(text.trim());
    if (!m) {
      if (text.trim()) c.message.push(text.trim());
      return;
    }
    const n = Number(m[1]);
    const message = c.message.join('; ') || 'failed';
    c.message = [];
    const g = c.groups[0];
    if (!g) return;
    if (n < g.sentinel) g.failures.push({ index: n - g.first, line: g.lines[n - g.first] ?? '', message });
    if (n !== g.sentinel) return;
    c.groups.shift();
    clearTimeout(c.timer);
    if (c.groups.length) this.arm(c);
    g.resolve(g.failures);
  }

  /** The timeout of the group now at the head. */
  private arm(c: Child): void {
    c.timer = setTimeout(() => {
      c.timedOut = true;
      c.proc.kill('SIGKILL');
    }, this.opts.timeoutMs ?? 120_000);
  }

  private fail(c: Child, o: { exitCode: number | null; signal: NodeJS.Signals | null; extra?: string }): void {
    clearTimeout(c.timer);
    if (this.child === c) this.child = undefined;
    const groups = c.groups.splice(0);
    const stderr = [c.stderr, ...c.message, o.extra ?? ''].filter(Boolean).join('\n');
    for (const g of groups) g.reject(new CommandError({ argv: this.argv, exitCode: o.exitCode, signal: o.signal, stderr, stdout: '', timedOut: c.timedOut }));
  }
}

/** One session per program, for writers that use both `ip` and `bridge`. */
export interface BatchSessions {
  run(program: 'ip' | 'bridge', lines: string[]): Promise<BatchFailure[]>;
  close(): Promise<void>;
}

export function batchSessions(env: NodeJS.ProcessEnv): BatchSessions {
  const sessions = { ip: new BatchSession({ argv: ['ip'], env }), bridge: new BatchSession({ argv: ['bridge'], env }) };
  return {
    run: (program, lines) => sessions[program].run(lines),
    close: async () => void (await Promise.all([sessions.ip.close(), sessions.bridge.close()])),
  };
}
