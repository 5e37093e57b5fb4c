/**
 * `twillctl add|check|del <network> <netns>`: cnitool's job. The network's conflist from the
 * CNI config dir, its plugin chain from the bin dir, the result printed (and cached for CHECK
 * and DEL, as a runtime caches it).
 */
import type { Ctx, Report } from '../context';
import { fields, table } from '../output';
import { loadConfDir } from '../read/conflists';
import { readCached, removeCached, writeCached } from '../exec/cache';
import { runChain, type ChainCommand } from '../exec/chain';
import { UsageError, cniArgs, defaultContainerId, netnsPath, parsePorts } from '../exec/options';

export interface AttachOptions {
  ports: string[];
  ip: string[];
  pod?: string;
  args?: string;
  ifname: string;
  containerId?: string;
}

function resultTable(result: Record<string, unknown> | undefined): string {
  const ips = (result?.ips ?? []) as Array<{ address: string; gateway?: string; interface?: number }>;
  const ifaces = (result?.interfaces ?? []) as Array<{ name: string; mac?: string; sandbox?: string }>;
  const rows = ips.map((ip) => [ip.address, ip.gateway ?? '', ifaces[ip.interface ?? -1]?.name ?? '']);
  return table(['ADDRESS', 'GATEWAY', 'INTERFACE'], rows);
}

export async function cmdAttach(ctx: Ctx, command: ChainCommand, network: string, netns: string, o: AttachOptions): Promise<Report> {
  const conf = loadConfDir(ctx.paths.confDir).find((f) => f.network === network && f.doc);
  if (!conf) throw new UsageError(`no network "${network}" in ${ctx.paths.confDir}`);
  const ports = parsePorts(o.ports);
  const attachment = { containerId: o.containerId ?? defaultContainerId(netns), netns: netnsPath(netns), ifname: o.ifname, args: cniArgs({ pod: o.pod, ips: o.ip, extra: o.args }) };
  const key = { network, containerId: attachment.containerId, ifname: attachment.ifname };
  const cached = command === 'ADD' ? undefined : readCached(ctx.paths.runDir, key);
  const runtimeConfig = { portMappings: ports, ...(o.ip.length ? { ips: o.ip } : {}) };
  const out = await runChain(ctx, { command, conf, attachment, runtimeConfig, cached });
  if (out.ok && command === 'ADD' && out.result) writeCached(ctx.paths.runDir, key, out.result);
  if (out.ok && command === 'DEL') removeCached(ctx.paths.runDir, key);
  const data = { command: command.toLowerCase(), network, file: conf.file, ...attachment, ok: out.ok, result: out.result ?? null, error: out.failed ?? null };
  const head = fields([
    ['network', `${network} (${conf.file})`],
    ['container', attachment.containerId],
    ['netns', attachment.netns],
    ['interface', attachment.ifname],
    [command.toLowerCase(), out.ok ? 'ok' : `FAILED in ${out.failed!.plugin}: ${errorText(out.failed!.error)}`],
  ]);
  return { data, text: head + (command === 'ADD' && out.ok ? resultTable(out.result) : ''), problems: out.ok ? 0 : 1 };
}

function errorText(e: Record<string, unknown> | string): string {
  if (typeof e === 'string') return e;
  return `code ${e.code}: ${e.msg}${e.details ? ` (${e.details})` : ''}`;
}
