// Benchmark module: the whole twill plugin against the reference bridge + host-local, the way
// kubelet's runtime calls them: a fresh process per pod, ipMasq on, isGateway, a real veth into
// a real pod namespace. twill uses its in-process twill-ipam; bridge execs host-local.
//
// The plugins must run in a "node" namespace of the benchmark's own (they create a bridge, nft or
// iptables rules and sysctls), and they read /sys, which `ip netns exec` remounts for that
// namespace. Wrapping every call in `ip netns exec` would add its own ~2 ms to both sides, so the
// measuring loop (plugin-worker.mjs) runs inside the node namespace instead, started once with
// `ip netns exec`, and hands its samples back as JSON.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_PLUGINS, distBinary } from './lib/exec.mjs';
import { summarize, ratio } from './lib/stats.mjs';
import { formatMs, formatRatio } from './lib/table.mjs';

export const name = 'plugin';
export const title = 'twill vs bridge + host-local: one pod ADD/DEL, ipMasq on, a fresh process per call';
export const subject = 'twill';
export const reference = 'bridge+host-local';

export function requires() {
  return [distBinary('twill'), distBinary('twill-node'), join(REFERENCE_PLUGINS, 'bridge'), join(REFERENCE_PLUGINS, 'host-local')];
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

export async function run({ settings, tempDir, progress }) {
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
      twillData: tempDir('twill-ipam'),
      refData: tempDir('host-local'),
      podPrefix: `${node}p`,
    };
    progress(`${samples} ADD + DEL per plugin, then ${settings.repeats} × ${concurrency} concurrent ADDs, in namespace ${node}`);
    const r = await runWorker(node, params, progress);
    const [tw, ref] = [r.twill, r.reference];
    const s = (a) => summarize(a);
    const pair = (metric, a, b) => ({ metric, subject: a, reference: b });
    const addT = s(tw.add), addR = s(ref.add), delT = s(tw.del), delR = s(ref.del);
    const burstT = r.bursts.twill, burstR = r.bursts.reference;
    const rows = [
      { section: `one pod at a time (${samples} pods each, ADD then DEL, interleaved)` },
      pair('ADD p50', addT.p50, addR.p50),
      pair('ADD p99', addT.p99, addR.p99),
      pair('DEL p50', delT.p50, delR.p50),
      pair('DEL p99', delT.p99, delR.p99),
      { section: `${concurrency} concurrent ADDs (wall time to the last exit, median of ${settings.repeats})` },
      pair(`${concurrency} ADDs wall`, burstT, burstR),
    ];
    const v = s(r.probes.twillVersion).p50;
    const n0 = s(r.probes.nodeStart).p50;
    const notes = [
      `where twill's ADD p50 goes: Node start ${formatMs(n0)}; launcher + bundle + dispatch ${formatMs(v - n0)}; ` +
        `the ADD itself ${formatMs(addT.p50 - v)} (IPAM, one host-side and one pod-side ip batch, nft only when the ` +
        `network's rules are new); DEL itself ${formatMs(delT.p50 - v)}`,
      `first ADD of the network (bridge and rules created): twill ${formatMs(tw.first)}, reference ${formatMs(ref.first)}`,
    ];
    const goals = [
      `twill ADD no slower than bridge+host-local: ${addT.p50 <= addR.p50 ? 'yes' : 'no'} (ratio p50 ${formatRatio(ratio(addT.p50, addR.p50))}, p99 ${formatRatio(ratio(addT.p99, addR.p99))})`,
      `twill DEL no slower than bridge+host-local: ${delT.p50 <= delR.p50 ? 'yes' : 'no'} (ratio p50 ${formatRatio(ratio(delT.p50, delR.p50))}, p99 ${formatRatio(ratio(delT.p99, delR.p99))})`,
      `${concurrency} concurrent ADDs no slower: ${burstT <= burstR ? 'yes' : 'no'} (ratio ${formatRatio(ratio(burstT, burstR))})`,
    ];
    return { rows, goals, notes };
  } finally {
    // The plugins' /run marker is keyed by the namespace's inode: it goes with the namespace.
    rmSync(`/run/twill/ns-${statSync(`/run/netns/${node}`).ino}`, { recursive: true, force: true });
    ip(['netns', 'del', node]);
  }
}
