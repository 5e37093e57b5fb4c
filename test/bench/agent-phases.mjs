// The agent benchmark's measurements (agent.mjs runs them in order), each judged from outside
// the agent: kernel route events from `ip monitor` (lib/route-monitor.mjs), /proc of the
// agent's pid (lib/proc.mjs), and the kernel's tables read back with `ip`/`bridge`.
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ip } from './lib/netns.mjs';
import { wallMs } from './lib/daemon.mjs';
import { childCpuSecondsOf, cpuSecondsOf } from './lib/proc.mjs';

export const DEVICE = 'twill.1';

/** Simulated node i's IPv4 pod subnet: test/kube/apiserver/load.ts simulatedAddresses. */
export const simulatedPodCidr = (i) => `10.${64 + (i >> 8)}.${i & 255}.0/24`;

/**
 * Follows route events until every subnet in `expected` has been added on the device.
 * feed(event) takes the monitor's events; done resolves to the wall time of the last one.
 */
export function convergenceTracker(expected) {
  const added = new Set();
  let firstAt;
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  const feed = (e) => {
    if (e.dev !== DEVICE || e.deleted || !expected.has(e.dst) || added.has(e.dst)) return;
    firstAt ??= e.at;
    added.add(e.dst);
    if (added.size === expected.size) resolveDone(e.at);
  };
  return { feed, done, get count() { return added.size; }, get firstAt() { return firstAt; } };
}

/** Waits for `tracker` (or the agent's exit, or `timeoutMs`); { lastAt, count, exited? }. */
export async function awaitConvergence({ tracker, agent, timeoutMs }) {
  const outcome = await Promise.race([
    tracker.done.then((lastAt) => ({ lastAt })),
    agent.exited.then((r) => ({ exited: r })),
    sleep(timeoutMs).then(() => ({ timedOut: true })),
  ]);
  return { ...outcome, count: tracker.count, firstAt: tracker.firstAt };
}

/** The kernel's own count of the agent's per-peer entries: routes, permanent neighbours, FDB entries. */
export function kernelEntries(ns) {
  const lines = (text) => text.split('\n').filter((l) => l.trim()).length;
  const routes = lines(ip(['-n', ns, '-4', 'route', 'show', 'proto', '116', 'dev', DEVICE]));
  const neighbours = lines(ip(['-n', ns, '-4', 'neigh', 'show', 'dev', DEVICE, 'nud', 'permanent']));
  const r = spawnSync('bridge', ['-n', ns, 'fdb', 'show', 'dev', DEVICE], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bridge fdb show dev ${DEVICE}: ${r.stderr.trim()}`);
  const fdb = r.stdout.split('\n').filter((l) => / dst /.test(l)).length;
  return { routes, neighbours, fdb };
}

/**
 * CPU over `seconds` with nothing changing: the agent's own (utime + stime) and what its reaped
 * children (ip, nft execs) used, each as % of one core; plus what happened meanwhile.
 */
export async function idleWindow({ pid, seconds, agent, monitor }) {
  const start = { own: cpuSecondsOf(pid), children: childCpuSecondsOf(pid), t: performance.now(), logs: agent.logs.length, events: monitor.events.length };
  await sleep(seconds * 1000);
  const wall = (performance.now() - start.t) / 1000;
  const pct = (s) => (100 * s) / wall;
  return {
    seconds: wall,
    ownPct: pct(cpuSecondsOf(pid) - start.own),
    childPct: pct(childCpuSecondsOf(pid) - start.children),
    logs: agent.logs.slice(start.logs),
    routeEvents: monitor.events.slice(start.events).filter((e) => e.dev === DEVICE).length,
  };
}

/**
 * `count` new nodes added (indexes from `firstNew`) and `count` existing ones removed (from 0),
 * alternating, one command every `paceMs` (paced by the clock, not by the answers). Each command
 * has its own route to show, even when the agent folds several into one pass. Returns the
 * commands with their subnet, kind and API answer times.
 */
export async function churn({ api, firstNew, count, paceMs }) {
  const commands = [];
  const start = performance.now();
  for (let k = 0; k < 2 * count; k++) {
    const kind = k % 2 === 0 ? 'add' : 'remove';
    const i = kind === 'add' ? firstNew + (k >> 1) : k >> 1;
    const answer = await api.command({ op: kind === 'add' ? 'addNode' : 'removeNode', i });
    commands.push({ kind, i, dst: simulatedPodCidr(i), sentAt: answer.sentAt, answeredAt: answer.answeredAt });
    const next = start + (k + 1) * paceMs;
    await sleep(Math.max(0, next - performance.now()));
  }
  return commands;
}

/** The first kernel event answering each command (route added / deleted after it was sent). */
export function matchChurn(commands, events) {
  const byDst = new Map();
  for (const ev of events) if (ev.dev === DEVICE) byDst.set(ev.dst, [...(byDst.get(ev.dst) ?? []), ev]);
  return commands.map((c) => {
    const e = byDst.get(c.dst)?.find((ev) => ev.deleted === (c.kind === 'remove') && ev.at >= c.sentAt);
    return { ...c, at: e?.at, fromAnswerMs: e ? e.at - c.answeredAt : undefined, fromSendMs: e ? e.at - c.sentAt : undefined };
  });
}

/** Waits until every command has its kernel event, or `graceMs` after the last command. */
export async function awaitChurnEvents({ commands, monitor, graceMs }) {
  const until = wallMs() + graceMs;
  while (wallMs() < until && matchChurn(commands, monitor.events).some((m) => m.at === undefined)) await sleep(50);
  return matchChurn(commands, monitor.events);
}
