import { CommandError, type Runner } from './run';

/** Runs many `ip` commands in one exec (one process start instead of one per change); returns what `show` lines printed. */
export function ipBatch(runner: Runner, lines: string[], ip: string[] = ['ip']): string {
  return lines.length ? runner([...ip, '-batch', '-'], { input: `${lines.join('\n')}\n` }).stdout : '';
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
  ifalias?: string;
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

/**
 * One link with details (kind, MAC), as the kernel reports it for this process's namespace
 * (one RTM_GETLINK: `addr show dev` would dump every link); undefined when there is no such link.
 */
export function ipLinkDetails(runner: Runner, name: string): IpLink | undefined {
  try {
    return ipJson<IpLink[]>(runner, ['-d', 'link', 'show', 'dev', name])[0];
  } catch (err) {
    if (err instanceof CommandError && /does not exist/.test(err.stderr)) return undefined;
    throw err;
  }
}
