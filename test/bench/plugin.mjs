// Benchmark module: the whole twill plugin against the reference bridge + host-local, the way
// kubelet's runtime calls them: a fresh process per pod, ipMasq on, isGateway, a real veth into
// a real pod namespace. twill uses its in-process twill-ipam; bridge execs host-local. twill runs
// once per candidate runtime (Node, Bun: the bundles built for each, see lib/runtimes.mjs), all
// three interleaved in one run, so the runtime choice is read off one table.
//
// The plugins must run in a "node" namespace of the benchmark's own (they create a bridge, nft or
// iptables rules and sysctls), and they read /sys, which `ip netns exec` remounts for that
// namespace. Wrapping every call in `ip netns exec` would add its own ~2 ms to every side, so the
// measuring loop (plugin-worker.mjs) runs inside the node namespace instead, started once with
// `ip netns exec`, and hands its samples back as JSON.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_PLUGINS } from './lib/exec.mjs';
import { summarize, ratio } from './lib/stats.mjs';
import { formatMiB, formatMs, formatRatio, sideBySideTable } from './lib/table.mjs';

export const name = 'plugin';
export const title = 'twill vs bridge + host-local: one pod ADD/DEL, ipMasq on, a fresh process per call';
export const subject = 'twill';
export const reference = 'bridge+host-local';

export function requires() {
  return [join(REFERENCE_PLUGINS, 'bridge'), join(REFERENCE_PLUGINS, 'host-local')];
}

export function skipReason() {
  return process.getuid?.() === 0 ? undefined : 'needs root (it creates network namespaces)';
}

function ip(args) {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

function runWorker(node, params, progress) {
  return new Promise((resolve, reject) => {
    const worker = join(import.meta.dirname, 'plugin-worker.mjs');
    const child = spawn('ip', ['netns', 'exec', node, process.execPath, worker], {
      env: { PATH: process.env.PATH, TWILL_BENCH_PARAMS: JSON.stringify(params) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => progress(String(d).trimEnd()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`plugin-worker exited ${code}`))));
  });
}

function tableOf(r, variants, { samples, concurrency, repeats }) {
  const keys = [...variants.map((v) => v.key), 'reference'];
  const row = (metric, pick, unit) => ({ metric, unit, values: Object.fromEntries(keys.map((k) => [k, pick(r[k])])) });
  const stat = (field, q) => (x) => (x[field] ? summarize(x[field])[q] : NaN);
  const [a, b] = variants;
  return sideBySideTable({
    columns: [...variants.map((v) => ({ key: v.key, title: `twill on ${v.label}` })), { key: 'reference', title: reference }],
    ratios: [...variants.map((v) => ({ of: v.key, to: 'reference', title: `${v.label}/ref` })), { of: b.key, to: a.key, title: `${b.label}/${a.label}` }],
    rows: [
      { section: 'process start (30 calls each, amid nothing else)' },
      row('launcher + runtime, no bundle p50', stat('start', 'p50')),
      row('VERSION p50', stat('version', 'p50')),
      { section: `one pod at a time (${samples} pods each, ADD then DEL, interleaved)` },
      row('ADD p50', stat('add', 'p50')),
      row('ADD p99', stat('add', 'p99')),
      row('DEL p50', stat('del', 'p50')),
      row('DEL p99', stat('del', 'p99')),
      { section: `${concurrency} concurrent ADDs (wall time to the last exit, median of ${repeats})` },
      row(`${concurrency} ADDs wall`, (x) => x.burst),
      { section: 'peak RSS of one process (busybox time -v, median of 5)' },
      row('VERSION', (x) => x.rss.version, 'MiB'),
      row('ADD', (x) => x.rss.add, 'MiB'),
    ],
  });
}

function goalsOf(r, variants, concurrency) {
  const ref = r.reference;
  const p50 = (x, f) => summarize(x[f]).p50;
  const goals = [];
  for (const v of variants) {
    const t = r[v.key];
    const add = ratio(p50(t, 'add'), p50(ref, 'add'));
    const del = ratio(p50(t, 'del'), p50(ref, 'del'));
    const burst = ratio(t.burst, ref.burst);
    goals.push(`twill on ${v.label} no slower than bridge+host-local: ADD ${add <= 1 ? 'yes' : 'no'} (${formatRatio(add)}), DEL ${del <= 1 ? 'yes' : 'no'} (${formatRatio(del)}), ${concurrency} concurrent ADDs ${burst <= 1 ? 'yes' : 'no'} (${formatRatio(burst)})`);
  }
  return goals;
}

function notesOf(r, variants) {
  const p50 = (x, f) => summarize(x[f]).p50;
  return [
    ...variants.map((v) => {
      const t = r[v.key];
      const [s, ver] = [p50(t, 'start'), p50(t, 'version')];
      return `where twill's ADD p50 goes on ${v.label}: launcher + runtime start ${formatMs(s)}; bundle load + dispatch ${formatMs(ver - s)}; ` +
        `the ADD itself ${formatMs(p50(t, 'add') - ver)}, DEL itself ${formatMs(p50(t, 'del') - ver)} (each minus VERSION p50); peak RSS of an ADD ${formatMiB(t.rss.add)}`;
    }),
    `first ADD of the network (bridge and rules created): ${[...variants.map((v) => `twill on ${v.label} ${formatMs(r[v.key].first)}`), `reference ${formatMs(r.reference.first)}`].join(', ')}`,
  ];
}

export async function run({ settings, tempDir, progress, variants }) {
  const samples = Math.min(settings.samples, Number(process.env.BENCH_PLUGIN_SAMPLES ?? 100));
  const concurrency = Number(process.env.BENCH_PLUGIN_CONCURRENCY ?? 20);
  const node = `twbench${process.pid}`;
  ip(['netns', 'add', node]);
  try {
    ip(['-n', node, 'link', 'set', 'lo', 'up']);
    const params = {
      samples,
      warmup: settings.warmup,
      concurrency,
      repeats: settings.repeats,
      variants: variants.map((v) => ({ key: v.key, dir: v.dir })),
      data: tempDir('stores'),
      podPrefix: `${node}p`,
    };
    progress(`${samples} ADD + DEL per contender (twill on ${variants.map((v) => v.label).join(', twill on ')}, reference), then ${settings.repeats} × ${concurrency} concurrent ADDs, in namespace ${node}`);
    const r = await runWorker(node, params, progress);
    const opts = { samples, concurrency, repeats: settings.repeats };
    return { table: tableOf(r, variants, opts), goals: goalsOf(r, variants, concurrency), notes: notesOf(r, variants) };
  } finally {
    // The plugins' /run marker is keyed by the namespace's inode: it goes with the namespace.
    rmSync(`/run/twill/ns-${statSync(`/run/netns/${node}`).ino}`, { recursive: true, force: true });
    ip(['netns', 'del', node]);
  }
}
