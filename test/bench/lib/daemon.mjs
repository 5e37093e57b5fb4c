// Long-running children of a benchmark (a test API server, an agent, `ip monitor`): started with
// their output read line by line, each line stamped with the wall-clock time it arrived, and
// stopped by their own pid (SIGTERM, then SIGKILL after a grace period). A kill is registered
// with lib/cleanup.mjs, so a failed or interrupted run leaves none of them behind.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { onCleanup } from './cleanup.mjs';

/** Wall-clock milliseconds with sub-millisecond resolution (comparable with `ip -ts` stamps). */
export const wallMs = () => performance.timeOrigin + performance.now();

/**
 * Starts `file argv` with `env` as its whole environment. onStdout/onStderr get (line, atMs).
 * Returns { child, pid, exited (resolves to { code, signal }), stop(graceMs) }.
 */
export function startDaemon({ label, file, argv = [], env, onStdout, onStderr, stdin = 'pipe' }) {
  const child = spawn(file, argv, { env, stdio: [stdin, 'pipe', 'pipe'] });
  let done;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      done = { code, signal };
      resolve(done);
    });
    child.once('error', (err) => {
      done = { code: null, signal: null, error: err.message };
      resolve(done);
    });
  });
  const read = (stream, fn) => createInterface({ input: stream }).on('line', (line) => fn?.(line, wallMs()));
  read(child.stdout, onStdout);
  read(child.stderr, onStderr);
  onCleanup(label, () => done || killQuietly(child.pid, 'SIGKILL'));
  const stop = async (graceMs = 3000) => {
    if (done) return done;
    killQuietly(child.pid, 'SIGTERM');
    const timer = setTimeout(() => killQuietly(child.pid, 'SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  return { child, pid: child.pid, exited, stop, get result() { return done; } };
}

function killQuietly(pid, signal) {
  try {
    if (pid) process.kill(pid, signal);
  } catch {
    // already gone
  }
}
