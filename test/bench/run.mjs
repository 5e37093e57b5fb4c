// `make bench`: twill's binaries side by side with the reference plugins, in one run, printed as
// ratios (twill / reference; below 1.00 twill is faster). Never a pass/fail timing assertion:
// the exit status is non-zero only when a benchmark could not run (a call failed, a check of
// what a call left on disk failed).
//
// Before anything else the bundles are built once per candidate runtime (lib/runtimes.mjs), into
// temporary directories, so twill on Node and twill on Bun sit side by side in one run; modules
// get them as ctx.variants. Modules that measure only the shipped build use dist/.
//
// Each benchmark is a module exporting:
//   name, title, subject, reference   labels ("twill-ipam", "host-local")
//   requires(): string[]              files that must exist, else the module is skipped
//   skipReason?(): string | undefined another reason to skip (e.g. not root)
//   run(ctx): Promise<{ rows, goals?, notes? }>
//     ctx = { settings, tempDir(label), progress(msg), variants }
//     rows: { metric, subject, reference } in ms, or { section } (see lib/table.mjs);
//     or table: a rendered table (several contenders: lib/table.mjs sideBySideTable)
//     goals: one line per stated goal, printed together at the end
//
// A module builds on lib/: exec.mjs (runtime-like env, timed fresh-process calls, concurrent
// bursts), series.mjs (interleaving contenders), stats.mjs, table.mjs, tmp.mjs, and for
// anything holding addresses ipam-stores.mjs. The full-plugin benchmark (twill vs the
// reference bridge + host-local, ADD/DEL in network namespaces) fits as plugin.mjs: requires()
// dist/twill and /usr/lib/cni/{bridge,host-local}, skipReason() when not root, its contenders
// pass `netns` (a namespace it creates per call, deleted in its own cleanup) to runtimeEnv.
//
// The agent benchmark (agent.mjs, name "twilld") is not a side-by-side: it runs dist/twilld
// against 5,000 simulated nodes and prints each figure beside its stated goal (metric | value |
// goal | met?).
//
// Knobs (environment): BENCH_SAMPLES, BENCH_WARMUP, BENCH_ALLOCATIONS, BENCH_CONCURRENCY,
// BENCH_REPEATS (lib/settings.mjs), BENCH_TWILLD_* (agent.mjs), BENCH_ONLY=ipam,plugin,twilld
// to run some modules; TMPDIR moves the temporary stores (they are removed at the end, also
// after a failure or Ctrl-C).
import { cpus, release, tmpdir } from 'node:os';
import { startupBaseline } from './lib/baseline.mjs';
import { DIST, missingBinaries } from './lib/exec.mjs';
import { loadSettings } from './lib/settings.mjs';
import { comparisonTable } from './lib/table.mjs';
import { buildVariants, runtimeIn } from './lib/runtimes.mjs';
import { makeRunDir, makeTempDir, removeTempDirs } from './lib/tmp.mjs';
import * as agent from './agent.mjs';
import * as ipam from './ipam.mjs';
import * as plugin from './plugin.mjs';

const MODULES = [ipam, plugin, agent];

const out = (line = '') => process.stdout.write(`${line}\n`);

function shipped() {
  const rt = runtimeIn(DIST);
  return rt ? `${rt.label} ${rt.version}` : 'nothing yet (run make build)';
}

async function runModule(mod, settings, variants) {
  out(`== ${mod.name}: ${mod.title}`);
  const missing = missingBinaries(mod.requires());
  const reason = missing.length ? `missing ${missing.join(', ')} (run make build)` : mod.skipReason?.();
  if (reason) {
    out(`skipped: ${reason}`);
    out();
    return { skipped: true, goals: [] };
  }
  const t0 = Date.now();
  const ctx = {
    settings,
    variants,
    tempDir: (label) => makeTempDir(`${mod.name}-${label}`),
    progress: (msg) => process.stderr.write(`[${mod.name} +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`),
  };
  try {
    const result = await mod.run(ctx);
    out(result.table ?? comparisonTable({ subject: mod.subject, reference: mod.reference, rows: result.rows }));
    for (const note of result.notes ?? []) out(`note: ${note}`);
    out(`(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    out();
    return { goals: result.goals ?? [] };
  } finally {
    removeTempDirs();
  }
}

async function main() {
  const settings = loadSettings();
  const started = Date.now();
  const unknown = settings.only.filter((n) => !MODULES.some((m) => m.name === n));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown module(s) ${unknown.join(', ')}; have ${MODULES.map((m) => m.name).join(', ')}`);
  const selected = settings.only.length ? MODULES.filter((m) => settings.only.includes(m.name)) : MODULES;
  out(`twill benchmarks — Node ${process.version} (harness), ${cpus().length} CPUs, Linux ${release()}, stores under ${tmpdir()}`);
  out(
    `samples ${settings.samples} per series, warm-up ${settings.warmup}, ${settings.allocations} pre-existing allocations, ` +
      `${settings.concurrency} concurrent × ${settings.repeats}; every call a fresh process with PATH + CNI_* only`,
  );
  out('ratio = twill / reference: below 1.00 twill is faster');
  out();

  const progress = (msg) => process.stderr.write(`[build] ${msg}\n`);
  const variants = buildVariants(makeRunDir, progress);
  out(`bundles on ${variants.map((v) => `${v.label} ${v.version}`).join(' and ')}, built for this run; dist/ (shipped) runs on ${shipped()}`);
  out();
  const baseline = await startupBaseline({ samples: Math.max(1, Math.ceil(settings.samples / 4)), warmup: settings.warmup, variants, scratchDir: makeRunDir('scratch') });
  out(`== process start baseline (${baseline.samples ?? 0} runs each, interleaved)`);
  out(baseline.skipped ? `skipped: ${baseline.skipped}` : baseline.table);
  out();

  const goals = [];
  let failed = 0;
  for (const mod of selected) {
    try {
      goals.push(...(await runModule(mod, settings, variants)).goals);
    } catch (err) {
      failed++;
      out(`FAILED: ${err.stack ?? err}`);
      out();
    }
  }

  if (goals.length) {
    out('== goals');
    for (const g of goals) out(g);
  }
  out(`(total ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (failed) process.exitCode = 1;
}

main().catch((err) => {
  removeTempDirs();
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
