// Runs inside the benchmark's node namespace (see plugin.mjs): creates pod namespaces, times
// ADD and DEL of every contender interleaved (twill on each candidate runtime, and the
// reference bridge + host-local), measures peak RSS of a VERSION and an ADD, then concurrent
// bursts, and prints the samples as JSON on stdout. Progress goes to stderr. Every pod
// namespace it makes, it deletes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REFERENCE_PLUGINS, expectOk, podArgs, runConcurrently, runTimed, runtimeEnv } from './lib/exec.mjs';
import { canMeasureRss, runWithRss } from './lib/runtimes.mjs';
import { interleave } from './lib/series.mjs';
import { median } from './lib/stats.mjs';

const p = JSON.parse(process.env.TWILL_BENCH_PARAMS);
const log = (msg) => process.stderr.write(`${msg}\n`);
const PROBES = 30;
const RSS_RUNS = 5;

function ip(args) {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

const pods = new Set();
function newPod(name) {
  ip(['netns', 'add', name]);
  pods.add(name);
  return `/run/netns/${name}`;
}
function dropPod(name) {
  spawnSync('ip', ['netns', 'del', name]);
  pods.delete(name);
}

const common = { cniVersion: '1.0.0', isGateway: true, ipMasq: true };
const SUBNETS = { node: '10.78.0.0/16', bun: '10.76.0.0/16' };

/** twill on one runtime (p.variants: [{ key, dir }]), each with its own bridge, subnet and store. */
function twillContender(v) {
  return {
    key: v.key,
    tag: v.key[0],
    file: join(v.dir, 'twill'),
    empty: join(v.dir, 'twill-empty'),
    cniPath: `${v.dir}:${REFERENCE_PLUGINS}`,
    conf: {
      ...common,
      name: `benchtw${v.key}`,
      type: 'twill',
      bridge: `twb${v.key}0`,
      ipam: { type: 'twill-ipam', ranges: [[{ subnet: SUBNETS[v.key] }]], dataDir: join(p.data, v.key) },
    },
  };
}

const CONTENDERS = [
  ...p.variants.map(twillContender),
  {
    key: 'reference',
    tag: 'r',
    file: join(REFERENCE_PLUGINS, 'bridge'),
    cniPath: REFERENCE_PLUGINS,
    conf: { ...common, name: 'benchref', type: 'bridge', bridge: 'twbref0', ipam: { type: 'host-local', ranges: [[{ subnet: '10.79.0.0/16' }]], dataDir: join(p.data, 'host-local') } },
  },
];

function options(c, command, id, netns) {
  return { env: runtimeEnv({ command, containerId: id, netns, args: id && podArgs(id), cniPath: c.cniPath }), stdin: c.conf };
}

const podName = (c, id) => `${p.podPrefix}${c.tag}${id}`;

function add(c, id, run = runTimed) {
  const r = expectOk(run(c.file, options(c, 'ADD', id, newPod(podName(c, id)))), `${c.key} ADD ${id}`);
  if (!r.json?.ips?.length) throw new Error(`${c.key} ADD ${id}: no address in ${r.stdout}`);
  return r;
}

function del(c, id) {
  const r = expectOk(runTimed(c.file, options(c, 'DEL', id, `/run/netns/${podName(c, id)}`)), `${c.key} DEL ${id}`);
  dropPod(podName(c, id));
  return r.ms;
}

async function burst(c, rep) {
  const ids = Array.from({ length: p.concurrency }, (_, j) => `b${rep}x${j}`);
  const jobs = ids.map((id) => ({ file: c.file, ...options(c, 'ADD', id, newPod(podName(c, id))) }));
  const { wallMs, results } = await runConcurrently(jobs);
  results.forEach((r, j) => expectOk(r, `${c.key} concurrent ADD ${ids[j]}`));
  for (const id of ids) del(c, id);
  return wallMs;
}

/** Peak RSS (MiB, median of RSS_RUNS) of a VERSION and of an ADD (each ADD then DELed, untimed). */
async function peakRss() {
  if (!canMeasureRss()) return CONTENDERS.map(() => ({ version: NaN, add: NaN }));
  const version = await interleave(CONTENDERS, RSS_RUNS, (c) => expectOk(runWithRss(c.file, options(c, 'VERSION')), `${c.key} VERSION`).rssMiB);
  const adds = await interleave(CONTENDERS, RSS_RUNS, (c, i) => {
    const mib = add(c, `m${i}`, runWithRss).rssMiB;
    del(c, `m${i}`);
    return mib;
  });
  return CONTENDERS.map((_, k) => ({ version: median(version[k]), add: median(adds[k]) }));
}

async function main() {
  const first = CONTENDERS.map((c) => add(c, 'first').ms);
  CONTENDERS.forEach((c) => del(c, 'first'));
  await interleave(CONTENDERS, p.warmup, (c, i) => {
    add(c, `w${i}`);
    del(c, `w${i}`);
  });
  log(`ADD series`);
  const adds = await interleave(CONTENDERS, p.samples, (c, i) => add(c, `s${i}`).ms);
  log(`DEL series`);
  const dels = await interleave(CONTENDERS, p.samples, (c, i) => del(c, `s${i}`));
  log(`VERSION and start probes, peak RSS`);
  const versions = await interleave(CONTENDERS, PROBES, (c) => expectOk(runTimed(c.file, options(c, 'VERSION')), `${c.key} VERSION`).ms);
  const twills = CONTENDERS.filter((c) => c.empty);
  const starts = await interleave(twills, PROBES, (c) => expectOk(runTimed(c.empty, options(c, 'VERSION')), `${c.key} twill-empty`).ms);
  const rss = await peakRss();
  log(`concurrent bursts`);
  await interleave(CONTENDERS, 1, burst);
  const bursts = (await interleave(CONTENDERS, p.repeats, burst)).map(median);
  const out = {};
  CONTENDERS.forEach((c, k) => {
    const start = c.empty ? starts[twills.indexOf(c)] : undefined;
    out[c.key] = { first: first[k], add: adds[k], del: dels[k], version: versions[k], start, rss: rss[k], burst: bursts[k] };
  });
  process.stdout.write(JSON.stringify(out));
}

main()
  .catch((err) => {
    process.stderr.write(`plugin-worker: ${err.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const name of [...pods]) dropPod(name);
  });
