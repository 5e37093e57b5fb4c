import { isAbsolute, normalize, resolve } from 'node:path';
import type { CniArgs } from '../cni/core/args';
import type { NetConf } from '../cni/core/config';
import { CniError, ErrorCode } from '../cni/core/errors';
import type { Dns, Route } from '../cni/core/result';
import { checkSchema } from '../cni/core/validate';
import { validateIpam } from '../cni/generated/ipam';
import { readResolvConf } from '../cni/host/resolv';
import { parseCidr } from './net/cidr';
import { parseIp, type Ip } from './net/ip';
import { parseRange, parseRangeSets, rangeOf, setFamily, type RangeSet, type RangeSpec } from './ranges';
import { kernelFsOf, realPathOf } from './store-fs';

export const DEFAULT_DATA_DIR = '/var/lib/cni/twill-ipam';

export interface IpamSection {
  type: string;
  ranges?: RangeSpec[][];
  subnet?: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
  routes?: Route[];
  dataDir?: string;
  resolvConf?: string;
}

export interface IpamConfig {
  network: string;
  rangeSets: RangeSet[];
  routes: Route[];
  dataDir: string;
  dns?: Dns;
  /** Addresses the runtime asked for, each matched to the range set it falls in. */
  requested: Map<number, Ip>;
}

function bad(field: string, msg: string, code: number = ErrorCode.invalidConfig): CniError {
  return new CniError(code, `${field}: ${msg}`);
}

const KERNEL_PATH = /^\/(proc|sys|dev)(\/|$)/;

export function loadDataDir(value: string | undefined): string {
  if (value === undefined) return DEFAULT_DATA_DIR;
  // No file name holds NUL (Node's fs would throw a TypeError, code 999); U+FFFD stands for bytes that were not UTF-8.
  if (/[\0\uFFFD]/.test(value)) throw bad('ipam.dataDir', `${JSON.stringify(value)} holds NUL or bytes that are not UTF-8`);
  if (!isAbsolute(value)) throw bad('ipam.dataDir', `"${value}" must be an absolute path`);
  if (value.split('/').includes('..')) throw bad('ipam.dataDir', `"${value}" must not contain ".." segments`);
  const dir = normalize(value);
  // Kernel file systems hold no store, whichever way the path reaches them (a symlink, a mount).
  const real = realPathOf(dir);
  const where = real === resolve(dir) ? `"${value}" is` : `"${value}" resolves to ${real},`;
  if (KERNEL_PATH.test(real)) throw bad('ipam.dataDir', `${where} on a kernel file system (/proc, /sys, /dev)`);
  const fsType = kernelFsOf(real);
  if (fsType) throw bad('ipam.dataDir', `${where} on a kernel file system (${fsType})`);
  return dir;
}

function loadRoutes(routes: Route[] | undefined): Route[] {
  return (routes ?? []).map((r, i) => {
    if (!parseCidr(r.dst)) throw bad(`ipam.routes[${i}].dst`, `"${r.dst}" is not a CIDR`);
    if (r.gw !== undefined && !parseIp(r.gw)) throw bad(`ipam.routes[${i}].gw`, `"${r.gw}" is not an IP address`);
    return r.gw === undefined ? { dst: r.dst } : { dst: r.dst, gw: r.gw };
  });
}

/** resolv.conf → the result's dns, as host-local's `resolvConf` does; unreadable is code 5 naming the field. */
export function loadResolvConf(path: string): Dns {
  try {
    return readResolvConf(path);
  } catch (err) {
    throw new CniError(ErrorCode.io, `ipam.resolvConf: cannot read ${path}`, (err as Error).message);
  }
}

/** go-cni sends ipRanges as one flat list of ranges: each family's ranges become one range set, in order. */
export function rangeSetsOf(items: Array<RangeSpec[] | RangeSpec>): RangeSpec[][] {
  const sets: RangeSpec[][] = [];
  const byFamily = new Map<number, RangeSpec[]>();
  for (const item of items) {
    if (Array.isArray(item)) {
      sets.push(item);
      continue;
    }
    const family = parseCidr(String(item.subnet))?.ip.family ?? 4;
    let set = byFamily.get(family);
    if (!set) {
      set = [];
      byFamily.set(family, set);
      sets.push(set);
    }
    set.push(item);
  }
  return sets;
}

/** runtimeConfig.ipRanges, else ipam.ranges, else the older single range (its fields named as the user wrote them). */
function loadRangeSets(ipam: IpamSection, conf: NetConf): RangeSet[] {
  const runtimeRanges = (conf.runtimeConfig as { ipRanges?: Array<RangeSpec[] | RangeSpec> } | undefined)?.ipRanges;
  if (runtimeRanges?.length) return parseRangeSets(rangeSetsOf(runtimeRanges), 'runtimeConfig.ipRanges');
  if (ipam.ranges?.length) return parseRangeSets(ipam.ranges, 'ipam.ranges');
  if (ipam.subnet !== undefined) {
    const { subnet, rangeStart, rangeEnd, gateway } = ipam;
    return [[parseRange({ subnet, rangeStart, rangeEnd, gateway }, 'ipam')]];
  }
  throw bad('ipam.ranges', 'required: give "ranges" (or the older "subnet")');
}

interface RequestSource {
  field: string;
  values: string[];
  code: number;
}

function requestSources(conf: NetConf, args: CniArgs): RequestSource[] {
  const sources: RequestSource[] = [];
  const rc = (conf.runtimeConfig as { ips?: string[] } | undefined)?.ips;
  if (rc?.length) sources.push({ field: 'runtimeConfig.ips', values: rc, code: ErrorCode.invalidConfig });
  const ca = (conf.args as { cni?: { ips?: string[] } } | undefined)?.cni?.ips;
  if (ca?.length) sources.push({ field: 'args.cni.ips', values: ca, code: ErrorCode.invalidConfig });
  if (args.IP) sources.push({ field: 'CNI_ARGS IP', values: args.IP.split(',').map((v) => v.trim()), code: ErrorCode.invalidEnvironment });
  return sources;
}

/** Requested addresses, each placed in its range set; the first source that names any wins. */
function loadRequested(conf: NetConf, args: CniArgs, sets: RangeSet[]): Map<number, Ip> {
  const requested = new Map<number, Ip>();
  const source = requestSources(conf, args)[0];
  for (const value of source?.values ?? []) {
    const ip = parseIp(value.split('/')[0]);
    if (!ip) throw bad(source.field, `"${value}" is not an IP address`, source.code);
    const set = sets.findIndex((s) => rangeOf(s, ip));
    if (set < 0) throw bad(source.field, `${value} is in none of the configured ranges`, source.code);
    const range = rangeOf(sets[set], ip)!;
    if (range.gateway?.value === ip.value) throw bad(source.field, `${value} is the gateway of its range`, source.code);
    if (requested.has(set)) throw bad(source.field, `two addresses requested from range set ${set} (IPv${setFamily(sets[set])})`, source.code);
    requested.set(set, ip);
  }
  return requested;
}

/** defaults → decode (schema) → validate: the twill-ipam view of a network configuration. */
export function loadIpamConfig(conf: NetConf, args: CniArgs): IpamConfig {
  checkSchema(validateIpam, conf);
  const ipam = conf.ipam as IpamSection;
  const rangeSets = loadRangeSets(ipam, conf);
  return {
    network: conf.name,
    rangeSets,
    routes: loadRoutes(ipam.routes),
    dataDir: loadDataDir(ipam.dataDir),
    dns: ipam.resolvConf ? loadResolvConf(ipam.resolvConf) : undefined,
    requested: loadRequested(conf, args, rangeSets),
  };
}
