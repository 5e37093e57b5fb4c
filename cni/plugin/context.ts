import { parseCniArgs } from '../core/args';
import type { Context } from '../core/dispatch';
import { createRunner, type Runner } from '../host/run';
import { loadTwillConfig, type TwillConfig } from './config';
import { selectFirewall, type Firewall } from './firewall';
import { hostVethName } from './names';
import { loadTeardownConfig } from './teardown-config';

/** What every verb of the plugin works with. */
export interface PluginRun {
  ctx: Context;
  cfg: TwillConfig;
  runner: Runner;
  hostVeth: string;
  firewall: Firewall;
}

function pluginRun(ctx: Context, cfg: TwillConfig, runner: Runner): PluginRun {
  return { ctx, cfg, runner, hostVeth: hostVethName(ctx.env.containerId, ctx.env.ifname), firewall: selectFirewall(runner, ctx.io.env.PATH) };
}

/** ADD, CHECK, STATUS: the whole configuration, checked. */
export function preparePluginRun(ctx: Context, runner: Runner = createRunner(ctx.io.env)): PluginRun {
  return pluginRun(ctx, loadTwillConfig(ctx.conf, parseCniArgs(ctx.env.args)), runner);
}

/** DEL, GC: as much of the configuration as is still valid (cni/plugin/teardown-config.ts). */
export function prepareTeardownRun(ctx: Context, runner: Runner = createRunner(ctx.io.env)): PluginRun {
  return pluginRun(ctx, loadTeardownConfig(ctx), runner);
}
