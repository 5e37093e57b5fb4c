// Temporary directories for benchmark stores: under os.tmpdir() (TMPDIR moves them), removed
// at the end of the run, after a failure, and on SIGINT/SIGTERM/SIGHUP. The signal handler runs
// between plugin calls (the series yield to the event loop after each one); it first kills any
// plugin still running from a concurrent burst, so nothing writes into a directory being removed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killChildren } from './exec.mjs';

const dirs = new Set();
/** Directories for the whole run (the per-runtime builds): removed at exit, not after each module. */
const runDirs = new Set();
let handlersInstalled = false;

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const [signal, number] of Object.entries(SIGNAL_NUMBERS)) {
    process.once(signal, () => {
      const killed = killChildren();
      removeTempDirs();
      removeRunDirs();
      process.stderr.write(
        `\nbench: interrupted (${signal})${killed ? `, ${killed} plugin process(es) killed` : ''}, temporary directories removed\n`,
      );
      process.exit(128 + number);
    });
  }
  process.once('exit', () => {
    removeTempDirs();
    removeRunDirs();
  });
}

/** A fresh directory `twill-bench-<label>-XXXXXX` that removeTempDirs() will delete. */
export function makeTempDir(label) {
  installHandlers();
  const dir = mkdtempSync(join(tmpdir(), `twill-bench-${label}-`));
  dirs.add(dir);
  return dir;
}

/** Like makeTempDir, but kept until the run ends. */
export function makeRunDir(label) {
  installHandlers();
  const dir = mkdtempSync(join(tmpdir(), `twill-bench-${label}-`));
  runDirs.add(dir);
  return dir;
}

function removeRunDirs() {
  removeAll(runDirs);
}

export function removeTempDirs() {
  removeAll(dirs);
}

function removeAll(set) {
  for (const dir of set) {
    try {
      // Retries cover a killed child's last write racing the removal (ENOTEMPTY).
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    } catch (err) {
      process.stderr.write(`bench: could not remove ${dir}: ${err.message}\n`);
    }
    set.delete(dir);
  }
}
