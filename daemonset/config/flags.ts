import { parseArgs } from 'node:util';
import { AgentConfigError } from './errors';
import type { ConfigLayer, Origins } from './layer';
import { setPath } from './paths';

type FlagKind = 'string' | 'integer' | 'boolean' | 'list';

export interface FlagSpec {
  kind: FlagKind;
  /** The AgentConfig field it sets (networks[0] for the per-network ones). */
  path: string;
  /** Placeholder in --help. */
  value?: string;
  help: string;
}

/**
 * Every setting flag, in --help order. Booleans take --no-<flag> too (parseArgs'
 * allowNegative); the last of --x / --no-x wins. Per-network flags set networks[0] only.
 */
export const FLAGS = {
  'node-name': { kind: 'string', path: 'nodeName', value: 'NAME', help: "this node's name (env NODE_NAME wins)" },
  namespace: { kind: 'string', path: 'namespace', value: 'NS', help: "namespace of the agent's subnet-claim Leases (env POD_NAMESPACE wins)" },
  kubeconfig: { kind: 'string', path: 'kubeconfig', value: 'FILE', help: 'API credentials (env KUBECONFIG wins); default: the pod\'s service account' },
  listen: { kind: 'string', path: 'listen', value: 'HOST:PORT', help: 'health and metrics address: HOST:PORT, [IPv6]:PORT, :PORT (every address) or "" (off)' },
  'log-level': { kind: 'string', path: 'logLevel', value: 'LEVEL', help: 'debug, info, warn or error' },
  'cni-conf-dir': { kind: 'string', path: 'paths.cniConfDir', value: 'DIR', help: 'where the conflist is written' },
  'cni-bin-dir': { kind: 'string', path: 'paths.cniBinDir', value: 'DIR', help: 'where the plugin binaries are installed' },
  'run-dir': { kind: 'string', path: 'paths.runDir', value: 'DIR', help: 'readiness files for the plugin' },
  'ipam-data-dir': { kind: 'string', path: 'paths.ipamDataDir', value: 'DIR', help: "twill-ipam's dataDir" },
  'network-name': { kind: 'string', path: 'networks[0].name', value: 'NAME', help: 'CNI network name (conflist 10-<name>.conflist)' },
  bridge: { kind: 'string', path: 'networks[0].bridge', value: 'IFNAME', help: "the node's bridge for the pod network" },
  vni: { kind: 'integer', path: 'networks[0].vni', value: 'N', help: 'VXLAN network identifier, 1..16777215 (device twill.<vni>)' },
  mtu: { kind: 'integer', path: 'networks[0].mtu', value: 'N', help: 'device MTU, 576..9000; default: the underlay MTU less 50 (IPv4) or 70 (IPv6)' },
  'cluster-cidr': { kind: 'list', path: 'networks[0].clusterCIDRs', value: 'CIDR', help: 'self-allocate node subnets from CIDR (repeat, or comma-separate, for dual-stack: one IPv4, one IPv6); default: none, use spec.podCIDRs' },
  'node-prefix-length-v4': { kind: 'integer', path: 'networks[0].nodePrefixLength.ipv4', value: 'N', help: 'IPv4 node subnet size when self-allocating' },
  'node-prefix-length-v6': { kind: 'integer', path: 'networks[0].nodePrefixLength.ipv6', value: 'N', help: 'IPv6 node subnet size when self-allocating' },
  'ip-masq': { kind: 'boolean', path: 'networks[0].ipMasq', help: 'masquerade pod traffic leaving the cluster CIDRs (--no-ip-masq: off)' },
  'vxlan-port': { kind: 'integer', path: 'vxlanPort', value: 'PORT', help: 'UDP port of the VXLAN underlay' },
  'underlay-interface': { kind: 'string', path: 'underlay.interface', value: 'IFNAME', help: "carry the overlay from this interface's first global address" },
  'underlay-address': { kind: 'string', path: 'underlay.address', value: 'IP', help: "carry the overlay from this address; default: the node's InternalIP" },
  'direct-routing': { kind: 'boolean', path: 'directRouting', help: 'plain routes to peers on the same link, no encapsulation (--no-direct-routing: off)' },
  'checksum-workaround': { kind: 'boolean', path: 'checksumOffloadWorkaround', help: 'tx-checksum-ip-generic off on the VXLAN device (--no-checksum-workaround: leave it on)' },
  'resync-seconds': { kind: 'integer', path: 'resyncSeconds', value: 'N', help: 'full reconcile period, 1..3600' },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

/** What the command line says: the settings as a layer, and the three flags that are not settings. */
export interface ParsedFlags {
  layer: ConfigLayer;
  origins: Origins;
  configFile?: string;
  help: boolean;
  version: boolean;
}

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

function parseOptions(): Record<string, OptionSpec> {
  const options: Record<string, OptionSpec> = {
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    options[name] = spec.kind === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: spec.kind === 'list' };
  }
  return options;
}

/** parseArgs' errors name the flag inside quotes; ours name it as the field. */
function flagError(err: unknown): AgentConfigError {
  const e = err as { code?: string; message: string };
  const quoted = /'([^' =<]+)/.exec(e.message)?.[1] ?? '(command line)';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new AgentConfigError({ field: quoted, detail: 'unknown flag (twilld --help lists them)' });
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new AgentConfigError({ field: quoted, detail: 'not a flag: twilld takes flags, or one subcommand first (install, uninstall)' });
  return new AgentConfigError({ field: quoted, detail: e.message.replace(/^Option '[^']*' /, '') });
}

function flagValue(name: string, spec: FlagSpec, raw: string | boolean | string[]): unknown {
  if (spec.kind === 'list') return (raw as string[]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (spec.kind !== 'integer') return raw;
  if (!/^-?\d+$/.test(raw as string)) throw new AgentConfigError({ field: `--${name}`, detail: `${JSON.stringify(raw)} is not an integer` });
  return Number(raw);
}

/** `argv` without the node and script paths (process.argv.slice(2)). */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({ args: [...argv], options: parseOptions(), strict: true, allowPositionals: false, allowNegative: true }).values as typeof values;
  } catch (err) {
    throw flagError(err);
  }
  const layer: ConfigLayer = {};
  const origins: Origins = new Map();
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    const raw = values[name];
    if (raw === undefined) continue;
    setPath(layer, spec.path, flagValue(name, spec, raw));
    origins.set(spec.path, `--${name}`);
  }
  const configFile = values.config as string | undefined;
  return { layer, origins, ...(configFile !== undefined ? { configFile } : {}), help: values.help === true, version: values.version === true };
}
