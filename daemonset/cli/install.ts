// `twilld install`: the DaemonSet's init container (and hosts without Kubernetes) put the
// plugins of the build twilld belongs to into the CNI bin dir, with the same checked, atomic
// install `make install` runs (daemonset/install/). One line per file on stdout.
import { installFiles } from '../install/install-files';
import { describeStep } from '../install/plan';

export interface InstallRun {
  from: string;
  cniBinDir: string;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** 0 installed, 1 failed (each file then holds its old content or its new one: install/plan.ts). */
export async function runInstall({ from, cniBinDir, stdout, stderr }: InstallRun): Promise<number> {
  try {
    await installFiles({ from, to: cniBinDir, log: (step) => stdout.write(`${describeStep(step)}\n`) });
    stdout.write(`twill installed in ${cniBinDir}\n`);
    return 0;
  } catch (err) {
    stderr.write(`twilld install: ${(err as Error).message}\n`);
    return 1;
  }
}
