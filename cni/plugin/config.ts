import type { CniArgs } from '../core/args';
import type { NetConf } from '../core/config';
import { validateIfname } from '../core/env';
import { CniError, ErrorCode } from '../core/errors';
import type { Dns } from '../core/result';
import { unsafeIfname } from '../core/safe-names';
import { checkSchema } from '../core/validate';
import { validateTwill } from '../generated/twill';
import { formatIp, parseIp } from '../../ipam/net/ip';
import { isUnicastMac } from './names';

export const DEFAULT_BRIDGE = 'twill0';
export const IN_PROCESS_IPAM = 'twill-ipam';

export type Protocol = 'tcp' | 'udp';

/** Docker's `-p [hostIP:]hostPort:containerPort[/proto]`, as the portMappings capability sends it. */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
  /** Absent means every address of the node. */
  hostIP?: string;
}

/** A mapping without hostIP is published in every family the pod has; one with hostIP only in that address's. */
export function mappingAppliesTo(m: PortMapping, family: 4 | 6): boolean {
  return m.hostIP === undefined || m.hostIP.includes(':') === (family === 6);
}

export interface TwillConfig {
  network: string;
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  mtu?: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  portIsolation: boolean;
  mac?: string;
  portMappings: PortMapping[];
  dns?: Dns;
  ipamType: string;
  /** The node agent's readiness file (cni/plugin/readiness.ts); absent: no gate. */
  readiness?: string;
}

function bad(field: string, msg: string): CniError {
  return new CniError(ErrorCode.invalidConfig, `${field}: ${msg}`);
}

interface RawPortMapping {
  hostPort: number;
  containerPort: number;
  protocol?: string;
  hostIP?: string;
}

/** Every address: absent, or "" as containerd and CRI-O send for a pod without hostIP, or a wildcard. */
const ANY_ADDRESS = new Set(['', '0.0.0.0', '::']);

function loadPortMapping(p: RawPortMapping, i: number): PortMapping {
  const field = `runtimeConfig.portMappings[${i}]`;
  // Protocol "" is Go's zero value: the default, as for the reference portmap.
  const protocol = (p.protocol || 'tcp').toLowerCase();
  if (protocol !== 'tcp' && protocol !== 'udp') throw bad(`${field}.protocol`, `${JSON.stringify(p.protocol)} is not supported (tcp or udp)`);
  const out: PortMapping = { hostPort: p.hostPort, containerPort: p.containerPort, protocol };
  if (p.hostIP !== undefined && !ANY_ADDRESS.has(p.hostIP)) {
    const ip = parseIp(p.hostIP);
    if (!ip) throw bad(`${field}.hostIP`, `${JSON.stringify(p.hostIP)} is not an IP address`);
    out.hostIP = formatIp(ip); // one spelling, so overlapping publications compare equal
  }
  return out;
}

function checkDuplicatePorts(mappings: PortMapping[]): void {
  const seen = new Set<string>();
  mappings.forEach((m, i) => {
    const key = `${m.hostIP ?? '*'}/${m.protocol}/${m.hostPort}`;
    if (seen.has(key)) throw bad(`runtimeConfig.portMappings[${i}]`, `host port ${m.protocol}/${m.hostPort} is mapped twice`);
    seen.add(key);
  });
}

/** The MAC the pod asked for: runtimeConfig.mac, then args.cni.mac, then CNI_ARGS MAC, then the config's `mac`. */
function loadMac(conf: NetConf, args: CniArgs): string | undefined {
  const rc = conf.runtimeConfig as { mac?: string } | undefined;
  const ca = conf.args as { cni?: { mac?: string } } | undefined;
  const sources: Array<[string, string | undefined]> = [
    ['runtimeConfig.mac', rc?.mac],
    ['args.cni.mac', ca?.cni?.mac],
    ['CNI_ARGS MAC', args.MAC],
    ['mac', conf.mac as string | undefined],
  ];
  const found = sources.find(([, v]) => v !== undefined && v !== '');
  if (!found) return undefined;
  const [field, mac] = found;
  if (!isUnicastMac(mac!)) throw new CniError(field === 'CNI_ARGS MAC' ? ErrorCode.invalidEnvironment : ErrorCode.invalidConfig, `${field}: ${JSON.stringify(mac)} is not a unicast MAC address`);
  return mac!.toLowerCase();
}

/** The dns capability as CONVENTIONS.md (and go-cni) spell it; older twill configs used the result's names. */
interface DnsCapability extends Dns {
  servers?: string[];
  searches?: string[];
}

function capabilityDns(rc: DnsCapability): Dns {
  const { servers, searches, ...rest } = rc;
  return { ...rest, ...(servers ? { nameservers: servers } : {}), ...(searches ? { search: searches } : {}) };
}

function mergeDns(conf: NetConf): Dns | undefined {
  const rc = (conf.runtimeConfig as { dns?: DnsCapability } | undefined)?.dns;
  const base = conf.dns as Dns | undefined;
  if (!rc && !base) return undefined;
  return { ...base, ...(rc ? capabilityDns(rc) : {}) };
}

/** An absolute path without NUL (U+FFFD stands for bytes that were not UTF-8), or absent. */
function loadReadiness(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const path = value as string;
  if (!path.startsWith('/')) throw bad('readiness', `"${path}" must be an absolute path`);
  if (/[\0\uFFFD]/.test(path)) throw bad('readiness', `${JSON.stringify(path)} holds NUL or bytes that are not UTF-8`);
  return path;
}

/** defaults → decode (schema) → validate: the plugin's view of its configuration. */
export function loadTwillConfig(conf: NetConf, args: CniArgs): TwillConfig {
  checkSchema(validateTwill, conf);
  const bridge = (conf.bridge as string | undefined) ?? DEFAULT_BRIDGE;
  const ifProblem = validateIfname(bridge) ?? unsafeIfname(bridge);
  if (ifProblem) throw bad('bridge', ifProblem);
  const isDefaultGateway = conf.isDefaultGateway === true;
  const rawMappings = ((conf.runtimeConfig as { portMappings?: RawPortMapping[] } | undefined)?.portMappings ?? []);
  const portMappings = rawMappings.map(loadPortMapping);
  checkDuplicatePorts(portMappings);
  return {
    network: conf.name,
    bridge,
    // A bridge network has a gateway unless told otherwise (Docker's default; the reference's is off).
    isGateway: isDefaultGateway || conf.isGateway !== false,
    isDefaultGateway,
    forceAddress: conf.forceAddress === true,
    ipMasq: conf.ipMasq === true,
    mtu: conf.mtu as number | undefined,
    hairpinMode: conf.hairpinMode === true,
    promiscMode: conf.promiscMode === true,
    portIsolation: conf.portIsolation === true,
    mac: loadMac(conf, args),
    portMappings,
    dns: mergeDns(conf),
    ipamType: (conf.ipam as { type: string }).type,
    readiness: loadReadiness(conf.readiness),
  };
}
