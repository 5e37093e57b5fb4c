// `twilld uninstall`: what it removes and why each is twill's: daemonset/uninstall/plan.ts.
import { onPath } from '../../cni/host/which';
import { createRunner } from '../../cni/host/run';
import { applyUninstall, gatherFacts, planUninstall } from '../uninstall';
import type { UninstallPaths } from './args';

export interface UninstallRun {
  paths: UninstallPaths;
  purgeIpam: boolean;
  env: Readonly<Record<string, string | undefined>>;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** 0 when everything twill's is gone (or was never there), 1 when a step failed (each named on stderr). */
export function runUninstall({ paths, purgeIpam, env, stdout, stderr }: UninstallRun): number {
  const runner = createRunner({ ...env });
  const has = (program: string) => onPath(program, env.PATH);
  const { facts, failures } = gatherFacts({ runner, has, ...paths });
  const steps = planUninstall(facts, { ...paths, purgeIpam });
  failures.push(...applyUninstall(runner, steps, (line) => stdout.write(`${line}\n`)));
  if (!failures.length) {
    stdout.write(steps.some((s) => s.op !== 'keep') ? 'twill uninstalled\n' : 'nothing of twill here\n');
    return 0;
  }
  for (const f of failures) stderr.write(`twilld uninstall: ${f}\n`);
  return 1;
}
