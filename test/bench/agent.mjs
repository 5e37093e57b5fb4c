// Benchmark module: twilld, the node agent, at cluster scale, measured from outside the agent.
// One network namespace (twb-agent) is the node: an underlay eth0 (172.31.255.254/12, outside
// the simulated nodes' 172.16.x.y), lo, the test API server as its own process holding 5,000
// simulated Nodes plus this node, and dist/twilld started as a DaemonSet would start it. Then:
//   1. agent start → the last of 5,000 peer routes in the kernel (`ip monitor route` stamps);
//   2. 30 s of nothing changing: CPU from /proc/<pid>/stat (the agent's and its execs');
//   3. 100 new nodes added and 100 existing ones removed, alternating, paced: API answer →
//      route event;
//   4. VmRSS/VmHWM from /proc/<pid>/status after convergence and after the churn;
//   5. the agent's own figures (/metrics, per-pass log lines) printed beside ours.
// Knobs: BENCH_TWILLD_NODES (5000), BENCH_TWILLD_CHURN (100 of each), BENCH_TWILLD_PACE_MS
// (200), BENCH_TWILLD_IDLE_SECONDS (30), BENCH_TWILLD_DUMP (a file for the raw figures), BENCH_TWILLD_LOG_LEVEL (debug: every pass logged), BENCH_TWILLD_BINARY (another build to compare, e.g. a
// copy of an older dist/twilld beside its runtime), BENCH_TWILLD_NETNS (twb-agent: two runs at
// once need two names). Everything it creates goes at the end, also on failure.
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { startAgent, writeAgentConfig } from './lib/agent-process.mjs';
import { startApiServer } from './lib/apiserver-process.mjs';
import { runCleanups } from './lib/cleanup.mjs';
import { wallMs } from './lib/daemon.mjs';
import { distBinary } from './lib/exec.mjs';
import { createNodeNamespace } from './lib/netns.mjs';
import { memoryOf } from './lib/proc.mjs';
import { startRouteMonitor } from './lib/route-monitor.mjs';
import { positiveInt } from './lib/settings.mjs';
import { awaitChurnEvents, awaitConvergence, churn, convergenceTracker, idleWindow, kernelEntries, simulatedPodCidr } from './agent-phases.mjs';
import { agentGoalLine, agentTable, churnStats, eventCounts, idleSplit, passNotes } from './agent-report.mjs';
import { scrapeAgent } from './agent-scrape.mjs';

export const name = 'twilld';
export const title = 'the node agent at 5,000 nodes: start to programmed, churn latency, memory, idle CPU';
export const subject = 'twilld';
export const reference = '(goals)';

const NS = process.env.BENCH_TWILLD_NETNS || 'twb-agent';
const NODE = { name: 'twb-bench-node', underlay: '172.31.255.254', prefix: 12, podCIDR: '10.200.0.0/24' };
const LISTEN = '127.0.0.1:19765';

const binary = () => distBinary(process.env.BENCH_TWILLD_BINARY || 'twilld');

export function requires() {
  return [binary()];
}

export function skipReason() {
  return process.getuid?.() === 0 ? undefined : 'needs root (it creates a network namespace)';
}

function knobs() {
  return {
    nodes: positiveInt('BENCH_TWILLD_NODES', 5000),
    churn: positiveInt('BENCH_TWILLD_CHURN', 100),
    paceMs: positiveInt('BENCH_TWILLD_PACE_MS', 200),
    idleSeconds: positiveInt('BENCH_TWILLD_IDLE_SECONDS', 30),
  };
}

/** This node as kubelet would register it: its pod subnet and its InternalIP (the underlay address). */
function benchNode() {
  return {
    metadata: { name: NODE.name, labels: { 'kubernetes.io/hostname': NODE.name, 'kubernetes.io/os': 'linux' } },
    spec: { podCIDR: NODE.podCIDR, podCIDRs: [NODE.podCIDR] },
    status: { addresses: [{ type: 'InternalIP', address: NODE.underlay }, { type: 'Hostname', address: NODE.name }] },
  };
}

/** The namespace, the API server with every Node, and the route monitor (already listening). */
async function setUp({ k, dir, progress }) {
  createNodeNamespace({ name: NS, underlayCidr: `${NODE.underlay}/${NODE.prefix}` });
  progress(`test API server with ${k.nodes} simulated nodes in namespace ${NS}`);
  const api = await startApiServer({ ns: NS, dir, nodes: k.nodes });
  await api.command({ op: 'createNode', body: benchNode() });
  const tracker = convergenceTracker(new Set(Array.from({ length: k.nodes }, (_, i) => simulatedPodCidr(i))));
  const monitor = await startRouteMonitor({ ns: NS, onEvent: tracker.feed });
  return { api, monitor, tracker };
}

/** Starts the agent and waits for every peer route; times are from the spawn. */
async function startAndConverge({ k, dir, env, progress }) {
  // The agent's own resync period unless BENCH_TWILLD_RESYNC_SECONDS sets one (10 before kernel events healed).
  const resyncSeconds = process.env.BENCH_TWILLD_RESYNC_SECONDS ? positiveInt('BENCH_TWILLD_RESYNC_SECONDS', 60) : undefined;
  const configFile = writeAgentConfig(dir, { listen: LISTEN, resyncSeconds, underlayInterface: 'eth0' });
  progress(`starting ${binary()} as ${NODE.name}; waiting for ${k.nodes} peer routes`);
  const t0 = wallMs();
  const agent = startAgent({ ns: NS, binary: binary(), configFile, nodeName: NODE.name, kubeconfig: env.api.kubeconfig });
  env.agent = agent;
  const c = await awaitConvergence({ tracker: env.tracker, agent, timeoutMs: 60_000 });
  if (c.lastAt === undefined) throw new Error(convergeFailure(c, agent, k.nodes));
  const ready = await agent.waitForLog((e) => e.event === 'network ready', 10_000);
  const logged = (event) => agent.logs.find((e) => e.event === event)?.receivedAt;
  const since = (at) => (at === undefined ? NaN : (at - t0) / 1000);
  return {
    seconds: since(c.lastAt), firstSeconds: since(c.firstAt), readySeconds: since(ready?.receivedAt),
    startedSeconds: since(logged('twilld started')), listedSeconds: since(logged('nodes listed')),
  };
}

