// A benchmark's "node": one network namespace of its own with lo up and an underlay `eth0`
// (a veth whose peer stays inside: nothing reaches the host; this kernel has no dummy module).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { onCleanup } from './cleanup.mjs';

/** `ip ARGS`, throwing with ip's own message on failure; returns stdout. */
export function ip(args) {
  const r = spawnSync('ip', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.status}`}`);
  return r.stdout;
}

/** Creates namespace `name` (it must not exist) and registers its deletion. */
export function createNodeNamespace({ name, underlayCidr }) {
  if (existsSync(`/run/netns/${name}`)) throw new Error(`network namespace ${name} already exists (a previous run left it? ip netns del ${name})`);
  ip(['netns', 'add', name]);
  onCleanup(`namespace ${name}`, () => deleteNamespace(name));
  const inNs = (...args) => ip(['-n', name, ...args]);
  inNs('link', 'set', 'lo', 'up');
  inNs('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0peer');
  inNs('addr', 'add', underlayCidr, 'dev', 'eth0');
  inNs('link', 'set', 'eth0', 'up');
  inNs('link', 'set', 'eth0peer', 'up');
  return inNs;
}

export function deleteNamespace(name) {
  if (existsSync(`/run/netns/${name}`)) ip(['netns', 'del', name]);
}
