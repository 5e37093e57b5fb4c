import { parseIp } from '../../ipam/net/ip';

/** Where the health/metrics server listens; host "" means every address. */
export interface ListenAddress {
  host: string;
  port: number;
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const SHAPE = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/;

function hostProblem(host: string, bracketed: boolean): string | undefined {
  if (bracketed) return parseIp(host)?.family === 6 ? undefined : `[${host}] is not an IPv6 address`;
  if (host === '') return undefined;
  if (/^[\d.]+$/.test(host)) return parseIp(host) ? undefined : `${host} is not an IPv4 address`;
  return HOSTNAME.test(host) ? undefined : `${JSON.stringify(host)} is not a host name or address`;
}

/** Why `listen` is not "HOST:PORT", "[IPv6]:PORT", ":PORT" or "" (off). */
export function listenProblem(listen: string): string | undefined {
  if (listen === '') return undefined;
  const m = SHAPE.exec(listen);
  if (!m) {
    if ((listen.match(/:/g) ?? []).length > 1 && !listen.startsWith('[')) return `${JSON.stringify(listen)}: put an IPv6 address in brackets, as [::1]:9765`;
    return `${JSON.stringify(listen)} is not HOST:PORT, [IPv6]:PORT, :PORT or "" (off)`;
  }
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return `port ${m[3]} is outside 1..65535`;
  return hostProblem(m[1] ?? m[2], m[1] !== undefined);
}

/** `listen` split into host and port by shape alone (no range checks); undefined when it has not the shape. */
export function parseListen(listen: string): ListenAddress | undefined {
  const m = SHAPE.exec(listen);
  return m ? { host: m[1] ?? m[2], port: Number(m[3]) } : undefined;
}
