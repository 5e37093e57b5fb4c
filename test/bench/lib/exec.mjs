// Runs plugins the way a container runtime does: a fresh process per call, the CNI_* variables
// plus a plain PATH as its whole environment (nothing from ours: this machine's
// NODE_EXTRA_CA_CERTS costs a Node 20 start ~40 ms, NODE_OPTIONS could load anything), the
// network configuration as JSON on stdin.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DIST = join(ROOT, 'dist');
export const REFERENCE_PLUGINS = '/usr/lib/cni';
export const RUNTIME_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A dist/ binary's path ("twill-ipam" → /…/dist/twill-ipam); absolute paths pass through. */
export function distBinary(name) {
  return name.startsWith('/') ? name : join(DIST, name);
}

export function missingBinaries(paths) {
  return paths.filter((p) => !existsSync(p));
}

/** CNI_ARGS as kubelet's runtime sends them for a pod. */
export function podArgs(containerId, pod = containerId) {
  return `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=${pod};K8S_POD_INFRA_CONTAINER_ID=${containerId}`;
}

/** The environment a runtime gives a plugin, and nothing else. Undefined values are left out. */
export function runtimeEnv({ command, containerId, netns, ifname = 'eth0', args, cniPath, extra = {} }) {
  const env = {
    PATH: RUNTIME_PATH,
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: netns,
    CNI_IFNAME: ifname,
    CNI_ARGS: args,
    CNI_PATH: cniPath ?? `${DIST}:${REFERENCE_PLUGINS}`,
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stdinOf(input) {
  if (input === undefined) return '';
  return typeof input === 'string' ? input : JSON.stringify(input);
}

const elapsedMs = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Children started without blocking and not yet exited (so an interrupt can stop them). */
const liveChildren = new Set();

/** SIGKILLs every child still running; returns how many there were. */
export function killChildren() {
  const n = liveChildren.size;
  for (const child of liveChildren) child.kill('SIGKILL');
  liveChildren.clear();
  return n;
}

/**
 * One call, timed from just before the fork to the child's exit (what a runtime waits for).
 * `env` defaults to the runtime-like environment: never pass process.env here by accident.
 */
export function runTimed(file, { argv = [], env = { PATH: RUNTIME_PATH }, stdin } = {}) {
  const input = stdinOf(stdin);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, { env, input, encoding: 'utf8', maxBuffer: 16 << 20 });
  const ms = elapsedMs(t0);
  // EPIPE: the child exited without reading stdin (host-local ignores it for VERSION); its
  // exit status is still there, so that is not a failure to run it.
  if (r.error && !(r.error.code === 'EPIPE' && r.status !== null)) throw new Error(`cannot run ${file}: ${r.error.message}`);
  return { ms, code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, json: parseJson(r.stdout) };
}

/** The same without blocking; `ms` is measured from the spawn to this child's close. */
export function runAsync(file, { argv = [], env = { PATH: RUNTIME_PATH }, stdin } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, argv, { env });
    liveChildren.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => {
      liveChildren.delete(child);
      reject(new Error(`cannot run ${file}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      liveChildren.delete(child);
      resolve({ ms: elapsedMs(t0), code, signal, stdout, stderr, json: parseJson(stdout) });
    });
    child.stdin.on('error', () => {}); // a child that exits without reading stdin is not our failure
    child.stdin.end(stdinOf(stdin));
  });
}

/**
 * Launches every job at once and measures the wall time until the last one has exited.
 * jobs: [{ file, argv?, env?, stdin? }]
 */
export async function runConcurrently(jobs) {
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(jobs.map((j) => runAsync(j.file, j)));
  return { wallMs: elapsedMs(t0), results };
}

/** Throws with everything needed to see why, unless the call exited 0. */
export function expectOk(run, what) {
  if (run.code === 0) return run;
  const detail = [`exit ${run.code ?? run.signal}`, run.stdout.trim(), run.stderr.trim()].filter(Boolean).join('\n  ');
  throw new Error(`${what} failed: ${detail}`);
}

/** Time `n` runs of the same command (after `warmup` untimed ones); returns the samples in ms. */
export function sampleCommand(file, opts, { n, warmup = 3 }) {
  for (let i = 0; i < warmup; i++) expectOk(runTimed(file, opts), `${file} (warm-up)`);
  const samples = [];
  for (let i = 0; i < n; i++) samples.push(expectOk(runTimed(file, opts), file).ms);
  return samples;
}
