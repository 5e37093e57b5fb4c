import { CniError, ErrorCode } from './errors';
import { atLeast, compareVersions, parseVersion } from './versions';

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

export interface IpConfig {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface Route {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** Results are held in the newest (1.1.0) shape and converted on the way out. */
export interface Result {
  interfaces?: CniInterface[];
  ips?: IpConfig[];
  routes?: Route[];
  dns?: Dns;
}

const IFACE_FIELDS_1_1 = ['mtu', 'socketPath', 'pciID'] as const;
const ROUTE_FIELDS_1_1 = ['mtu', 'advmss', 'priority', 'table', 'scope'] as const;

function omit<T extends object>(obj: T, keys: readonly string[]): T {
  const copy = { ...obj } as Record<string, unknown>;
  for (const k of keys) delete copy[k];
  return copy as T;
}

function ipVersion(address: string): '4' | '6' {
  return address.includes(':') ? '6' : '4';
}

/** Renders a result as the given spec version wants it (0.3.x/0.4.0 carry `version` on IPs; 1.1 fields dropped below 1.1). */
export function convertResult(result: Result, version: string): Record<string, unknown> {
  const pre11 = compareVersions(version, '1.1.0') < 0;
  const out: Record<string, unknown> = { cniVersion: version };
  if (result.interfaces) out.interfaces = pre11 ? result.interfaces.map((i) => omit(i, IFACE_FIELDS_1_1)) : result.interfaces;
  out.ips = (result.ips ?? []).map((ip) => (atLeast(version, '1.0.0') ? { ...ip } : { version: ipVersion(ip.address), ...ip }));
  if (result.routes) out.routes = pre11 ? result.routes.map((r) => omit(r, ROUTE_FIELDS_1_1)) : result.routes;
  out.dns = result.dns ?? {};
  return out;
}

/** Reads a result of any supported version (a prevResult or a delegated plugin's output) into the internal shape. */
export function parseResult(raw: unknown, where: string): Result {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CniError(ErrorCode.decode, `${where}: not a result object`);
  }
  const r = raw as Record<string, unknown>;
  const old = typeof r.cniVersion === 'string' && parseVersion(r.cniVersion) !== undefined && !atLeast(r.cniVersion, '0.3.0');
  if (old || 'ip4' in r || 'ip6' in r) {
    throw new CniError(ErrorCode.incompatibleVersion, `${where}: results older than 0.3.0 are not supported`);
  }
  const result: Result = {};
  if (Array.isArray(r.interfaces)) result.interfaces = r.interfaces as CniInterface[];
  if (Array.isArray(r.ips)) result.ips = (r.ips as Array<IpConfig & { version?: string }>).map(({ version: _v, ...ip }) => ip);
  if (Array.isArray(r.routes)) result.routes = r.routes as Route[];
  if (r.dns && typeof r.dns === 'object') result.dns = r.dns as Dns;
  return result;
}
