// The agent benchmark's table (metric | value | goal | met?), its goal line and its notes, from
// what agent.mjs measured. Goals as stated for the agent: every peer programmed within 5 s of
// start at 5,000 nodes, one node's add/remove in the kernel within 100 ms at p99, at most
// 100 MB resident, CPU near zero (here: below 1 % of one core) when nothing changes.
import { percentile } from './lib/stats.mjs';
import { formatMs, renderTable } from './lib/table.mjs';
import { bucketQuantile } from './lib/prom-text.mjs';

export const GOALS = { convergeS: 5, churnP99Ms: 100, rssMB: 100, idleCpuPct: 1 };

const fmtS = (s) => (Number.isFinite(s) ? `${s.toFixed(2)} s` : '—');
const fmtMB = (kib) => (Number.isFinite(kib) ? `${((kib * 1024) / 1e6).toFixed(1)} MB` : '—');
const fmtPct = (p) => (Number.isFinite(p) ? `${p.toFixed(2)} %` : '—');
const met = (ok) => (ok ? 'yes' : 'NO');
const mb = (kib) => (kib * 1024) / 1e6;

/** p50/p99 of one kind of churn command (ms from the API's answer to the kernel event), and how many never showed. */
export function churnStats(matched, kind) {
  const of = matched.filter((m) => m.kind === kind);
  const seen = of.filter((m) => m.fromAnswerMs !== undefined);
  const lat = seen.map((m) => m.fromAnswerMs);
  return { n: of.length, missing: of.length - seen.length, p50: percentile(lat, 50), p99: percentile(lat, 99), max: Math.max(...lat), fromSendP99: percentile(seen.map((m) => m.fromSendMs), 99) };
}

function startRows(r) {
  const { nodes, converge, entries } = r;
  const all = entries.routes === nodes && entries.neighbours === nodes && entries.fdb === nodes;
  return [
    { section: `start: agent process spawned → ${nodes} peers' routes in the kernel (ip monitor stamps)` },
    [`last of ${nodes} peer routes added`, fmtS(converge.seconds), `≤ ${GOALS.convergeS} s`, met(converge.seconds <= GOALS.convergeS)],
    ['"twilld started" logged (line arrival)', fmtS(converge.startedSeconds), '', ''],
    ['"nodes listed" logged (the informer\'s first list in)', fmtS(converge.listedSeconds), '', ''],
    ['first peer route added', fmtS(converge.firstSeconds), '', ''],
    ['"network ready" logged (line arrival)', fmtS(converge.readySeconds), '', ''],
    ['kernel then holds routes / neighbours / FDB', `${entries.routes} / ${entries.neighbours} / ${entries.fdb}`, `${nodes} each`, met(all)],
  ];
}

function churnRows(r) {
  const { add, remove, count, paceMs, entries } = r.churn;
  const all = entries.routes === r.nodes && entries.neighbours === r.nodes && entries.fdb === r.nodes;
  const p99ok = (s) => s.p99 <= GOALS.churnP99Ms && s.missing === 0;
  return [
    { section: `churn: ${count} new nodes added, ${count} existing ones removed, alternating, one every ${paceMs} ms (API answer → kernel route event)` },
    ['node added → route in kernel p50', formatMs(add.p50), '', ''],
    ['node added → route in kernel p99', formatMs(add.p99), `≤ ${GOALS.churnP99Ms} ms`, met(p99ok(add))],
    ['node removed → route gone p50', formatMs(remove.p50), '', ''],
    ['node removed → route gone p99', formatMs(remove.p99), `≤ ${GOALS.churnP99Ms} ms`, met(p99ok(remove))],
    ['commands whose route event never came', `${add.missing + remove.missing}`, '0', met(add.missing + remove.missing === 0)],
    ['kernel then holds routes / neighbours / FDB', `${entries.routes} / ${entries.neighbours} / ${entries.fdb}`, `${r.nodes} each`, met(all)],
  ];
}

function memoryRows(r) {
  const { afterConverge, afterChurn } = r.memory;
  return [
    { section: `memory of the agent's runtime process (/proc/${r.pid}/status: ${afterChurn.exe})` },
    ['VmRSS after convergence', fmtMB(afterConverge.rssKiB), `≤ ${GOALS.rssMB} MB`, met(mb(afterConverge.rssKiB) <= GOALS.rssMB)],
    ['VmRSS after churn', fmtMB(afterChurn.rssKiB), `≤ ${GOALS.rssMB} MB`, met(mb(afterChurn.rssKiB) <= GOALS.rssMB)],
    ['VmHWM (peak so far)', fmtMB(afterChurn.hwmKiB), `≤ ${GOALS.rssMB} MB`, met(mb(afterChurn.hwmKiB) <= GOALS.rssMB)],
  ];
}

