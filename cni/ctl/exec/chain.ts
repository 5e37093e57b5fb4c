/**
 * Runs a conflist's plugin chain as a runtime does (libcni, cnitool): each plugin's binary from
 * the bin dir with CNI_* in its environment and its own configuration on stdin (the list's
 * cniVersion and name, the plugin's keys, runtimeConfig for the capabilities it declares, the
 * previous result). ADD and CHECK go down the chain, DEL up it; a failing plugin stops it.
 */
import { join } from 'node:path';
import { CommandError } from '../../host/errors';
import type { Ctx } from '../context';
import type { ConfFile } from '../read/conflists';

export type ChainCommand = 'ADD' | 'CHECK' | 'DEL' | 'STATUS';

export interface Attachment {
  containerId: string;
  netns: string;
  ifname: string;
  args: string;
}

export interface ChainCall {
  command: ChainCommand;
  conf: ConfFile;
  attachment?: Attachment;
  /** Capability arguments offered (portMappings, ips, …); each plugin gets those it declares. */
  runtimeConfig: Record<string, unknown>;
  /** The cached ADD result, for CHECK and DEL. */
  cached?: Record<string, unknown>;
}

export interface ChainOutcome {
  ok: boolean;
  /** ADD: the last plugin's result; a failure: the plugin's error object. */
  result?: Record<string, unknown>;
  failed?: { plugin: string; error: Record<string, unknown> | string };
}

/** The configuration one plugin of the chain receives (pure). */
export function pluginConfig(call: ChainCall, plugin: Record<string, unknown>, prevResult: unknown): Record<string, unknown> {
  const doc = call.conf.doc!;
  const caps = (plugin.capabilities ?? {}) as Record<string, boolean>;
  const runtimeConfig = Object.fromEntries(Object.entries(call.runtimeConfig).filter(([k]) => caps[k]));
  const conf: Record<string, unknown> = { ...plugin, cniVersion: doc.cniVersion, name: doc.name };
  delete conf.capabilities;
  if (Object.keys(runtimeConfig).length) conf.runtimeConfig = runtimeConfig;
  if (prevResult !== undefined) conf.prevResult = prevResult;
  return conf;
}

/** CNI_* for the call (pure). */
export function chainEnv(call: ChainCall, binDir: string): Record<string, string> {
  const a = call.attachment;
  const env: Record<string, string> = { CNI_COMMAND: call.command, CNI_PATH: binDir };
  if (a) Object.assign(env, { CNI_CONTAINERID: a.containerId, CNI_NETNS: a.netns, CNI_IFNAME: a.ifname, CNI_ARGS: a.args });
  return env;
}

function parsed(text: string): Record<string, unknown> | string {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return text.trim();
  }
}

async function runPlugin(ctx: Ctx, call: ChainCall, plugin: Record<string, unknown>, prev: unknown): Promise<ChainOutcome> {
  const type = String(plugin.type);
  const input = JSON.stringify(pluginConfig(call, plugin, prev));
  try {
    const out = await ctx.runAsync([join(ctx.paths.binDir, type)], { input, env: chainEnv(call, ctx.paths.binDir) });
    const result = out.stdout.trim() ? parsed(out.stdout) : undefined;
    return { ok: true, result: typeof result === 'object' ? result : undefined };
  } catch (err) {
    const e = err as CommandError;
    const error = e instanceof CommandError ? parsed(e.stdout || e.stderr) : (err as Error).message;
    return { ok: false, failed: { plugin: type, error } };
  }
}

export async function runChain(ctx: Ctx, call: ChainCall): Promise<ChainOutcome> {
  const plugins = call.conf.doc!.plugins;
  const order = call.command === 'DEL' ? [...plugins].reverse() : plugins;
  let prev: unknown = call.command === 'ADD' || call.command === 'STATUS' ? undefined : call.cached;
  for (const plugin of order) {
    const out = await runPlugin(ctx, call, plugin, prev);
    if (!out.ok) return out;
    if (call.command === 'ADD') prev = out.result;
  }
  return { ok: true, result: call.command === 'ADD' ? (prev as Record<string, unknown>) : undefined };
}
