import { CniError, ErrorCode } from '../core/errors';
import { nftAvailable } from '../host/nft';
import type { PluginRun } from './context';
import { ipamExecMaintenance } from './ipam';

/** STATUS: code 50 when an ADD could not succeed now (IPAM exhausted or unusable, nft missing for rules we need). */
export function cmdStatus(run: PluginRun): void {
  const { ctx, cfg, runner } = run;
  const caps = (ctx.conf.capabilities ?? {}) as Record<string, unknown>;
  if ((cfg.ipMasq || caps.portMappings === true) && !nftAvailable(runner)) {
    throw new CniError(ErrorCode.notAvailable, 'nft not found: ipMasq and portMappings need nftables', 'install the nftables package on the node');
  }
  try {
    ipamExecMaintenance(ctx, runner, 'STATUS');
  } catch (err) {
    if (err instanceof CniError && (err.code === ErrorCode.notAvailable || err.code === ErrorCode.notAvailableDisrupted)) throw err;
    throw new CniError(ErrorCode.notAvailable, `ipam: ${(err as Error).message}`, err instanceof CniError ? err.details : undefined);
  }
}
