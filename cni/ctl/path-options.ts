/**
 * The node-path options, spelled as twilld spells them (daemonset/config/flags.ts: --cni-conf-dir,
 * --cni-bin-dir, --run-dir, --ipam-data-dir), so one spelling works for the agent, `twilld
 * uninstall` and twillctl. twillctl's first spellings (--conf-dir, --bin-dir, --ipam-dir) stay as
 * hidden aliases. No commander defaults: a default would hide which of the two names was given.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_PATHS, type Paths } from './context';

interface PathOption {
  /** twilld's flag name. */
  flag: string;
  /** The earlier twillctl name, still accepted. */
  alias?: string;
  key: keyof Paths;
  help: string;
}

export const PATH_OPTIONS: readonly PathOption[] = [
  { flag: 'cni-conf-dir', alias: 'conf-dir', key: 'confDir', help: `CNI config directory (default: ${DEFAULT_PATHS.confDir})` },
  { flag: 'cni-bin-dir', alias: 'bin-dir', key: 'binDir', help: `CNI bin directory (default: ${DEFAULT_PATHS.binDir})` },
  { flag: 'run-dir', key: 'runDir', help: `twill's run directory (default: ${DEFAULT_PATHS.runDir})` },
  { flag: 'ipam-data-dir', alias: 'ipam-dir', key: 'ipamDir', help: "IPAM data directory (default: each conflist's ipam.dataDir)" },
];

/** commander's attribute for a long option name: "cni-conf-dir" → "cniConfDir". */
const attribute = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function addPathOptions(cmd: Command): Command {
  for (const o of PATH_OPTIONS) {
    cmd.addOption(new Option(`--${o.flag} <dir>`, o.help));
    if (o.alias) cmd.addOption(new Option(`--${o.alias} <dir>`, `same as --${o.flag}`).hideHelp());
  }
  return cmd;
}

/** The paths from parsed options: twilld's name first, then the alias, then the node's default. */
export function pathsFrom(opts: Record<string, unknown>): Paths {
  const paths: Partial<Record<keyof Paths, string>> = {};
  for (const o of PATH_OPTIONS) {
    const given = opts[attribute(o.flag)] ?? (o.alias ? opts[attribute(o.alias)] : undefined);
    const value = typeof given === 'string' ? given : DEFAULT_PATHS[o.key];
    if (value !== undefined) paths[o.key] = value;
  }
  return paths as Paths;
}
