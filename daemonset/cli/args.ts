/**
 * twilld's subcommands (pure): `twilld install` and `twilld uninstall` are parsed here, anything
 * else is the agent's command line (config/flags.ts). The directory flags are the agent's own
 * (FLAGS: same names, same help) and default to the agent's defaults, so one spelling of
 * `--cni-bin-dir` works for all three.
 */
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../config/defaults';
import { FLAGS } from '../config/flags';

export interface UninstallPaths {
  cniConfDir: string;
  cniBinDir: string;
  runDir: string;
  /** Where an IPAM store lives when no conflist names its dataDir any more. */
  ipamDataDir: string;
}

export type Command =
  | { kind: 'agent'; argv: string[] }
  | { kind: 'install'; from: string; cniBinDir: string }
  | { kind: 'uninstall'; paths: UninstallPaths; purgeIpam: boolean }
  | { kind: 'help'; text: string }
  | { kind: 'usage'; message: string };

export const SUBCOMMANDS = ['install', 'uninstall'] as const;

const dirFlag = (name: keyof typeof FLAGS, def: string) => `  --${name} DIR`.padEnd(24) + `${FLAGS[name].help} (default: ${def})`;

export const INSTALL_USAGE = [
  'Usage: twilld install [--cni-bin-dir DIR] [--from DIR]',
  'Copies the plugin bundles and their runtime into the CNI bin dir, each file atomically and',
  'checked (sha256); writes no conflist (the agent does, once the node subnet is known).',
  dirFlag('cni-bin-dir', DEFAULTS.paths.cniBinDir),
  '  --from DIR'.padEnd(24) + "the build to install (default: twilld's own directory)",
].join('\n');

const p = DEFAULTS.paths;
export const UNINSTALL_USAGE = [
  'Usage: twilld uninstall [--cni-conf-dir DIR] [--cni-bin-dir DIR] [--run-dir DIR] [--ipam-data-dir DIR] [--purge-ipam]',
  "Removes twill from this node (stop the agent first): twill's conflists, its proto-116 routes,",
  'the twill.<vni> VXLAN devices, the nft tables inet twill and inet twilld, the iptables TWILL-*',
  "chains, twill's bridges that no pod is attached to, twill's files in the CNI bin dir and the",
  "run dir. Pods' own namespaces are never entered. Exit 0: done; 1: a step failed (named); 2: usage.",
  dirFlag('cni-conf-dir', p.cniConfDir),
  dirFlag('cni-bin-dir', p.cniBinDir),
  dirFlag('run-dir', p.runDir),
  dirFlag('ipam-data-dir', p.ipamDataDir) + '; only read with --purge-ipam',
  '  --purge-ipam'.padEnd(24) + "also remove the IPAM stores of twill's networks (kept by default)",
].join('\n');

type Values = Record<string, string | boolean | undefined>;

function parse(argv: string[], options: Record<string, { type: 'string' | 'boolean' }>): Values | string {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: false }).values as Values;
  } catch (err) {
    return (err as Error).message;
  }
}

const str = (v: Values, key: string, def: string): string => (typeof v[key] === 'string' ? (v[key] as string) : def);
const empty = (v: Values) => Object.entries(v).find(([, value]) => value === '')?.[0];

function installCommand(argv: string[], selfDir: string): Command {
  const v = parse(argv, { 'cni-bin-dir': { type: 'string' }, from: { type: 'string' } });
  if (typeof v === 'string') return { kind: 'usage', message: `${v}\n${INSTALL_USAGE}` };
  if (v.help) return { kind: 'help', text: INSTALL_USAGE };
  if (empty(v)) return { kind: 'usage', message: `--${empty(v)} needs a directory\n${INSTALL_USAGE}` };
  return { kind: 'install', from: str(v, 'from', selfDir), cniBinDir: str(v, 'cni-bin-dir', p.cniBinDir) };
}

function uninstallCommand(argv: string[]): Command {
  const dirs = ['cni-conf-dir', 'cni-bin-dir', 'run-dir', 'ipam-data-dir'];
  const v = parse(argv, { ...Object.fromEntries(dirs.map((d) => [d, { type: 'string' as const }])), 'purge-ipam': { type: 'boolean' } });
  if (typeof v === 'string') return { kind: 'usage', message: `${v}\n${UNINSTALL_USAGE}` };
  if (v.help) return { kind: 'help', text: UNINSTALL_USAGE };
  if (empty(v)) return { kind: 'usage', message: `--${empty(v)} needs a directory\n${UNINSTALL_USAGE}` };
  const paths = { cniConfDir: str(v, 'cni-conf-dir', p.cniConfDir), cniBinDir: str(v, 'cni-bin-dir', p.cniBinDir), runDir: str(v, 'run-dir', p.runDir), ipamDataDir: str(v, 'ipam-data-dir', p.ipamDataDir) };
  return { kind: 'uninstall', paths, purgeIpam: v['purge-ipam'] === true };
}

/**
 * What the command line asks for. `selfDir`: the directory of the running twilld bundle, where
 * the build it belongs to (plugins, runtimes) lies: dist/, or the image's /opt/twill.
 */
export function parseCommand(argv: readonly string[], selfDir: string): Command {
  const [first, ...rest] = argv;
  if (first === 'install') return installCommand(rest, selfDir);
  if (first === 'uninstall') return uninstallCommand(rest);
  return { kind: 'agent', argv: [...argv] };
}
