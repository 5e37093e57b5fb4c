import { checkAgentSettings } from './check-agent';
import { checkNetworks } from './check-networks';
import { failFor } from './check-util';
import { readEnv } from './env';
import { readConfigFile, type ReadFile } from './file';
import { parseFlags } from './flags';
import { helpText } from './help';
import type { ConfigLayer } from './layer';
import { mergeLayers } from './merge';
import type { AgentConfig } from './types';
import { versionText } from './version';

export type LoadResult = { kind: 'run'; config: AgentConfig } | { kind: 'help'; text: string } | { kind: 'version'; text: string };

export interface LoadOptions {
  /** The arguments after the script (process.argv.slice(2)). */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Reads the --config file (fs.readFileSync(path, 'utf8') in main). */
  readFile: ReadFile;
}

/**
 * twilld's settings: DEFAULTS < the --config file < flags < environment (NODE_NAME,
 * POD_NAMESPACE, KUBECONFIG), then checked as a whole. --help and --version return their
 * text instead. Throws AgentConfigError naming the file key, flag or variable at fault.
 */
export function loadAgentConfig({ argv, env, readFile }: LoadOptions): LoadResult {
  const flags = parseFlags(argv);
  if (flags.help) return { kind: 'help', text: helpText() };
  if (flags.version) return { kind: 'version', text: versionText() };
  const file: ConfigLayer = flags.configFile !== undefined ? readConfigFile(flags.configFile, readFile) : {};
  const fromEnv = readEnv(env);
  const merged = mergeLayers([file, flags.layer, fromEnv.layer]);
  const fail = failFor(new Map([...flags.origins, ...fromEnv.origins]));
  checkAgentSettings(merged, fail);
  return { kind: 'run', config: { ...merged, networks: checkNetworks(merged.networks, fail) } };
}