function convergeFailure(c, agent, nodes) {
  const why = c.exited ? `the agent exited (${c.exited.code ?? c.exited.signal})` : 'timed out after 60 s';
  const tail = agent.logs.slice(-15).map((e) => JSON.stringify(e)).join('\n  ');
  return `twilld: ${why} with ${c.count} of ${nodes} peer routes in the kernel; its last output:\n  ${tail}`;
}

/** Nothing changing for a while: CPU from /proc, and the full passes the agent counted meanwhile. */
async function idlePhase({ k, env, progress }) {
  await sleep(2000); // the pass that found the last peer finishes its files and Node patch
  progress(`${k.idleSeconds} s idle`);
  const before = scrapeAgent(NS, LISTEN);
  const idle = await idleWindow({ pid: env.agent.pid, seconds: k.idleSeconds, agent: env.agent, monitor: env.monitor });
  const after = scrapeAgent(NS, LISTEN);
  const fullPasses = after.full && before.full ? after.full.count - before.full.count : NaN;
  return { idle: { ...idle, fullPasses }, scrape: after };
}

/** The measured phases after setUp; returns everything agent-report.mjs prints. */
async function measure({ k, dir, env, progress }) {
  const converge = await startAndConverge({ k, dir, env, progress });
  const { agent, api, monitor } = env;
  const entries = kernelEntries(NS);
  const afterConverge = memoryOf(agent.pid);
  progress(`converged in ${converge.seconds.toFixed(2)} s`);
  const { idle, scrape } = await idlePhase({ k, env, progress });
  progress(`churn: ${k.churn} nodes added, ${k.churn} removed, one command every ${k.paceMs} ms`);
  const commands = await churn({ api, firstNew: k.nodes, count: k.churn, paceMs: k.paceMs });
  const matched = await awaitChurnEvents({ commands, monitor, graceMs: 5000 });
  const afterChurn = memoryOf(agent.pid);
  const entriesAfterChurn = kernelEntries(NS);
  return {
    nodes: k.nodes, pid: agent.pid, converge, entries, idle, metrics: scrapeAgent(NS, LISTEN, scrape),
    churn: { count: k.churn, paceMs: k.paceMs, entries: entriesAfterChurn, add: churnStats(matched, 'add'), remove: churnStats(matched, 'remove'), matched },
    memory: { afterConverge, afterChurn },
    api: { ready: api.ready, memory: memoryOf(api.pid) },
  };
}

/** Stops what runs in the namespace (agent first: its exit is a figure too), then removes everything. */
async function tearDown(env) {
  try {
    const t = performance.now();
    const agentExit = env.agent ? await env.agent.stop() : undefined;
    const stopMs = performance.now() - t;
    await env.api?.stop();
    await env.monitor?.stop();
    // Whatever the agent started and left running in the namespace (pids of our own descendants).
    const leftovers = spawnSync('ip', ['netns', 'pids', NS], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const pid of leftovers) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    return { agentExit, stopMs, leftovers };
  } finally {
    runCleanups();
  }
}

function notesOf(r, down) {
  const own = r.metrics.selfRssBytes;
  return [
    `agent's own RSS figure (process_resident_memory_bytes): ${Number.isFinite(own) ? `${(own / 1e6).toFixed(1)} MB` : '—'}, vs VmRSS ${((r.memory.afterChurn.rssKiB * 1024) / 1e6).toFixed(1)} MB read from /proc`,
    ...(r.metrics.error ? [`could not read the agent's /metrics: ${r.metrics.error}`] : []),
    `agent log during the idle window: ${eventCounts(r.idle.logs)}`,
    idleSplit(r.idle),
    ...passNotes(r.logs),
    `test API server (same namespace, own process): ${r.api.ready.nodes} nodes loaded in ${r.api.ready.ms} ms, VmRSS ${((r.api.memory.rssKiB * 1024) / 1e6).toFixed(0)} MB at the end`,
    `agent stopped on SIGTERM in ${down.stopMs.toFixed(0)} ms (${down.agentExit?.code ?? down.agentExit?.signal})${down.leftovers.length ? `; ${down.leftovers.length} process(es) left in ${NS} were killed` : ''}`,
  ];
}

export async function run({ tempDir, progress }) {
  const k = knobs();
  const dir = tempDir('agent');
  const env = {};
  let r;
  try {
    Object.assign(env, await setUp({ k, dir, progress }));
    r = await measure({ k, dir, env, progress });
    r.logs = env.agent.logs;
    // BENCH_TWILLD_DUMP=FILE: every churn command's latency and the agent's log lines, as JSON.
    if (process.env.BENCH_TWILLD_DUMP) writeFileSync(process.env.BENCH_TWILLD_DUMP, JSON.stringify({ churn: r.churn.matched, logs: r.logs }));
  } finally {
    env.down = await tearDown(env);
  }
  return { table: agentTable(r), goals: [agentGoalLine(r)], notes: notesOf(r, env.down) };
}
