/**
 * twillctl's command line (commander): global path options with the standard defaults, --json on
 * every command, exit codes 0 ok / 1 problems found / 2 usage. Each command is a function
 * returning a Report; this file only wires them and prints.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, type Ctx, type Io, type Report } from './context';
import { bashCompletion } from './completion';
import { addPathOptions } from './path-options';
import { UsageError, parseSeconds } from './exec/options';
import { MIN_LEAK_AGE_MS } from './pods';
import { cmdAttach, type AttachOptions } from './commands/attach';
import type { ChainCommand } from './exec/chain';
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

type Action = (ctx: Ctx, cmd: Command) => Promise<Report>;
/** Wraps a command's function into a commander action (commander passes the Command last). */
type On = (name: string, f: Action) => (...args: unknown[]) => Promise<void>;

const opts = (cmd: Command) => cmd.opts() as Record<string, any>;

function rootCommand(io: Io, version: string): Command {
  const root = new Command('twillctl')
    .description("twill's node-level debugging tool: answers from this node (kernel, IPAM store, nft, conflists, the agent's files)")
    .version(version)
    .option('--json', 'machine-readable output (stable keys)');
  return addPathOptions(root)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(twillctl --help lists the commands)');
}

/** The commands that read the node (gc also releases, with --yes). */
function readCommands(program: Command, on: On): void {
  const network = (c: Command) => c.option('--network <name>', 'only this network');
  program.command('status').description('installed binaries, conflists, plugin STATUS, devices, agent readiness').action(on('status', (ctx) => cmdStatus(ctx)));
  network(program.command('ls').description('networks and their pods'))
    .option('--wide', 'also the interface, host veth and netns (lines may pass 80 columns)', false)
    .action(on('ls', (ctx, c) => cmdLs(ctx, opts(c))));
  network(program.command('inspect <pod>').description('one pod by container ID, pod name (namespace/name or name) or address')).action(
    on('inspect', (ctx, c) => cmdInspect(ctx, c.args[0], opts(c))),
  );
  const minAge = (c: Command) =>
    c.option('--min-age <seconds>', 'a reservation younger than this is not leaked: its ADD may still run', String(MIN_LEAK_AGE_MS / 1000));
  const gatherOpts = (c: Command) => ({ network: opts(c).network as string | undefined, minAgeMs: parseSeconds('--min-age', opts(c).minAge) * 1000 });
  minAge(network(program.command('ipam').description('per range: size, used, free, last; leaked reservations'))).action(on('ipam', (ctx, c) => cmdIpam(ctx, gatherOpts(c))));
  minAge(network(program.command('gc').description('release leaked reservations (dry run unless --yes)')))
    .option('--yes', 'really release them', false)
    .action(on('gc', (ctx, c) => cmdGc(ctx, { ...gatherOpts(c), yes: opts(c).yes === true })));
  network(program.command('peers').description('remote nodes: subnet, VTEP MAC, underlay, and kernel drift')).action(on('peers', (ctx, c) => cmdPeers(ctx, opts(c))));
  program.command('doctor').description('common node problems, each with its fix').action(on('doctor', (ctx) => cmdDoctor(ctx)));
}

/** add, check, del: the network's plugin chain, driven as a runtime drives it. */
function attachCommands(program: Command, on: On): void {
  for (const verb of ['add', 'check', 'del'] as const) {
    program
      .command(`${verb} <network> <netns>`)
      .description(`${verb.toUpperCase()} through the network's plugin chain, as a runtime does (netns: a name under /run/netns or a path)`)
      .option('--ports <spec>', 'publish [hostIP:]hostPort:containerPort[/tcp|udp] (repeatable)', collect, [])
      .option('--ip <address>', 'ask for this address (repeatable)', collect, [])
      .option('--pod <namespace/name>', 'the pod, as K8S_POD_NAMESPACE/K8S_POD_NAME in CNI_ARGS')
      .option('--args <K=V;…>', 'more CNI_ARGS')
      .option('--ifname <name>', 'the interface inside the namespace', 'eth0')
      .option('--container-id <id>', 'CNI_CONTAINERID (default: derived from the netns)')
      .action(on(verb, (ctx, c) => cmdAttach(ctx, verb.toUpperCase() as ChainCommand, c.args[0], c.args[1], opts(c) as AttachOptions)));
  }
}

export function buildProgram(io: Io, makeCtx: CtxFactory, run: Run): Command {
  const program = rootCommand(io, makeCtx({}).version);
  const on: On = (name, f) => async (...args) => {
    const cmd = args[args.length - 1] as Command;
    const ctx = makeCtx(cmd.optsWithGlobals());
    emit(ctx, name, await f(ctx, cmd), run);
  };
  readCommands(program, on);
  attachCommands(program, on);
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
