// twilld's process: settings, logger, the agent, and its end. SIGTERM and SIGINT stop the
// agent cleanly (the dataplane stays: pods keep their traffic while a new agent starts);
// bad settings exit 2 with the field named; a failure to start exits 1.
import { readFileSync } from 'node:fs';
import { agentVersion, AgentConfigError, loadAgentConfig } from '../config';
import { errorMessage, jsonLineLogger } from '../kube/log';
import { startAgent } from './wire';

export interface AgentProcess {
  argv: string[];
  env: Readonly<Record<string, string | undefined>>;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Resolves on the first stop signal. */
  stopSignal: Promise<string>;
}

function loadOrExplain(p: AgentProcess): ReturnType<typeof loadAgentConfig> | number {
  try {
    return loadAgentConfig({ argv: p.argv, env: p.env, readFile: (path: string) => readFileSync(path, 'utf8') });
  } catch (err) {
    if (!(err instanceof AgentConfigError)) throw err;
    p.stderr.write(`twilld: ${err.message}\n(twilld --help lists the settings)\n`);
    return 2;
  }
}

export async function runAgent(p: AgentProcess): Promise<number> {
  const loaded = loadOrExplain(p);
  if (typeof loaded === 'number') return loaded;
  if (loaded.kind !== 'run') {
    p.stdout.write(`${loaded.text}\n`);
    return 0;
  }
  const { config } = loaded;
  const logger = jsonLineLogger({ write: (line) => p.stderr.write(line), level: config.logLevel });
  try {
    const agent = await startAgent({ config, env: p.env, logger, version: agentVersion() });
    const signal = await p.stopSignal;
    logger.info('stop signal', { signal });
    await agent.stop();
    return 0;
  } catch (err) {
    logger.error('twilld cannot start', { error: errorMessage(err) });
    return 1;
  }
}
