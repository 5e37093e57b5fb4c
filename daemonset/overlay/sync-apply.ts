import { forceBatch, type BatchFailure } from '../../cni/host/batch-async';
import type { AsyncRunner } from '../../cni/host/run-async';
import type { ChangeBatches } from './lines';
import type { Applied, BatchName } from './sync-report';

/**
 * Writes one group of batch lines with `ip` or `bridge` and answers which lines failed. The
 * agent's is a BatchSession per program (no exec per pass); without one, each group is an exec.
 */
export type BatchWriter = (program: 'ip' | 'bridge', lines: string[]) => Promise<BatchFailure[]>;

export function execWriter(runner: AsyncRunner): BatchWriter {
  return async (program, lines) => (await forceBatch(runner, [program], lines)).failures;
}

/** The three groups in their order (lines.ts says why), each after the one before has finished. */
export async function applyBatches(write: BatchWriter, b: ChangeBatches): Promise<Applied> {
  const steps: Array<[BatchName, 'ip' | 'bridge', string[]]> = [['fdb-set', 'bridge', b.fdbSet], ['ip', 'ip', b.ip], ['fdb-delete', 'bridge', b.fdbDelete]];
  const failures: Applied['failures'] = [];
  let batches = 0;
  for (const [batch, program, lines] of steps) {
    if (!lines.length) continue;
    batches += 1;
    const failed = await write(program, lines);
    failures.push(...failed.map((f) => ({ ...f, batch })));
  }
  return { batches, failures };
}
