import { spawnSync } from 'node:child_process';
import { CommandError, notStarted } from './errors';

export { CommandError } from './errors';

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
    if (r.error) throw notStarted(argv, r.error);
    if (r.status !== 0) throw new CommandError({ argv, exitCode: r.status, signal: r.signal, stderr: r.stderr, stdout: r.stdout });
    return { stdout: r.stdout, stderr: r.stderr };
  };
}
