import { CniError, ErrorCode } from '../core/errors';
import { readReadinessFile } from '../host/readiness-file';
import type { PluginRun } from './context';
import { rangeSubnets, readinessProblem } from './readiness';

const DETAILS = 'twilld writes this file once the node has its subnet, its conflist and its overlay; check the twilld pod on this node';

/**
 * ADD (code 11, try again later) and STATUS (code 50) stop here while the node agent has not
 * set the node up for this network (cni/plugin/readiness.ts). No `readiness` key: no gate.
 */
export function requireReady(run: PluginRun, code: typeof ErrorCode.tryAgainLater | typeof ErrorCode.notAvailable): void {
  const path = run.cfg.readiness;
  if (path === undefined) return;
  const problem = readinessProblem({ network: run.cfg.network, path, read: readReadinessFile(path), rangeSubnets: rangeSubnets(run.ctx.conf.ipam) });
  if (problem) throw new CniError(code, problem, DETAILS);
}
