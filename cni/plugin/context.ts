import { parseCniArgs } from '../core/args';
import type { Context } from '../core/dispatch';
import { createRunner, type Runner } from '../host/run';
import { loadTwillConfig, type TwillConfig } from './config';
import { selectFirewall, type Firewall } from './firewall';
import { hostVethName } from './names';

/** What every verb of the plugin works with. */
export interface PluginRun {
  ctx: Context;
  cfg: TwillConfig;
  runner: Runner;
  hostVeth: string;
  firewall: Firewall;
}

export function preparePluginRun(ctx: Context, runner: Runner = createRunner(ctx.io.env)): PluginRun {
  const cfg = loadTwillConfig(ctx.conf, parseCniArgs(ctx.env.args));
  return { ctx, cfg, runner, hostVeth: hostVethName(ctx.env.containerId, ctx.env.ifname), firewall: selectFirewall(runner, ctx.io.env.PATH) };
}
