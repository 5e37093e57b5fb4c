// Benchmark module: twill-ipam against the reference host-local, each called alone the way a
// main plugin (bridge) execs its IPAM plugin: a fresh process, CNI_* env, the network
// configuration on stdin, cniVersion 1.0.0 for both.
//
//   1. ADD then DEL latency, with an empty store and with `allocations` existing reservations in
//      the /16 (written on disk in each plugin's own format, checked first by one real DEL of a
//      pre-populated container). The four stores (2 plugins × empty/full) run as ONE interleaved
//      series, so machine noise hits the empty-vs-full comparison as much as twill-vs-reference.
//      Every PROBE_EVERY-th round also runs three probes in the same rotation: each plugin's
//      VERSION (process start + dispatch, no store work) and dist/'s runtime on an empty script,
//      from which the note splits twill-ipam's time into runtime start, launcher + bundle load,
//      and the work itself. (This module measures the shipped dist/; plugin.mjs compares runtimes.)
//   2. `concurrency` ADDs launched at once: wall time until the last exits, median of `repeats`.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DIST,
  REFERENCE_PLUGINS,
  RUNTIME_PATH,
  distBinary,
  expectOk,
  podArgs,
  runConcurrently,
  runTimed,
  runtimeEnv,
} from './lib/exec.mjs';
import { runtimeIn } from './lib/runtimes.mjs';
import { allocations, hostLocalStore, intToIpv4, ipv4ToInt, twillIpamStore } from './lib/ipam-stores.mjs';
import { interleave, yieldToLoop } from './lib/series.mjs';
import { countLabel } from './lib/settings.mjs';
import { median, ratio, summarize } from './lib/stats.mjs';
import { formatMs, formatRatio } from './lib/table.mjs';

export const name = 'ipam';
export const title = 'twill-ipam vs host-local: the IPAM plugin alone, a fresh process per call';
export const subject = 'twill-ipam';
export const reference = 'host-local';

const PLUGINS = {
  subject: { label: subject, file: distBinary('twill-ipam'), type: 'twill-ipam', store: twillIpamStore },
  reference: { label: reference, file: join(REFERENCE_PLUGINS, 'host-local'), type: 'host-local', store: hostLocalStore },
};

const RUNTIME = runtimeIn(DIST);

export function requires() {
  return [PLUGINS.subject.file, PLUGINS.reference.file, RUNTIME?.file ?? `${DIST}/twill-<runtime>-<version>`];
}

const NETWORK = 'benchnet';
const SUBNET = '10.77.0.0/16';
const FIRST_IP = '10.77.0.2'; // .1 is the gateway both plugins keep out of the range
const IFNAME = 'eth0';
/** A runtime always sends a netns path; an IPAM plugin never opens it. */
const NETNS = '/var/run/netns/twill-bench';
/** 'yes' for "independent of store size" when the full store's p50 is within this of the empty one's. */
const SIZE_TOLERANCE = 0.1;
/** Probes run in every PROBE_EVERY-th round of the ADD and DEL series. */
const PROBE_EVERY = 4;

/** One plugin on one store of its own. `existing`: reservations written before the series. */
function contender(plugin, { dataDir, existing }) {
  // What bridge passes its IPAM plugin: its own whole configuration, unchanged.
  const stdin = JSON.stringify({
    cniVersion: '1.0.0',
    name: NETWORK,
    type: 'bridge',
    bridge: 'twillbench0',
    isGateway: true,
    ipam: { type: plugin.type, ranges: [[{ subnet: SUBNET }]], dataDir },
  });
  const options = (command, containerId) => ({
    env: runtimeEnv({ command, containerId, netns: NETNS, ifname: IFNAME, args: containerId && podArgs(containerId) }),
    stdin,
  });
  return {
    label: existing ? `${plugin.label} (${countLabel(existing)})` : plugin.label,
    store: plugin.store,
    dataDir,
    existing,
    options,
    run: (command, containerId) => runTimed(plugin.file, options(command, containerId)),
    job: (command, containerId) => ({ file: plugin.file, ...options(command, containerId) }),
    reset: () => rmSync(join(dataDir, NETWORK), { recursive: true, force: true }),
  };
}

function add(c, containerId) {
  const r = expectOk(c.run('ADD', containerId), `${c.label} ADD ${containerId}`);
  const address = r.json?.ips?.[0]?.address;
  if (typeof address !== 'string') throw new Error(`${c.label} ADD ${containerId}: no address in ${r.stdout}`);
  const ip = address.split('/')[0];
  if (!c.store.isReserved(c.dataDir, NETWORK, ip)) throw new Error(`${c.label} ADD ${containerId}: ${ip} not on disk`);
  return { ms: r.ms, ip };
}

function del(c, containerId, ip) {
  const r = expectOk(c.run('DEL', containerId), `${c.label} DEL ${containerId}`);
  if (ip && !c.store.holdsNothing(c.dataDir, NETWORK, { containerId, ifname: IFNAME, ip })) {
    throw new Error(`${c.label} DEL ${containerId}: ${ip} still reserved`);
  }
  return r.ms;
}

