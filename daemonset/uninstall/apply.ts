/**
 * Carries out the uninstall plan step by step. A failed step is named and the others still run
 * (a half-removed twill is worse than one with a single leftover the operator is told about).
 */
import { rmSync } from 'node:fs';
import { ipBatch } from '../../cni/host/ip';
import { iptablesRestore } from '../../cni/host/iptables';
import type { Runner } from '../../cni/host/run';
import { CommandError } from '../../cni/host/errors';
import { describeStep, type UninstallStep } from './plan';

function applyStep(runner: Runner, step: UninstallStep): void {
  if (step.op === 'remove-file') rmSync(step.path, { force: true });
  else if (step.op === 'remove-dir') rmSync(step.path, { recursive: true, force: true });
  else if (step.op === 'ip') ipBatch(runner, step.lines, step.ip);
  else if (step.op === 'nft') runner(['nft', '-f', '-'], { input: step.script });
  else if (step.op === 'iptables') iptablesRestore(runner, step.family, step.table, step.lines);
}

function failure(step: UninstallStep, err: unknown): string {
  const detail = err instanceof CommandError ? err.details : (err as Error).message;
  return `failed to remove ${step.op === 'keep' ? step.what : describeStep(step).replace(/^removed /, '')}: ${detail}`;
}

/** Runs every step; `log` gets one line per step (what was done, kept, or why it failed). Returns the failures. */
export function applyUninstall(runner: Runner, steps: UninstallStep[], log: (line: string) => void): string[] {
  const failures: string[] = [];
  for (const step of steps) {
    try {
      applyStep(runner, step);
      log(describeStep(step));
    } catch (err) {
      const line = failure(step, err);
      failures.push(line);
      log(line);
    }
  }
  return failures;
}
