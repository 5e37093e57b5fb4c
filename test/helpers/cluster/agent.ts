// One twilld on a harness node: `dist/twilld --config <file>` inside the node's namespace with
// NODE_NAME and KUBECONFIG, as the DaemonSet runs it. Its output lines are kept across restarts
// (each start is a new ManagedProcess; `lines` is all of them in order) for assertions and for
// the failure message of a test that did not go as planned.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST } from '../exec-plugin';
import type { AgentFileConfig } from './agent-config';
import { inNs, PATH, sleep, tryRun } from './exec';
import type { ClusterNode } from './node';
import { ManagedProcess, type Exit, type LineMatch, type LogLine } from './process';

export const TWILLD = join(DIST, 'twilld');

export interface AgentOptions {
  node: ClusterNode;
  config: AgentFileConfig;
  /** More environment (e.g. POD_NAMESPACE); PATH, NODE_NAME and KUBECONFIG are set. */
  env?: Record<string, string>;
  /** Another binary than dist/twilld. */
  binary?: string;
}

export class Agent {
  private readonly generations: ManagedProcess[] = [];

  constructor(private readonly opts: AgentOptions) {}

  get node(): ClusterNode {
    return this.opts.node;
  }

  get config(): AgentFileConfig {
    return this.opts.config;
  }

  /** The current (latest) process. */
  get process(): ManagedProcess | undefined {
    return this.generations[this.generations.length - 1];
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /** The pid of every start. */
  get pids(): number[] {
    return this.generations.map((p) => p.pid);
  }

  /** Every line of every start, oldest first. */
  get lines(): LogLine[] {
    return this.generations.flatMap((p) => p.lines);
  }

  /** Writes the config file and starts a process (refused while one runs). */
  start(): ManagedProcess {
    if (this.running) throw new Error(`agent on ${this.node.name}: already running (pid ${this.process!.pid})`);
    const { node } = this.opts;
    const binary = this.opts.binary ?? TWILLD;
    if (!existsSync(binary)) throw new Error(`agent on ${node.name}: ${binary} does not exist (make build)`);
    writeFileSync(node.paths.agentConfig, `${JSON.stringify(this.opts.config, null, 2)}\n`);
    const argv = inNs(node.ns, [binary, '--config', node.paths.agentConfig]);
    const env = { PATH, NODE_NAME: node.name, KUBECONFIG: node.paths.kubeconfig, ...this.opts.env };
    const p = new ManagedProcess(`twilld ${node.name}#${this.generations.length + 1}`, argv, { env });
    this.generations.push(p);
    return p;
  }

  /** A line of the current process (from its start) matching; rejects if it exits first. */
  waitForLine(match: LineMatch, timeoutMs = 10_000): Promise<LogLine> {
    if (!this.process) throw new Error(`agent on ${this.node.name}: never started`);
    return this.process.waitForLine(match, { timeoutMs });
  }

  /** A graceful stop (SIGTERM unless told), SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<Exit | undefined> {
    return this.process?.stop(signal, graceMs);
  }

  /** kill -9, the agent and every process it started. */
  async kill(): Promise<Exit | undefined> {
    return this.process?.kill();
  }

  /** Stops (gracefully, or with SIGKILL when `signal` says so) and starts again. */
  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<ManagedProcess> {
    if (signal === 'SIGKILL') await this.kill();
    else await this.stop(signal);
    return this.start();
  }

  /** GET http://<listen><path> inside the node namespace; code 0 when nothing answered. */
  async http(path: string): Promise<{ code: number; body: string }> {
    const url = `http://${this.opts.config.listen}${path}`;
    const r = await tryRun(inNs(this.node.ns, ['curl', '-sS', '--max-time', '3', '-o', '-', '-w', '\n%{http_code}', url]));
    const cut = r.stdout.lastIndexOf('\n');
    return { code: Number(r.stdout.slice(cut + 1)) || 0, body: r.stdout.slice(0, Math.max(cut, 0)) };
  }

  /** Polls `path` until it answers 200; the failure names the agent's last lines. */
  async waitHealthy(path = '/healthz', timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = { code: 0, body: '' };
    while (Date.now() < deadline && this.running) {
      last = await this.http(path);
      if (last.code === 200) return;
      await sleep(100);
    }
    throw new Error(`agent on ${this.node.name}: ${path} not 200 (last ${last.code} ${last.body.slice(0, 200)}; ${this.running ? 'running' : `exited ${JSON.stringify(this.process?.exitStatus)}`})\n${this.output()}`);
  }

  /** Every generation's output, for a failure message. */
  output(last = 200): string {
    return this.generations.map((p) => `--- ${p.name} (pid ${p.pid})\n${p.output(last)}`).join('\n');
  }
}
