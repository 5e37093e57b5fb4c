// twilld as a node runs it, inside the benchmark's namespace: `ip netns exec NS dist/twilld
// --config FILE` with NODE_NAME and KUBECONFIG as its environment. `ip netns exec` execs (no
// fork) and the launcher execs the runtime, so the pid we spawn is the runtime's own: /proc
// figures for that pid are the agent's. Its stderr (JSON lines) is kept, each line with the
// wall-clock time it arrived. /metrics is read from inside the namespace with a one-line fetch.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from './daemon.mjs';
import { RUNTIME_PATH } from './exec.mjs';

/** The agent's config file (AgentConfig without nodeName/kubeconfig), written into `dir`. */
export function writeAgentConfig(dir, { listen, resyncSeconds, underlayInterface }) {
  const file = join(dir, 'twilld.json');
  const paths = Object.fromEntries(['cniConfDir', 'cniBinDir', 'runDir', 'ipamDataDir'].map((k) => [k, join(dir, k)]));
  // BENCH_TWILLD_LOG_LEVEL=debug: every pass's log line, quiet full passes included (where their time goes).
  const logLevel = process.env.BENCH_TWILLD_LOG_LEVEL || undefined;
  writeFileSync(file, JSON.stringify({ listen, resyncSeconds, underlay: { interface: underlayInterface }, paths, logLevel }, null, 2));
  return file;
}

function parseLogLine(line, at) {
  try {
    const json = JSON.parse(line);
    return json && typeof json === 'object' ? { ...json, receivedAt: at } : { text: line, receivedAt: at };
  } catch {
    return { text: line, receivedAt: at };
  }
}

/** Starts the agent; returns { pid, logs (parsed lines, growing), exited, stop(), waitForLog(pred, ms) }. */
export function startAgent({ ns, binary, configFile, nodeName, kubeconfig }) {
  const logs = [];
  const watchers = new Set();
  const onLine = (line, at) => {
    const entry = parseLogLine(line, at);
    logs.push(entry);
    for (const w of watchers) w(entry);
  };
  const daemon = startDaemon({
    label: 'twilld',
    file: 'ip',
    argv: ['netns', 'exec', ns, binary, '--config', configFile],
    // A container's plain PATH, not ours (this shell's PATH leads every exec through ~/.cargo, pyenv shims...).
    // BENCH_TWILLD_NODE_OPTIONS: e.g. --cpu-prof --cpu-prof-dir=/tmp/p to profile the agent under load.
    env: { PATH: RUNTIME_PATH, NODE_NAME: nodeName, KUBECONFIG: kubeconfig, ...(process.env.BENCH_TWILLD_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_TWILLD_NODE_OPTIONS } : {}) },
    stdin: 'ignore',
    onStdout: onLine,
    onStderr: onLine,
  });
  const waitForLog = (pred, ms) => new Promise((resolve) => {
    const hit = logs.find(pred);
    if (hit) return resolve(hit);
    const w = (e) => pred(e) && (watchers.delete(w), clearTimeout(timer), resolve(e));
    const timer = setTimeout(() => (watchers.delete(w), resolve(undefined)), ms);
    watchers.add(w);
  });
  return { pid: daemon.pid, logs, exited: daemon.exited, stop: () => daemon.stop(5000), waitForLog, get result() { return daemon.result; } };
}

/** GET `url` from inside `ns` (the agent listens on the namespace's loopback); the body, or throws. */
export function fetchInNamespace(ns, url) {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => { process.stdout.write(await r.text()); process.exitCode = r.ok ? 0 : 2; }, (e) => { console.error(e.message); process.exitCode = 1; })`;
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 10_000, maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`GET ${url} in ${ns}: exit ${r.status ?? r.signal} ${r.stderr.trim()} ${r.stdout.slice(0, 200)}`);
  return r.stdout;
}
