/**
 * twillctl's command line (commander): global path options with the standard defaults, --json on
 * every command, exit codes 0 ok / 1 problems found / 2 usage. Each command is a function
 * returning a Report; this file only wires them and prints.
 */
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_PATHS, EXIT, type Ctx, type Io, type Report } from './context';
import { bashCompletion } from './completion';
import { UsageError } from './exec/options';
import { cmdAttach } from './commands/attach';
import { cmdDoctor } from './commands/doctor';
import { cmdGc } from './commands/gc';
import { cmdInspect } from './commands/inspect';
import { cmdIpam } from './commands/ipam';
import { cmdLs } from './commands/ls';
import { cmdPeers } from './commands/peers';
import { cmdStatus } from './commands/status';

export type CtxFactory = (opts: Record<string, unknown>) => Ctx;

interface Run {
  code: number;
}

function emit(ctx: Ctx, name: string, report: Report, run: Run): void {
  ctx.io.stdout(ctx.json ? JSON.stringify({ command: name, problems: report.problems, ...report.data }, null, 2) + '\n' : report.text);
  run.code = report.problems > 0 ? EXIT.problems : EXIT.ok;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function attachCommand(program: Command, verb: 'add' | 'check' | 'del', action: (cmd: Command, verb: string, args: string[]) => Promise<void>): void {
  program
    .command(`${verb} <network> <netns>`)
    .description(`${verb.toUpperCase()} through the network's plugin chain, as a runtime does (netns: a name under /run/netns or a path)`)
    .option('--ports <spec>', 'publish [hostIP:]hostPort:containerPort[/tcp|udp] (repeatable)', collect, [])
    .option('--ip <address>', 'ask for this address (repeatable)', collect, [])
    .option('--pod <namespace/name>', 'the pod, as K8S_POD_NAMESPACE/K8S_POD_NAME in CNI_ARGS')
    .option('--args <K=V;…>', 'more CNI_ARGS')
    .option('--ifname <name>', 'the interface inside the namespace', 'eth0')
    .option('--container-id <id>', 'CNI_CONTAINERID (default: derived from the netns)')
    .action((network: string, netns: string, _o: unknown, cmd: Command) => action(cmd, verb, [network, netns]));
}

export function buildProgram(io: Io, makeCtx: CtxFactory, run: Run): Command {
  const program = new Command('twillctl')
    .description("twill's node-level debugging tool: answers from this node (kernel, IPAM store, nft, conflists, the agent's files)")
    .version(makeCtx({}).version)
    .option('--json', 'machine-readable output (stable keys)')
    .addOption(new Option('--conf-dir <dir>', 'CNI config directory').default(DEFAULT_PATHS.confDir))
    .addOption(new Option('--bin-dir <dir>', 'CNI bin directory').default(DEFAULT_PATHS.binDir))
    .addOption(new Option('--run-dir <dir>', "twill's run directory").default(DEFAULT_PATHS.runDir))
    .option('--ipam-dir <dir>', "IPAM data directory (default: each conflist's ipam.dataDir)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(twillctl --help lists the commands)');
  const go = (name: string, f: (ctx: Ctx, cmd: Command) => Promise<Report>) => async (cmd: Command) => {
    const ctx = makeCtx(cmd.optsWithGlobals());
    emit(ctx, name, await f(ctx, cmd), run);
  };
  const on = (name: string, f: (ctx: Ctx, cmd: Command) => Promise<Report>) => (...a: unknown[]) => go(name, f)(a[a.length - 1] as Command);
  const opts = (cmd: Command) => cmd.opts() as Record<string, any>;
  program.command('status').description('installed binaries, conflists, plugin STATUS, devices, agent readiness').action(on('status', (ctx) => cmdStatus(ctx)));
  program.command('ls').description('networks and their pods').option('--network <name>', 'only this network').action(on('ls', (ctx, c) => cmdLs(ctx, opts(c))));
  program
    .command('inspect <pod>')
    .description('one pod by container ID, pod name (namespace/name or name) or address')
    .option('--network <name>', 'only this network')
    .action(on('inspect', (ctx, c) => cmdInspect(ctx, c.args[0], opts(c))));
  program.command('ipam').description('per range: size, used, free, last; leaked reservations').option('--network <name>', 'only this network').action(on('ipam', (ctx, c) => cmdIpam(ctx, opts(c))));
  program
    .command('gc')
    .description('release leaked reservations (dry run unless --yes)')
    .option('--network <name>', 'only this network')
    .option('--yes', 'really release them', false)
    .action(on('gc', (ctx, c) => cmdGc(ctx, { network: opts(c).network, yes: opts(c).yes === true })));
  program.command('peers').description('remote nodes: subnet, VTEP MAC, underlay, and kernel drift').option('--network <name>', 'only this network').action(on('peers', (ctx, c) => cmdPeers(ctx, opts(c))));
  program.command('doctor').description('common node problems, each with its fix').action(on('doctor', (ctx) => cmdDoctor(ctx)));
  for (const verb of ['add', 'check', 'del'] as const) {
    attachCommand(program, verb, (cmd, v, [network, netns]) =>
      go(v, (ctx) => cmdAttach(ctx, v.toUpperCase() as 'ADD', network, netns, opts(cmd) as never))(cmd),
    );
  }
  program
    .command('completion <shell>')
    .description('print a completion script (bash)')
    .action((shell: string) => {
      if (shell !== 'bash') throw new UsageError(`completion: only bash is supported, not "${shell}"`);
      io.stdout(bashCompletion(program));
    });
  return program;
}

/** Parses and runs; returns the exit code. */
export async function runCli(argv: string[], io: Io, makeCtx: CtxFactory): Promise<number> {
  const run: Run = { code: EXIT.ok };
  const program = buildProgram(io, makeCtx, run);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return run.code;
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    if (err instanceof UsageError) {
      io.stderr(`twillctl: ${err.message}\n`);
      return EXIT.usage;
    }
    io.stderr(`twillctl: ${(err as Error).stack ?? err}\n`);
    return EXIT.problems;
  }
}
