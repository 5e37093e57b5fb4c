import type { Runner } from './run';

/** Runs many `ip` commands in one exec (one process start instead of one per change). */
export function ipBatch(runner: Runner, lines: string[], ip: string[] = ['ip']): void {
  if (lines.length) runner([...ip, '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/** `ip -j …` parsed. */
export function ipJson<T>(runner: Runner, args: string[], ip: string[] = ['ip']): T {
  const out = runner([...ip, '-j', ...args]).stdout.trim();
  return (out ? JSON.parse(out) : []) as T;
}

export interface IpAddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope?: string;
}

export interface IpLink {
  ifname: string;
  address?: string;
  mtu?: number;
  master?: string;
  operstate?: string;
  flags?: string[];
  addr_info?: IpAddrInfo[];
  linkinfo?: { info_kind?: string; info_slave_data?: Record<string, unknown> };
}

export interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
}
