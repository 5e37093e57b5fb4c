// Runs inside the benchmark's node namespace (overlay.mjs bundles it with esbuild and starts it
// with `ip netns exec`): syncOverlay against thousands of simulated peers, as the agent would
// call it, with the plain async runner. Prints one JSON object with every measurement.
import { createAsyncRunner } from '../../cni/host/run-async';
import { overlayConfig, syncOverlay, vtepMac } from '../../daemonset/overlay';

const runner = createAsyncRunner({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin' });
const PEERS = Number(process.env.OVERLAY_PEERS ?? 5000);
const DUAL = process.env.OVERLAY_DUAL !== '0';

/** Peer k (from 1): 10.(k/256+1).(k%256).0/24 and fd00:244:k::/64, underlay 172.16.(k/256).(k%256) on the node's /16. */
function peer(k) {
  const [hi, lo] = [Math.floor(k / 256), k % 256];
  const podCIDRs = [`10.${hi + 1}.${lo}.0/24`, ...(DUAL ? [`fd00:244:${k.toString(16)}::/64`] : [])];
  return { name: `peer-${k}`, podCIDRs, underlayIp: `172.16.${hi}.${lo}`, vtepMac: vtepMac(`peer-${k}`, 1) };
}

const peers = Array.from({ length: PEERS }, (_, i) => peer(i + 1));
const config = (o = {}) => overlayConfig({ nodeName: 'bench-node', podCIDRs: ['10.0.0.0/24'], underlay: { address: '172.16.255.254' }, ...o });

async function timed(label, desired, scope) {
  const r = await syncOverlay(runner, desired, scope);
  const changed = Object.values(r.changes).reduce((a, b) => a + b, 0);
  const round = (x) => Math.round(x * 10) / 10;
  return { label, ms: round(r.durationMs), read: round(r.timings.readMs), plan: round(r.timings.planMs), apply: round(r.timings.applyMs), changed, batches: r.batches, failures: r.failures.length, programmed: r.peers.programmed };
}

const rows = [];
rows.push(await timed(`${PEERS} peers from empty (device created)`, { config: config(), peers }));
rows.push(await timed('re-sync, nothing changed', { config: config(), peers }));
rows.push(await timed('re-sync, nothing changed (again)', { config: config(), peers }));
rows.push(await timed(`one peer added to ${PEERS}`, { config: config(), peers: [...peers, peer(PEERS + 1)] }));
rows.push(await timed(`one peer removed (back to ${PEERS})`, { config: config(), peers }));
const extra = peer(PEERS + 1);
rows.push(await timed(`scoped: one peer added to ${PEERS}`, { config: config(), peers: [...peers, extra] }, { names: [extra.name] }));
rows.push(await timed(`scoped: one peer removed (back to ${PEERS})`, { config: config(), peers }, { names: [], previous: [extra] }));
rows.push(await timed('scoped: the same peer again, nothing changed', { config: config(), peers }, { names: [peers[7].name] }));
rows.push(await timed(`direct routing on: ${PEERS} route gets, every peer switched`, { config: config({ directRouting: true }), peers }));
rows.push(await timed('direct routing on, nothing changed', { config: config({ directRouting: true }), peers }));
rows.push(await timed(`all ${PEERS} peers removed`, { config: config(), peers: [] }));
process.stdout.write(`${JSON.stringify({ peers: PEERS, dualStack: DUAL, rows })}\n`);
