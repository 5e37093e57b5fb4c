import { CniError, ErrorCode } from './errors';
import { NAME_PATTERN } from './env';
import type { KeyShape } from './keys';
import { LATEST_VERSION, SUPPORTED_VERSIONS, compareVersions, isSupported } from './versions';

/** The fields every network configuration has; plugin configs extend it. */
export interface NetConf {
  cniVersion: string;
  cniVersions?: string[];
  name: string;
  type: string;
  args?: Record<string, unknown>;
  runtimeConfig?: Record<string, unknown>;
  prevResult?: unknown;
  dns?: Record<string, unknown>;
  logFile?: string;
  logLevel?: string;
  [key: string]: unknown;
}

const leaf: KeyShape = {};
const list: KeyShape = { items: leaf };
const DNS_KEYS: KeyShape = { keys: { nameservers: list, domain: leaf, search: list, options: list } };
const ATTACHMENTS: KeyShape = { items: { keys: { containerID: leaf, ifname: leaf } } };

/** What libcni's types decode for every plugin (NetConf, GC attachments, a result of any version). */
export const COMMON_KEYS: KeyShape = {
  keys: {
    cniVersion: leaf,
    cniVersions: list,
    name: leaf,
    type: leaf,
    capabilities: leaf, // a map: its keys are the runtime's, matched exactly
    ipam: { keys: { type: leaf } },
    dns: DNS_KEYS,
    'cni.dev/valid-attachments': ATTACHMENTS,
    'cni.dev/attachments': ATTACHMENTS,
    prevResult: {
      keys: {
        cniVersion: leaf,
        interfaces: { items: { keys: { name: leaf, mac: leaf, mtu: leaf, sandbox: leaf, socketPath: leaf, pciID: leaf } } },
        ips: { items: { keys: { version: leaf, interface: leaf, address: leaf, gateway: leaf } } },
        routes: { items: { keys: { dst: leaf, gw: leaf, mtu: leaf, advmss: leaf, priority: leaf, table: leaf, scope: leaf } } },
        dns: DNS_KEYS,
      },
    },
  },
};

/** Parses stdin (code 6 when it is not a JSON object). */
export function decodeConfig(stdin: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdin);
  } catch (err) {
    throw new CniError(ErrorCode.decode, 'network configuration on stdin is not valid JSON', (err as Error).message);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CniError(ErrorCode.decode, 'network configuration on stdin must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Picks the spec version to speak: `cniVersion` when given; otherwise the highest of
 * `cniVersions` both sides support. Anything else is code 1.
 */
export function negotiateVersion(raw: Record<string, unknown>): string {
  const { cniVersion, cniVersions } = raw;
  if (typeof cniVersion === 'string' && cniVersion !== '') {
    if (isSupported(cniVersion)) return cniVersion;
    throw new CniError(ErrorCode.incompatibleVersion, `cniVersion: "${cniVersion}" is not supported`, `supported: ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  if (cniVersion !== undefined && typeof cniVersion !== 'string') {
    throw new CniError(ErrorCode.invalidConfig, 'cniVersion: must be a string');
  }
  if (Array.isArray(cniVersions)) {
    const common = cniVersions.filter((v): v is string => typeof v === 'string' && isSupported(v));
    if (common.length) return common.sort(compareVersions)[common.length - 1];
    throw new CniError(ErrorCode.incompatibleVersion, `cniVersions: none of ${JSON.stringify(cniVersions)} is supported`, `supported: ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  throw new CniError(ErrorCode.invalidConfig, 'cniVersion: required but missing', `use one of ${SUPPORTED_VERSIONS.join(', ')} (latest ${LATEST_VERSION})`);
}

/** Checks the fields every plugin shares; plugin-specific fields are left to the plugin's schema. */
export function checkCommonFields(raw: Record<string, unknown>): void {
  if (typeof raw.name !== 'string' || raw.name === '') throw new CniError(ErrorCode.invalidConfig, 'name: required string missing');
  if (!NAME_PATTERN.test(raw.name)) {
    throw new CniError(ErrorCode.invalidConfig, `name: "${raw.name}" must match ${NAME_PATTERN.source}`);
  }
  if (raw.name.length > 200) throw new CniError(ErrorCode.invalidConfig, 'name: longer than 200 characters');
  if (raw.type !== undefined && typeof raw.type !== 'string') throw new CniError(ErrorCode.invalidConfig, 'type: must be a string');
}
