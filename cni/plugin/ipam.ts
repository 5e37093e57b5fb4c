import type { Context } from '../core/dispatch';
import { CniError, DelegatedError, ErrorCode } from '../core/errors';
import { parseResult, type Result } from '../core/result';
import type { Runner } from '../host/run';
import { CommandError } from '../host/run';
import { findInPath } from '../host/which';
import { ipamAdd, ipamCheck, ipamDel, ipamGc, ipamHolds, ipamStatus } from '../../ipam/index';
import { IN_PROCESS_IPAM } from './config';

/**
 * IPAM for the plugin: twill-ipam runs in-process (no second Node start per pod); any other
 * `ipam.type` is executed from CNI_PATH with the same environment and stdin, as the spec says.
 */
export type IpamVerb = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

function findPlugin(ctx: Context, type: string): string {
  if (type.includes('/')) throw new CniError(ErrorCode.invalidConfig, `ipam.type: "${type}" must be a plugin name, not a path`);
  const plugin = findInPath(type, ctx.env.path);
  if (plugin) return plugin;
  throw new CniError(ErrorCode.invalidConfig, `ipam.type: plugin "${type}" not found in CNI_PATH`, `searched ${ctx.env.path.join(':')}`);
}

/** Execs the delegated IPAM plugin; its error JSON is passed through unchanged. */
function delegate(ctx: Context, runner: Runner, verb: IpamVerb): string {
  const plugin = findPlugin(ctx, String((ctx.conf.ipam as { type: string }).type));
  try {
    return runner([plugin], { input: ctx.io.stdin, env: { CNI_COMMAND: verb } }).stdout;
  } catch (err) {
    if (err instanceof CommandError) {
      try {
        const raw = JSON.parse(err.stdout ?? '');
        if (raw && typeof raw.code === 'number') throw new DelegatedError(raw);
      } catch (parseErr) {
        if (parseErr instanceof DelegatedError) throw parseErr;
      }
    }
    throw err;
  }
}

function inProcess(ctx: Context): boolean {
  return (ctx.conf.ipam as { type: string }).type === IN_PROCESS_IPAM;
}

export function ipamExecAdd(ctx: Context, runner: Runner): Result {
  if (inProcess(ctx)) return ipamAdd({ conf: ctx.conf, env: ctx.env });
  const out = delegate(ctx, runner, 'ADD');
  try {
    return parseResult(JSON.parse(out), `ipam ${String((ctx.conf.ipam as { type: string }).type)} result`);
  } catch (err) {
    if (err instanceof CniError) throw err;
    throw new CniError(ErrorCode.decode, 'ipam: delegated plugin printed no JSON result', out.slice(0, 500));
  }
}

/**
 * Whether the attachment held addresses before this ADD, which its rollback then must not
 * release. Only twill-ipam can tell; a delegated plugin's successful ADD made a new allocation
 * (host-local refuses a second one for the same attachment).
 */
export function ipamHeldBefore(ctx: Context): boolean {
  return inProcess(ctx) && ipamHolds({ conf: ctx.conf, env: ctx.env });
}

/**
 * A delegated plugin that refuses the network's version (code 1) can hold nothing for it (its
 * ADD refused too), so DEL goes on: failing would make the runtime retry the DEL for ever.
 */
export function ipamExecDel(ctx: Context, runner: Runner): void {
  if (inProcess(ctx)) return ipamDel({ conf: ctx.conf, env: ctx.env });
  try {
    delegate(ctx, runner, 'DEL');
  } catch (err) {
    if (!(err instanceof DelegatedError && err.code === ErrorCode.incompatibleVersion)) throw err;
    ctx.log.warn(`ipam DEL skipped: ${err.message}`);
  }
}

export function ipamExecCheck(ctx: Context, runner: Runner): void {
  if (inProcess(ctx)) ipamCheck({ conf: ctx.conf, env: ctx.env });
  else delegate(ctx, runner, 'CHECK');
}

/** The versions a delegated plugin lists in its VERSION answer; undefined when it gives no usable answer. */
function delegateVersions(ctx: Context, runner: Runner, plugin: string): string[] | undefined {
  try {
    const out = runner([plugin], { input: JSON.stringify({ cniVersion: ctx.version }), env: { CNI_COMMAND: 'VERSION' } }).stdout;
    const versions = (JSON.parse(out) as { supportedVersions?: unknown }).supportedVersions;
    return Array.isArray(versions) ? versions.filter((v): v is string => typeof v === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GC and STATUS came with spec 1.1. A delegated plugin that does not speak the network's version
 * cannot answer them (older ones fail on the missing container ID rather than with code 1:
 * Debian's host-local v1.1.1 says code 3), so its VERSION answer decides: STATUS reports the
 * network unavailable, since every ADD would fail with code 1; GC skips the IPAM step.
 */
export function ipamExecMaintenance(ctx: Context, runner: Runner, verb: 'GC' | 'STATUS'): void {
  if (inProcess(ctx)) {
    if (verb === 'GC') ipamGc(ctx.conf, ctx.log);
    else ipamStatus(ctx.conf);
    return;
  }
  const type = String((ctx.conf.ipam as { type: string }).type);
  const versions = delegateVersions(ctx, runner, findPlugin(ctx, type));
  if (versions && !versions.includes(ctx.version)) {
    const msg = `ipam.type: plugin "${type}" does not support cniVersion ${ctx.version}`;
    if (verb === 'STATUS') throw new CniError(ErrorCode.notAvailable, msg, `it supports ${versions.join(', ')}`);
    ctx.log.info(`${msg}: its GC step is skipped`);
    return;
  }
  try {
    delegate(ctx, runner, verb);
  } catch (err) {
    if (err instanceof DelegatedError && err.code === ErrorCode.incompatibleVersion) {
      ctx.log.warn(`ipam plugin does not support ${verb}: ${err.message}`);
      return;
    }
    throw err;
  }
}
