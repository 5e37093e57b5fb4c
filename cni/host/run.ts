import { spawnSync } from 'node:child_process';
import { CniError, ErrorCode } from '../core/errors';

/** A failed child process: argv, exit code and stderr, so an error names exactly what broke. */
export class CommandError extends CniError {
  readonly argv: string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly stdout: string | undefined;

  constructor(argv: string[], exitCode: number | null, stderr: string, stdout?: string) {
    super(ErrorCode.hostSetup, `${argv[0]} failed: ${stderr.trim().split('\n')[0] || `exit ${exitCode}`}`, `${argv.join(' ')} (exit ${exitCode}): ${stderr.trim()}`);
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.stdout = stdout;
  }
}

export interface RunOptions {
  input?: string;
  /** Extra variables on top of the plugin's own environment. */
  env?: NodeJS.ProcessEnv;
}

export interface RunOutput {
  stdout: string;
  stderr: string;
}

/** Runs argv (never a shell) and returns its output, or throws CommandError. */
export type Runner = (argv: string[], opts?: RunOptions) => RunOutput;

/** The real runner: spawnSync, because a plugin does one thing at a time and sync is the cheapest exec in Node. */
export function createRunner(baseEnv: NodeJS.ProcessEnv): Runner {
  return (argv, opts = {}) => {
    const r = spawnSync(argv[0], argv.slice(1), {
      input: opts.input ?? '',
      encoding: 'utf8',
      env: opts.env ? { ...baseEnv, ...opts.env } : baseEnv,
    });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      throw new CommandError(argv, null, code === 'ENOENT' ? `${argv[0]}: command not found` : r.error.message);
    }
    if (r.status !== 0) throw new CommandError(argv, r.status, r.stderr, r.stdout);
    return { stdout: r.stdout, stderr: r.stderr };
  };
}
