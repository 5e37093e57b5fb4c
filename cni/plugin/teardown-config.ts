import { parseCniArgs } from '../core/args';
import type { Context } from '../core/dispatch';
import { CniError, ErrorCode } from '../core/errors';
import { DEFAULT_BRIDGE, loadTwillConfig, type TwillConfig } from './config';

/**
 * DEL and GC release with the least they need: the network name (already checked), the IPAM
 * section (which plugin, where its store is) and, for GC, the bridge whose ports it sweeps.
 * Everything else may have become invalid since ADD (an upgrade tightened a check, an operator
 * edited the conflist, a runtime sends capability arguments in another shape); failing then
 * would leave the runtime retrying DEL for ever and the pod Terminating. So the whole config is
 * tried first, and when it fails, what it could not read is logged and the rest is defaults:
 * DEL finds the veth, port mappings and addresses by the attachment, not by the config.
 */
export function loadTeardownConfig(ctx: Context): TwillConfig {
  try {
    return loadTwillConfig(ctx.conf, parseCniArgs(ctx.env.args));
  } catch (err) {
    if (!(err instanceof CniError)) throw err;
    ctx.log.warn(`config: ${err.message}; ${ctx.env.command} goes on with the network name, its IPAM section and its bridge`);
  }
  return minimalConfig(ctx);
}

function minimalConfig(ctx: Context): TwillConfig {
  const { conf } = ctx;
  const type = (conf.ipam as { type?: unknown } | undefined)?.type;
  if (typeof type !== 'string' || type === '') throw new CniError(ErrorCode.invalidConfig, 'ipam.type: required to release the addresses, missing or not a string');
  const bridge = conf.bridge ?? DEFAULT_BRIDGE;
  // DEL never looks at the bridge; GC sweeps its ports, and has none to sweep without a name.
  if (typeof bridge !== 'string' && ctx.env.command === 'GC') throw new CniError(ErrorCode.invalidConfig, 'bridge: must be a string');
  return {
    network: conf.name,
    bridge: typeof bridge === 'string' ? bridge : DEFAULT_BRIDGE,
    isGateway: false,
    isDefaultGateway: false,
    forceAddress: false,
    ipMasq: false,
    hairpinMode: false,
    promiscMode: false,
    portIsolation: false,
    portMappings: [],
    ipamType: type,
  };
}
