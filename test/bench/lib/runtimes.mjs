// The per-pod bundles on each candidate runtime, side by side in one run: the benchmark builds
// dist/ once per runtime (`cni/build/build.mjs --runtime KEY --out DIR`) into a directory of its
// own, and adds beside each bundle set `twill-empty`: the launcher and the runtime's version
// guard with no bundle after them (the cost of starting a plugin before any of its code).
// Peak RSS comes from `busybox time -v` (busybox-static is in the project's package list):
// wait4()'s maximum resident set of the process and anything it waited for. busybox prints
// that figure as if it counted pages (×4 on x86-64, checked against GNU time and the process's
// own getrusage), so the scale is calibrated once against a process that reports its own.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, RUNTIME_PATH, expectOk, runTimed } from './exec.mjs';

export const RUNTIME_KEYS = ['node', 'bun'];
const LABELS = { node: 'Node', bun: 'Bun' };
const RUNTIME_FILE = /^twill-(node|bun)-(\d+\.\d+\.\d+)$/;
const BUSYBOX = '/bin/busybox';

/** The runtime file a build directory holds: { key, label, version, file } or undefined. */
export function runtimeIn(dir) {
  const name = existsSync(dir) ? readdirSync(dir).find((f) => RUNTIME_FILE.test(f)) : undefined;
  if (!name) return undefined;
  const [, key, version] = RUNTIME_FILE.exec(name);
  return { key, label: LABELS[key], version, file: join(dir, name) };
}

/** Writes `dir/twill-empty`: the lines of `dir/twill` up to its runtime guard (shebang, launcher, version line, guard). */
function writeEmptyBundle(dir) {
  const lines = readFileSync(join(dir, 'twill'), 'utf8').split('\n');
  const guard = lines.slice(0, 5).findIndex((l) => l.startsWith('{const e=process.env,v=process.versions'));
  if (guard < 0) throw new Error(`${dir}/twill: no runtime guard in its first lines`);
  writeFileSync(join(dir, 'twill-empty'), `${lines.slice(0, guard + 1).join('\n')}\n`, { mode: 0o755 });
}

/** Builds the bundles once per runtime; returns [{ key, label, version, dir, file, empty }]. */
export function buildVariants(makeDir, progress) {
  return RUNTIME_KEYS.map((key) => {
    const dir = makeDir(`dist-${key}`);
    progress(`building the bundles on ${LABELS[key]} into ${dir}`);
    const r = spawnSync(process.execPath, [join(ROOT, 'cni/build/build.mjs'), '--runtime', key, '--out', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build for ${key} failed: ${r.stderr || r.stdout}`);
    writeEmptyBundle(dir);
    return { ...runtimeIn(dir), dir, empty: join(dir, 'twill-empty') };
  });
}

export function canMeasureRss() {
  return existsSync(BUSYBOX);
}

const MAXRSS = /Maximum resident set size \(kbytes\): (\d+)/;
let scale;

/** busybox's maxrss figure over the real one: this harness's Node reports its own maxRSS (KiB). */
function rssScale() {
  if (scale) return scale;
  const r = runTimed(BUSYBOX, { argv: ['time', '-v', process.execPath, '-e', 'process.stdout.write(String(process.resourceUsage().maxRSS))'] });
  const own = Number(r.stdout);
  const reported = Number(MAXRSS.exec(r.stderr)?.[1]);
  if (!(own > 0 && reported > 0)) throw new Error(`cannot calibrate busybox time: ${r.stdout} ${r.stderr}`);
  // The child's own figure is taken just before it exits, so a little below the final one.
  scale = [1, 2, 4, 8, 16].reduce((best, k) => (Math.abs(reported / k - own) < Math.abs(reported / best - own) ? k : best));
  return scale;
}

/**
 * One call of `file` under `busybox time -v`: the call's result plus `rssMiB`, its peak RSS.
 * (busybox's report goes to stderr, after the plugin's own, which is returned without it.)
 */
export function runWithRss(file, { argv = [], env = { PATH: RUNTIME_PATH }, stdin } = {}, what = file) {
  const r = runTimed(BUSYBOX, { argv: ['time', '-v', file, ...argv], env, stdin });
  const at = r.stderr.search(/(Command exited with non-zero status \d+\n)?\tCommand being timed:/);
  const m = MAXRSS.exec(r.stderr.slice(at));
  if (at < 0 || !m) throw new Error(`busybox time printed no maximum RSS for ${what}: ${r.stderr}`);
  return { ...r, stderr: r.stderr.slice(0, at), rssMiB: Number(m[1]) / rssScale() / 1024 };
}

/** The median peak RSS of `n` calls of `file` with the same options. */
export function medianRssMiB(file, opts, { n = 5, what = file } = {}) {
  const runs = Array.from({ length: n }, () => expectOk(runWithRss(file, opts, what), `${what} (under busybox time)`).rssMiB);
  return runs.sort((a, b) => a - b)[n >> 1];
}