function idleRows(r) {
  const { idle } = r;
  const total = idle.ownPct + idle.childPct;
  return [
    { section: `idle: ${idle.seconds.toFixed(0)} s with nothing changing (utime+stime from /proc/<pid>/stat, % of one core)` },
    ['agent process itself', fmtPct(idle.ownPct), '', ''],
    ['its reaped children (ip, nft: cutime+cstime)', fmtPct(idle.childPct), '', ''],
    ['total', fmtPct(total), `near zero (< ${GOALS.idleCpuPct} %)`, met(total < GOALS.idleCpuPct)],
    ['route events in the kernel meanwhile', String(idle.routeEvents), '0', met(idle.routeEvents === 0)],
  ];
}

function agentOwnRows(r) {
  const m = r.metrics;
  const h = m.eventLatency;
  const hist = (x) => (x?.count ? `${x.count} passes, mean ${formatMs((1000 * x.sum) / x.count)}` : '—');
  return [
    { section: "the agent's own figures (/metrics; histogram quantiles are bucket upper bounds)" },
    ['event_to_programmed during churn: p50 ≤ / p99 ≤', h?.count ? `${formatMs(1000 * bucketQuantile(h, 0.5))} / ${formatMs(1000 * bucketQuantile(h, 0.99))}` : '—', '', ''],
    ['event_to_programmed during churn: events, mean', h?.count ? `${h.count}, ${formatMs((1000 * h.sum) / h.count)}` : '—', '', ''],
    ['reconcile_duration full', hist(m.full), '', ''],
    ['reconcile_duration scoped', hist(m.scoped), '', ''],
    ['peers_programmed at the end', Number.isFinite(m.peersProgrammed) ? String(m.peersProgrammed) : '—', '', ''],
  ];
}

export function agentTable(r) {
  return renderTable(['metric', 'value', 'goal', 'met?'], [...startRows(r), ...churnRows(r), ...memoryRows(r), ...idleRows(r), ...agentOwnRows(r)]);
}

/** One line for the run's "== goals" summary. */
export function agentGoalLine(r) {
  const { add, remove } = r.churn;
  const peak = mb(r.memory.afterChurn.hwmKiB);
  const cpu = r.idle.ownPct + r.idle.childPct;
  return (
    `twilld at ${r.nodes} nodes: all peers programmed ≤ ${GOALS.convergeS} s ${met(r.converge.seconds <= GOALS.convergeS)} (${fmtS(r.converge.seconds)}), ` +
    `churn p99 ≤ ${GOALS.churnP99Ms} ms ${met(add.p99 <= GOALS.churnP99Ms && remove.p99 <= GOALS.churnP99Ms && !add.missing && !remove.missing)} (add ${formatMs(add.p99)}, remove ${formatMs(remove.p99)}), ` +
    `RSS ≤ ${GOALS.rssMB} MB ${met(peak <= GOALS.rssMB)} (peak ${peak.toFixed(1)} MB), idle CPU < ${GOALS.idleCpuPct} % ${met(cpu < GOALS.idleCpuPct)} (${fmtPct(cpu)})`
  );
}

const TIMING = /(^ms$|Ms$|_ms$|^seconds$|Seconds$|_seconds$)/;
const timingsOf = (e) => Object.entries(e).filter(([k, v]) => typeof v === 'number' && TIMING.test(k));
const passKey = (e) => [e.event, e.kind ?? (typeof e.full === 'boolean' ? (e.full ? 'full' : 'scoped') : undefined)].filter(Boolean).join(' ');

/**
 * Where the time goes, from the agent's own per-pass log lines (any line with timing fields,
 * e.g. readMs/planMs/applyMs): the first of each kind in full, then medians per kind.
 */
export function passNotes(logs) {
  const groups = new Map();
  for (const e of logs) {
    if (!e.event || !timingsOf(e).length) continue;
    const key = passKey(e);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  if (!groups.size) return ['the agent logged no line with timing fields (…Ms, …Seconds): no read/plan/apply split from its logs'];
  return [...groups].map(([key, entries]) => {
    const first = timingsOf(entries[0]).map(([k, v]) => `${k} ${v}`).join(', ');
    const fields = timingsOf(entries[0]).map(([k]) => k);
    const medians = fields.map((k) => `${k} ${percentile(entries.map((e) => e[k]).filter(Number.isFinite), 50)}`).join(', ');
    return `agent log "${key}" ×${entries.length}: first {${first}}${entries.length > 1 ? `; medians {${medians}}` : ''}`;
  });
}

/** The idle window's CPU per full pass (the timer's resyncs are all that runs then). */
export function idleSplit(idle) {
  const n = idle.fullPasses;
  if (!(n > 0)) return `idle: no full pass counted by the agent in ${idle.seconds.toFixed(0)} s (reconcile_duration_seconds{kind="full"})`;
  const perPass = (pct) => formatMs((10 * pct * idle.seconds) / n);
  return `idle: ${n} full passes in ${idle.seconds.toFixed(0)} s (the agent's count); CPU per pass: ${perPass(idle.ownPct)} in the agent's own process, ${perPass(idle.childPct)} in the execs it ran`;
}

/** What the agent logged in a window, by event name ("reconciled ×3, ..."). */
export function eventCounts(logs) {
  const counts = new Map();
  for (const e of logs) counts.set(e.event ?? e.text ?? '?', (counts.get(e.event ?? e.text ?? '?') ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(', ') || 'nothing';
}
