// twilld's command line: `install`, `uninstall`, or (anything else) the agent.
import { dirname } from 'node:path';
import { runAgent, type AgentProcess } from '../agent/run';
import { parseCommand } from './args';
import { runInstall } from './install';
import { runUninstall } from './uninstall';

export interface TwilldProcess extends AgentProcess {
  /** The running bundle's path (process.argv[1]): its directory holds the build it belongs to. */
  selfPath: string;
}

export async function runTwilld(p: TwilldProcess): Promise<number> {
  const cmd = parseCommand(p.argv, dirname(p.selfPath));
  switch (cmd.kind) {
    case 'agent':
      return runAgent({ ...p, argv: cmd.argv });
    case 'help':
      p.stdout.write(`${cmd.text}\n`);
      return 0;
    case 'usage':
      p.stderr.write(`twilld: ${cmd.message}\n`);
      return 2;
    case 'install':
      return runInstall({ ...cmd, stdout: p.stdout, stderr: p.stderr });
    case 'uninstall':
      return runUninstall({ ...cmd, env: p.env, stdout: p.stdout, stderr: p.stderr });
  }
}
