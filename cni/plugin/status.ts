import { CniError, ErrorCode } from '../core/errors';
import type { PluginRun } from './context';
import { cniErrorOf } from './host-errors';
import { ipamExecMaintenance } from './ipam';
import { requireReady } from './ready-gate';

/** STATUS: code 50 when an ADD could not succeed now (node agent not done, IPAM exhausted or unusable, no firewall tool for rules we need). */
export function cmdStatus(run: PluginRun): void {
  requireReady(run, ErrorCode.notAvailable);
  const { ctx, cfg, runner } = run;
  const caps = (ctx.conf.capabilities ?? {}) as Record<string, unknown>;
  if ((cfg.ipMasq || caps.portMappings === true) && run.firewall.kind === 'none') {
    throw new CniError(ErrorCode.notAvailable, 'neither nft nor iptables-restore found on PATH: ipMasq and portMappings need one', 'install the nftables package on the node');
  }
  try {
    ipamExecMaintenance(ctx, runner, 'STATUS');
  } catch (caught) {
    const err = cniErrorOf(caught);
    if (err instanceof CniError && (err.code === ErrorCode.notAvailable || err.code === ErrorCode.notAvailableDisrupted)) throw err;
    throw new CniError(ErrorCode.notAvailable, `ipam: ${(err as Error).message}`, err instanceof CniError ? err.details : undefined);
  }
}
