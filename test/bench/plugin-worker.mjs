// Runs inside the benchmark's node namespace (see plugin.mjs): creates pod namespaces, times
// ADD and DEL of both plugins interleaved, then concurrent bursts, and prints the samples as
// JSON on stdout. Progress goes to stderr. Every pod namespace it makes, it deletes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REFERENCE_PLUGINS, distBinary, expectOk, podArgs, runConcurrently, runTimed, runtimeEnv } from './lib/exec.mjs';
import { interleave } from './lib/series.mjs';
import { median } from './lib/stats.mjs';

const p = JSON.parse(process.env.TWILL_BENCH_PARAMS);
const log = (msg) => process.stderr.write(`${msg}\n`);

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
const CONTENDERS = [
  {
    key: 'twill',
    file: distBinary('twill'),
    conf: { ...common, name: 'benchtw', type: 'twill', bridge: 'twbench0', ipam: { type: 'twill-ipam', ranges: [[{ subnet: '10.78.0.0/16' }]], dataDir: p.twillData } },
  },
  {
    key: 'reference',
    file: join(REFERENCE_PLUGINS, 'bridge'),
    conf: { ...common, name: 'benchref', type: 'bridge', bridge: 'twbref0', ipam: { type: 'host-local', ranges: [[{ subnet: '10.79.0.0/16' }]], dataDir: p.refData } },
  },
];

function options(c, command, id, netns) {
  return { env: runtimeEnv({ command, containerId: id, netns, args: podArgs(id) }), stdin: c.conf };
}

function add(c, id) {
  const netns = newPod(`${p.podPrefix}${c.key[0]}${id}`);
  const r = expectOk(runTimed(c.file, options(c, 'ADD', id, netns)), `${c.key} ADD ${id}`);
  if (!r.json?.ips?.length) throw new Error(`${c.key} ADD ${id}: no address in ${r.stdout}`);
  return r.ms;
}

function del(c, id) {
  const name = `${p.podPrefix}${c.key[0]}${id}`;
  const r = expectOk(runTimed(c.file, options(c, 'DEL', id, `/run/netns/${name}`)), `${c.key} DEL ${id}`);
  dropPod(name);
  return r.ms;
}

async function burst(c, rep) {
  const ids = Array.from({ length: p.concurrency }, (_, j) => `b${rep}x${j}`);
  const jobs = ids.map((id) => ({ file: c.file, ...options(c, 'ADD', id, newPod(`${p.podPrefix}${c.key[0]}${id}`)) }));
  const { wallMs, results } = await runConcurrently(jobs);
  results.forEach((r, j) => expectOk(r, `${c.key} concurrent ADD ${ids[j]}`));
  for (const id of ids) del(c, id);
  return wallMs;
}

async function main() {
  const first = CONTENDERS.map((c) => add(c, 'first'));
  CONTENDERS.forEach((c) => del(c, 'first'));
  await interleave(CONTENDERS, p.warmup, (c, i) => {
    add(c, `w${i}`);
    del(c, `w${i}`);
  });
  log(`ADD series`);
  const adds = await interleave(CONTENDERS, p.samples, (c, i) => add(c, `s${i}`));
  log(`DEL series`);
  const dels = await interleave(CONTENDERS, p.samples, (c, i) => del(c, `s${i}`));
  const probeOpts = { env: runtimeEnv({ command: 'VERSION' }), stdin: { cniVersion: '1.0.0' } };
  const twillVersion = Array.from({ length: 30 }, () => expectOk(runTimed(CONTENDERS[0].file, probeOpts), 'twill VERSION').ms);
  const nodeStart = Array.from({ length: 30 }, () => expectOk(runTimed(distBinary('twill-node'), { argv: ['-e', '0'] }), 'twill-node').ms);
  log(`concurrent bursts`);
  await interleave(CONTENDERS, 1, burst);
  const bursts = (await interleave(CONTENDERS, p.repeats, burst)).map(median);
  const out = {};
  CONTENDERS.forEach((c, k) => (out[c.key] = { first: first[k], add: adds[k], del: dels[k] }));
  out.bursts = { twill: bursts[0], reference: bursts[1] };
  out.probes = { twillVersion, nodeStart };
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
