// The test API server (test/kube/apiserver/serve.ts) as its own process inside a benchmark's
// namespace, so an agent there reaches it at 127.0.0.1 as a node reaches its API server.
// Bundled once per run with esbuild, run on the harness's own (pinned) Node. Commands go as
// JSON lines on stdin; answers come back in order, each stamped with the wall-clock time it
// arrived (what a churn measurement counts from).
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './exec.mjs';
import { startDaemon, wallMs } from './daemon.mjs';

async function bundle(dir) {
  const outfile = join(dir, 'apiserver.cjs');
  await build({ entryPoints: [join(ROOT, 'test/kube/apiserver/serve.ts')], bundle: true, platform: 'node', target: 'node24', outfile, logLevel: 'warning' });
  return outfile;
}

/**
 * Starts the server in `ns` with `nodes` simulated Nodes; resolves once it is serving.
 * Returns { pid, ready ({ url, kubeconfig, nodes, ms }), kubeconfig, command(cmd), stop() }.
 */
export async function startApiServer({ ns, dir, nodes, timeoutMs = 60_000 }) {
  const file = await bundle(dir);
  const kubeconfig = join(dir, 'kubeconfig');
  const waiting = [];
  const stderr = [];
  const daemon = startDaemon({
    label: 'test API server',
    file: 'ip',
    argv: ['netns', 'exec', ns, process.execPath, file, '--kubeconfig', kubeconfig, '--nodes', String(nodes)],
    env: { PATH: process.env.PATH },
    onStdout: (line, at) => waiting.shift()?.({ ...parseAnswer(line), at }),
    onStderr: (line) => stderr.push(line),
  });
  const next = () => new Promise((resolve) => waiting.push(resolve));
  const ready = await Promise.race([next(), daemon.exited.then((r) => failStart(r, stderr)), timeout(timeoutMs, 'the test API server did not start')]);
  const command = async (cmd) => {
    const sentAt = wallMs();
    const answer = next();
    daemon.child.stdin.write(`${JSON.stringify(cmd)}\n`);
    const a = await answer;
    if (!a.ok) throw new Error(`API server command ${JSON.stringify(cmd).slice(0, 200)}: ${a.error}`);
    return { result: a.result, sentAt, answeredAt: a.at };
  };
  const stop = async () => {
    daemon.child.stdin.end();
    return daemon.stop(5000);
  };
  return { pid: daemon.pid, ready, kubeconfig, command, stop };
}

function parseAnswer(line) {
  try {
    return JSON.parse(line);
  } catch {
    return { ok: false, error: `not a JSON answer: ${line.slice(0, 200)}` };
  }
}

function failStart(r, stderr) {
  throw new Error(`the test API server exited (${r.code ?? r.signal}) before it was ready: ${stderr.join('\n').slice(-2000)}`);
}

export function timeout(ms, what) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms).unref());
}
