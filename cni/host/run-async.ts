import { spawn } from 'node:child_process';
import { CommandError, notStarted } from './errors';
import type { RunOptions, RunOutput } from './run';

/**
 * The async runner, for the agent: a long-running process that programs thousands of kernel
 * objects and must keep serving (health, watches) while a command runs. Same contract as the
 * sync runner: argv (never a shell), optional stdin, output or one CommandError.
 *
 * Why not execa (the house choice for exec off the hot path): what the agent needs is argv,
 * stdin, a timeout and one error type shared with the sync runner, about forty lines over
 * child_process.spawn. execa 9 is ESM-only and brings a dozen packages into the agent's bundle
 * for shells, pipes and template strings it would not use, and its own error type beside ours.
 * The per-pod bundles never import this file (esbuild leaves it out of dist/twill: see
 * test/integration/plugin-bundle.test.ts).
 */
export interface AsyncRunOptions extends RunOptions {
  /** Kills the command (SIGKILL) after this long; the CommandError says timedOut. */
  timeoutMs?: number;
}

export type AsyncRunner = (argv: string[], opts?: AsyncRunOptions) => Promise<RunOutput>;

export function createAsyncRunner(baseEnv: NodeJS.ProcessEnv): AsyncRunner {
  return (argv, opts = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(argv[0], argv.slice(1), { env: opts.env ? { ...baseEnv, ...opts.env } : baseEnv, stdio: 'pipe' });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      // A command that exits without reading its input closes the pipe: that is its exit status's business.
      child.stdin.on('error', () => undefined);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(notStarted(argv, e));
      });
      child.on('close', (exitCode, signal) => {
        clearTimeout(timer);
        // Decoded once complete, so a multi-byte character split across chunks stays whole.
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        if (exitCode === 0 && !timedOut) resolve({ stdout, stderr });
        else reject(new CommandError({ argv, exitCode, signal, stderr, stdout, timedOut }));
      });
      child.stdin.end(opts.input ?? '');
    });
}
