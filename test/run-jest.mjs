// Runs jest with the pinned Node and ends with one summary line, "jest: N passed, N failed,
// N skipped", the form CI reads. Arguments are test path patterns (default: every suite).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'twill-jest-'));
const out = join(dir, 'results.json');
// vm modules let jest require() ESM-only packages (@kubernetes/client-node 2.x) natively on Node 24.
const node = ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'];
const args = [...node, 'node_modules/jest/bin/jest.js', '--runInBand', '--json', `--outputFile=${out}`, ...process.argv.slice(2)];
const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
let summary = 'jest: no results';
try {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  summary = `jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
  if (r.numFailedTestSuites && !r.numFailedTests) summary += ` (${r.numFailedTestSuites} suite(s) failed to run)`;
} catch {
  // jest crashed before writing results: its own output above says why
}
rmSync(dir, { recursive: true, force: true });
console.log(summary);
process.exit(run.status ?? 1);
