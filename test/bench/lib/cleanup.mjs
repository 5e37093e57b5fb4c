// Undo steps a benchmark registers as it creates things (a namespace, a long-running process):
// run in reverse order by the module's own `finally`, and again from the process's 'exit' event,
// which lib/tmp.mjs's SIGINT/SIGTERM/SIGHUP handler reaches through process.exit(). Each step
// runs once and must be synchronous (an 'exit' listener cannot wait).
const steps = [];
let installed = false;

/** Registers `fn` (sync, idempotent is not required: it runs at most once). */
export function onCleanup(label, fn) {
  if (!installed) {
    installed = true;
    process.once('exit', runCleanups);
  }
  steps.push({ label, fn });
}

/** Runs every registered step, newest first; a failing step is reported, the rest still run. */
export function runCleanups() {
  while (steps.length) {
    const { label, fn } = steps.pop();
    try {
      fn();
    } catch (err) {
      process.stderr.write(`bench: cleanup of ${label} failed: ${err.message}\n`);
    }
  }
}