/** A timed call that is no store operation, run now and then inside the series: { label, probe() → ms }. */
function probe(label, file, options) {
  return { label, probe: () => expectOk(runTimed(file, options), label).ms };
}

/**
 * `samples` ADDs of distinct containers, then their DELs, interleaved across every store
 * contender and, every PROBE_EVERY-th round, the probes. Returns the stores' summaries and each
 * probe's samples.
 */
async function addDelSeries(contenders, probes, { samples, warmup, notes }) {
  const all = [...contenders, ...probes];
  await interleave(all, warmup, (c, i) => {
    if (c.probe) return void c.probe();
    const { ip } = add(c, `warm-${i}`);
    del(c, `warm-${i}`, ip);
  });
  const step = (op) => (c, i) => (c.probe ? (i % PROBE_EVERY === 0 ? c.probe() : undefined) : op(c, i));
  const addsAll = await interleave(all, samples, step((c, i) => add(c, `pod-${i}`)));
  const adds = addsAll.slice(0, contenders.length);
  contenders.forEach((c, k) => {
    // Round robin: after `existing` consecutive reservations and the warm-up, the next free address.
    const expected = intToIpv4(ipv4ToInt(FIRST_IP) + c.existing + warmup);
    if (adds[k][0].ip !== expected) {
      notes.push(`${c.label}: first timed ADD got ${adds[k][0].ip}, expected ${expected} (hint not followed?)`);
    }
  });
  const delsAll = await interleave(all, samples, step((c, i) => del(c, `pod-${i}`, adds[contenders.indexOf(c)][i].ip)));
  const dels = delsAll.slice(0, contenders.length);
  const probeSamples = probes.map((_, k) =>
    [...addsAll[contenders.length + k], ...delsAll[contenders.length + k]].filter((ms) => ms !== undefined),
  );
  return {
    stores: contenders.map((_, k) => ({ add: summarize(adds[k].map((a) => a.ms)), del: summarize(dels[k]) })),
    probes: probeSamples.map(summarize),
  };
}

