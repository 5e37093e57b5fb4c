/**
 * Host errors are plain errors with typed fields: cni/host knows nothing of CNI codes (the
 * agent will use it too). The plugin's edge (cni/plugin/host-errors.ts) gives them their code.
 */

/** A failed child process: argv, exit code (or signal, or timeout) and stderr, so an error names exactly what broke. */
export class CommandError extends Error {
  readonly argv: string[];
  /** null when the process never started, was killed or timed out. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderr: string;
  readonly stdout: string | undefined;
  readonly timedOut: boolean;

  constructor(o: { argv: string[]; exitCode: number | null; stderr: string; stdout?: string; signal?: string | null; timedOut?: boolean }) {
    const how = o.timedOut ? 'timed out' : o.signal ? `killed by ${o.signal}` : `exit ${o.exitCode}`;
    super(`${o.argv[0]} failed: ${o.stderr.trim().split('\n')[0] || how}`);
    this.name = 'CommandError';
    this.argv = o.argv;
    this.exitCode = o.exitCode;
    this.signal = o.signal ?? null;
    this.stderr = o.stderr;
    this.stdout = o.stdout;
    this.timedOut = o.timedOut ?? false;
  }

  /** The whole story, for an error's details: argv, how it ended, stderr. */
  get details(): string {
    const how = this.timedOut ? 'timed out' : this.signal ? this.signal : `exit ${this.exitCode}`;
    return `${this.argv.join(' ')} (${how}): ${this.stderr.trim()}`;
  }
}

/** "No such program": the error a runner raises when argv[0] cannot be executed. */
export function notStarted(argv: string[], err: NodeJS.ErrnoException): CommandError {
  return new CommandError({ argv, exitCode: null, stderr: err.code === 'ENOENT' ? `${argv[0]}: command not found` : err.message });
}
