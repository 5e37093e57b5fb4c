import { CommandError } from './errors';
import type { AsyncRunner } from './run-async';

/**
 * `ip -batch` and `bridge -batch` for the agent: thousands of kernel changes in one exec.
 * With `-force` both keep going past a failed line and report each failure on stderr as its
 * message followed by "Command failed -:N" (N counts input lines from 1), so one bad entry
 * cannot hold back the others; the caller learns exactly which lines failed.
 */
export interface BatchFailure {
  /** 0-based index into the lines given. */
  index: number;
  line: string;
  message: string;
}

/** The line `ip`/`bridge -batch` print after a failed command (N: its input line, from 1). */
export const FAILED = /^Command failed -:(\d+)$/;

/** The failures a `-force -batch` run reported on stderr, matched to the lines it was given. */
export function batchFailures(stderr: string, lines: string[]): BatchFailure[] {
  const out: BatchFailure[] = [];
  let message: string[] = [];
  for (const text of stderr.split('\n')) {
    const m = FAILED.exec(text.trim());
    if (!m) {
      if (text.trim()) message.push(text.trim());
      continue;
    }
    const index = Number(m[1]) - 1;
    out.push({ index, line: lines[index] ?? '', message: message.join('; ') || 'failed' });
    message = [];
  }
  return out;
}

export interface BatchRun {
  stdout: string;
  failures: BatchFailure[];
}

/**
 * Runs `argv -force -batch -` (argv is e.g. ['ip'] or ['ip', '-j', '-d']) over `lines`. A non-zero
 * exit with "Command failed" lines is an outcome (the failures), anything else a CommandError.
 */
export async function forceBatch(runner: AsyncRunner, argv: string[], lines: string[]): Promise<BatchRun> {
  if (!lines.length) return { stdout: '', failures: [] };
  try {
    const { stdout } = await runner([...argv, '-force', '-batch', '-'], { input: `${lines.join('\n')}\n`, timeoutMs: 120_000 });
    return { stdout, failures: [] };
  } catch (err) {
    if (!(err instanceof CommandError) || err.exitCode === null) throw err;
    const failures = batchFailures(err.stderr, lines);
    if (!failures.length) throw err;
    return { stdout: err.stdout ?? '', failures };
  }
}

/**
 * Runs read-only `ip -j` commands in one exec and returns each one's output line (undefined for
 * a command that failed, e.g. `link show dev X` when X does not exist). Each successful command
 * prints exactly one line (JSON for those that honour -j; `neigh get` prints its text line), so
 * the output lines pair with the commands that did not fail, in order.
 */
export async function ipReadBatch(runner: AsyncRunner, commands: string[], ip: string[] = ['ip', '-d']): Promise<Array<string | undefined>> {
  const run = await forceBatch(runner, [...ip, '-j'], commands);
  const failed = new Set(run.failures.map((f) => f.index));
  const outputs = run.stdout.split('\n').filter((l) => l.trim());
  const succeeded = commands.map((_, i) => i).filter((i) => !failed.has(i));
  if (outputs.length !== succeeded.length) {
    throw new Error(`ip -batch printed ${outputs.length} results for ${succeeded.length} successful commands`);
  }
  const results: Array<string | undefined> = commands.map(() => undefined);
  succeeded.forEach((i, k) => {
    results[i] = outputs[k];
  });
  return results;
}

/** A JSON output line of ipReadBatch, parsed; undefined for a failed command. */
export function jsonLine(line: string | undefined): unknown[] | undefined {
  return line === undefined ? undefined : (JSON.parse(line) as unknown[]);
}

/** Runs `argv -batch -` over `lines`, stopping at the first failing line (a CommandError naming it). */
export async function strictBatch(runner: AsyncRunner, argv: string[], lines: string[]): Promise<void> {
  if (lines.length) await runner([...argv, '-batch', '-'], { input: `${lines.join('\n')}\n`, timeoutMs: 120_000 });
}