/** Writes `count` reservations into each store, then proves the format with one real DEL each. */
async function prepopulate(contenders, count, progress) {
  const allocs = allocations({ firstIp: FIRST_IP, count, prefix: 'prepop-', ifname: IFNAME });
  for (const c of contenders) {
    const t0 = process.hrtime.bigint();
    c.reset();
    c.store.populate(c.dataDir, NETWORK, allocs);
    c.store.setHint(c.dataDir, NETWORK, allocs.at(-1).ip);
    progress(`${c.label}: ${count} reservations written in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);
    // One real DEL of a pre-populated container must release exactly its address ...
    const victim = allocs[Math.floor(count / 2)];
    del(c, victim.containerId);
    if (!c.store.holdsNothing(c.dataDir, NETWORK, victim)) {
      throw new Error(`${c.label}: DEL of pre-populated ${victim.containerId} left ${victim.ip} reserved: the written format is wrong`);
    }
    const neighbour = allocs[Math.floor(count / 2) + 1];
    if (neighbour && !c.store.isReserved(c.dataDir, NETWORK, neighbour.ip)) {
      throw new Error(`${c.label}: DEL of ${victim.containerId} also released ${neighbour.ip}`);
    }
    // ... then it is put back (without moving the hint), so the store holds `count` again.
    c.store.populate(c.dataDir, NETWORK, [victim]);
    await yieldToLoop();
  }
}

async function concurrentAdds(contenders, { concurrency, repeats, progress }) {
  const burst = async (c, rep) => {
    c.reset();
    const ids = Array.from({ length: concurrency }, (_, j) => `burst-${rep}-${j}`);
    const { wallMs, results } = await runConcurrently(ids.map((id) => c.job('ADD', id)));
    results.forEach((r, j) => expectOk(r, `${c.label} concurrent ADD ${ids[j]}`));
    const ips = new Set(results.map((r) => r.json?.ips?.[0]?.address));
    if (ips.size !== concurrency) {
      throw new Error(`${c.label}: ${concurrency} concurrent ADDs got ${ips.size} distinct addresses`);
    }
    c.reset();
    return wallMs;
  };
  await interleave(contenders, 1, burst); // warm-up, untimed
  progress(`${repeats} × ${concurrency} concurrent ADDs each`);
  return (await interleave(contenders, repeats, burst)).map(median);
}

export async function run({ settings, tempDir, progress }) {
  const { samples, warmup, allocations: existing, concurrency, repeats } = settings;
  const label = countLabel(existing);
  const make = (who, n) => contender(PLUGINS[who], { dataDir: tempDir(`${PLUGINS[who].type}-${n}`), existing: n });
  const empty = [make('subject', 0), make('reference', 0)];
  const full = [make('subject', existing), make('reference', existing)];
  const notes = [];

  const script = join(tempDir('script'), 'empty.js');
  writeFileSync(script, '');
  const probes = [
    probe(`${subject} VERSION`, PLUGINS.subject.file, empty[0].options('VERSION')),
    probe(`${reference} VERSION`, PLUGINS.reference.file, empty[1].options('VERSION')),
    probe(`${RUNTIME.label} empty script`, RUNTIME.file, { argv: [script], env: { PATH: RUNTIME_PATH } }),
  ];

  progress(`pre-populating ${existing} allocations in ${SUBNET}`);
  await prepopulate(full, existing, progress);
  progress(`${samples} ADD + ${samples} DEL on each of 4 stores (2 plugins × empty/${label}) and probes, interleaved`);
  const series = await addDelSeries([...empty, ...full], probes, { samples, warmup, notes });
  const [emptyTw, emptyHl, fullTw, fullHl] = series.stores;
  const [versionTw, versionHl, runtimeStart] = series.probes;
  [...empty, ...full].forEach((c) => c.reset());

  const bursts = await concurrentAdds(empty, { concurrency, repeats, progress });

  const pair = (metric, s, r) => ({ metric, subject: s, reference: r });
  const rows = [
    { section: `process start + dispatch, no store work (VERSION, ${versionTw.n} calls each, amid the series below)` },
    pair('VERSION p50', versionTw.p50, versionHl.p50),
    pair('VERSION p99', versionTw.p99, versionHl.p99),
    { section: `empty store (${samples} ADDs of distinct containers, then their ${samples} DELs)` },
    pair('ADD p50', emptyTw.add.p50, emptyHl.add.p50),
    pair('ADD p99', emptyTw.add.p99, emptyHl.add.p99),
    pair('DEL p50', emptyTw.del.p50, emptyHl.del.p50),
    pair('DEL p99', emptyTw.del.p99, emptyHl.del.p99),
    { section: `${label} existing allocations in a /16 (the same calls, interleaved with the above)` },
    pair('ADD p50', fullTw.add.p50, fullHl.add.p50),
    pair('ADD p99', fullTw.add.p99, fullHl.add.p99),
    pair('DEL p50', fullTw.del.p50, fullHl.del.p50),
    pair('DEL p99', fullTw.del.p99, fullHl.del.p99),
    { section: `${concurrency} concurrent ADDs, empty store (wall time to the last exit, median of ${repeats})` },
    pair(`${concurrency} ADDs wall`, bursts[0], bursts[1]),
    pair('  per ADD (wall / n)', bursts[0] / concurrency, bursts[1] / concurrency),
  ];

  const v = versionTw.p50;
  notes.push(
    `where twill-ipam's p50 goes (dist/ on ${RUNTIME.label} ${RUNTIME.version}): runtime start ${formatMs(runtimeStart.p50)} (empty script, same rotation); ` +
      `launcher + bundle load + dispatch ${formatMs(v - runtimeStart.p50)} (VERSION − runtime start); ` +
      `ADD work ${formatMs(emptyTw.add.p50 - v)} empty / ${formatMs(fullTw.add.p50 - v)} ${label}, ` +
      `DEL work ${formatMs(emptyTw.del.p50 - v)} / ${formatMs(fullTw.del.p50 - v)} (each minus VERSION p50)`,
  );

  const delRatio = ratio(fullTw.del.p50, fullHl.del.p50);
  const delRatio99 = ratio(fullTw.del.p99, fullHl.del.p99);
  const addGrowth = ratio(fullTw.add.p50, emptyTw.add.p50);
  const delGrowth = ratio(fullTw.del.p50, emptyTw.del.p50);
  const independent = Math.abs(addGrowth - 1) <= SIZE_TOLERANCE && Math.abs(delGrowth - 1) <= SIZE_TOLERANCE;
  const goals = [
    `DEL with ${label} allocations faster than host-local: ${delRatio < 1 ? 'yes' : 'no'} ` +
      `(ratio p50 ${formatRatio(delRatio)}, p99 ${formatRatio(delRatio99)})`,
    `twill-ipam ADD/DEL cost independent of store size: ${independent ? 'yes' : 'no'} ` +
      `(p50 ADD ${formatMs(emptyTw.add.p50)} empty vs ${formatMs(fullTw.add.p50)} ${label}, ×${formatRatio(addGrowth)}; ` +
      `DEL ${formatMs(emptyTw.del.p50)} empty vs ${formatMs(fullTw.del.p50)} ${label}, ×${formatRatio(delGrowth)}; ` +
      `yes = both within ${SIZE_TOLERANCE * 100} %; host-local: ADD ×${formatRatio(ratio(fullHl.add.p50, emptyHl.add.p50))}, ` +
      `DEL ×${formatRatio(ratio(fullHl.del.p50, emptyHl.del.p50))})`,
  ];
  return { rows, goals, notes };
}
