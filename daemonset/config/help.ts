import { DEFAULTS } from './defaults';
import { ENV_VARS } from './env';
import { FLAGS, type FlagSpec } from './flags';
import { getPath } from './paths';

const INTRO = `twilld: the twill node agent (a DaemonSet pod on every node).
It claims this node's pod subnets (spec.podCIDRs, or its own from a cluster CIDR), joins
the nodes' bridges over a VXLAN overlay, writes the CNI conflist and installs the plugin
binaries, and serves health and metrics.

Usage: twilld [--config FILE] [flags]
       twilld install [--cni-bin-dir DIR] [--from DIR]      (twilld install --help)
       twilld uninstall [--purge-ipam] [dir flags]          (twilld uninstall --help)
Settings merge as: defaults < --config FILE < flags < environment.`;

const FILE_KEYS = `Config file (YAML or JSON; every key optional; unknown keys are errors):
  namespace, vxlanPort, underlay: {interface, address}, directRouting,
  checksumOffloadWorkaround, resyncSeconds, listen, logLevel,
  paths: {cniConfDir, cniBinDir, runDir, ipamDataDir},
  networks: list of {name, bridge, vni, clusterCIDRs, nodePrefixLength: {ipv4, ipv6}, mtu, ipMasq}
    networks[0] is the pod network; flags set its fields. networks[1..] are further isolated
    overlays (conflist 80-<name>.conflist, Node annotations twill.dev/<name>.vtep-mac and
    .pod-cidrs, so their name is a DNS label of at most 53 characters); they need clusterCIDRs,
    and default to bridge twill<index>, VNI index+1. With more than one network each needs a
    name. nodeName and kubeconfig are not file keys (NODE_NAME, KUBECONFIG).
  Example:
    networks:
      - clusterCIDRs: [10.244.0.0/16, fd00:10:244::/56]
      - {name: storage, vni: 42, clusterCIDRs: [10.250.0.0/16], ipMasq: false}
    underlay: {interface: eth1}`;

function defaultOf(spec: FlagSpec): string {
  const value = getPath(DEFAULTS, spec.path);
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return '';
  if (spec.kind === 'boolean') return value ? ' (default: on)' : ' (default: off)';
  return ` (default: ${Array.isArray(value) ? value.join(',') : JSON.stringify(value)})`;
}

function flagLines(): string[] {
  const rows = Object.entries(FLAGS).map(([name, spec]: [string, FlagSpec]) => {
    const head = spec.kind === 'boolean' ? `--[no-]${name}` : `--${name} ${spec.value ?? 'VALUE'}`;
    return [head, `${spec.help}${defaultOf(spec)}`];
  });
  rows.unshift(['--config FILE', 'settings file, YAML or JSON (below)'], ['-h, --help', 'this text'], ['--version', 'print "twilld <version>"']);
  const width = Math.max(...rows.map(([head]) => head.length));
  return rows.map(([head, text]) => `  ${head.padEnd(width)}  ${text}`);
}

/** The --help text: what twilld is, its environment, every flag with its default, the file's keys. */
export function helpText(): string {
  const env = Object.entries(ENV_VARS).map(([name, { help }]) => `  ${name.padEnd(13)}  ${help}`);
  const defaults = `Defaults of networks[0]: ${JSON.stringify(DEFAULTS.networks[0])}`;
  return [INTRO, '', 'Environment (wins over flags and file):', ...env, '', 'Flags:', ...flagLines(), '', FILE_KEYS, '', defaults].join('\n');
}
