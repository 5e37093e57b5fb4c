// The agent's overlay reconciler at scale (not a pass/fail benchmark, and not yet part of
// `make bench`): syncOverlay for 5,000 simulated peers (OVERLAY_PEERS) in a test-owned network
// namespace, from empty, re-synced with no change, one peer added and removed, direct routing.
// The worker is bundled with esbuild and run inside the namespace (`ip netns exec`), so every
// exec it makes is what the agent would make on a node. Needs root; the namespace is deleted at
// the end, also after a failure.
//   node test/bench/overlay.mjs          OVERLAY_PEERS=N  OVERLAY_DUAL=0 (IPv4 pod subnets only)
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ns = `twbench${process.pid.toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'twill-bench-overlay-'));
const ip = (...args) => execFileSync('ip', ['-n', ns, ...args]);

if (process.getuid?.() !== 0) {
  console.log('overlay bench: skipped (needs root)');
  process.exit(0);
}

try {
  const bundle = join(dir, 'worker.mjs');
  await build({ entryPoints: [join(here, 'overlay-worker.mjs')], outfile: bundle, bundle: true, platform: 'node', target: 'node24', format: 'esm', logLevel: 'warning' });
  execFileSync('ip', ['netns', 'add', ns]);
  // The underlay: a veth whose peer stays in the namespace too (nothing of it reaches the host).
  ip('link', 'add', 'ul', 'type', 'veth', 'peer', 'name', 'ulpeer');
  ip('addr', 'add', '172.16.255.254/16', 'dev', 'ul');
  ip('link', 'set', 'ul', 'up');
  ip('link', 'set', 'ulpeer', 'up');
  const run = spawnSync('ip', ['netns', 'exec', ns, process.execPath, bundle], { encoding: 'utf8', env: { ...process.env }, maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`worker failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop());
  console.log(`overlay: syncOverlay with ${result.peers} peers (${result.dualStack ? 'dual-stack: 2 routes + 2 neighbours + 1 FDB entry each' : 'IPv4'}), ms`);
  console.log(['step'.padEnd(58), 'total', ' read', ' plan', 'apply', 'changed', 'execs', 'failed'].join('  '));
  for (const r of result.rows) {
    console.log([r.label.padEnd(58), ...[r.ms, r.read, r.plan, r.apply].map((x) => String(x).padStart(5)), String(r.changed).padStart(7), String(r.batches).padStart(5), String(r.failures).padStart(6)].join('  '));
  }
} finally {
  spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
}
