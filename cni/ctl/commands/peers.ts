/** `twillctl peers`: each remote node the agent programs, and whether the kernel matches (drift marked). */
import type { Ctx, Report } from '../context';
import { table } from '../output';
import { peerDrift, staleRoutes, type PeerDrift } from '../peers-drift';
import { loadConfDir, twillNetworks } from '../read/conflists';
import { readPeersFile } from '../read/files';
import { readFdb, readNeighbours, readTwillRoutes } from '../read/kernel';

const cell = (s: string) => (s === 'ok' || s === 'n/a' ? s : s.toUpperCase());

function row(p: PeerDrift): string[] {
  return [p.name, p.subnets.join('\n'), p.vtepMac, p.underlayIp, cell(p.route), cell(p.neighbour), cell(p.fdb)];
}

export async function cmdPeers(ctx: Ctx, o: { network?: string }): Promise<Report> {
  const networks = twillNetworks(loadConfDir(ctx.paths.confDir), o.network);
  const routes = await readTwillRoutes(ctx);
  const out = [];
  for (const f of networks) {
    const file = readPeersFile(ctx.paths.runDir, f.network!);
    if (!file) {
      out.push({ network: f.network!, device: null, peers: [] as PeerDrift[], stale: [] as string[], error: 'no peers file (is twilld running?)' });
      continue;
    }
    const [neighbours, fdb] = await Promise.all([readNeighbours(ctx, file.device), readFdb(ctx, file.device)]);
    out.push({ network: f.network!, device: file.device, peers: peerDrift(file, { routes, neighbours, fdb }), stale: staleRoutes(file, routes), error: null });
  }
  const notes = out.flatMap((n) => [...(n.error ? [`${n.network}: ${n.error}`] : []), ...n.stale.map((s) => `${n.network}: STALE route ${s} on ${n.device} (no peer has it)`)]);
  const drift = out.reduce((a, n) => a + n.peers.filter((p) => p.drift).length + n.stale.length, 0);
  // One table per network: a network column would not leave 80 columns for MACs and IPv6 subnets.
  const tables = out.map((n) => `network ${n.network}${n.device ? ` (${n.device})` : ''}\n${table(['NODE', 'SUBNETS', 'VTEP MAC', 'UNDERLAY', 'ROUTE', 'NEIGH', 'FDB'], n.peers.map(row))}`);
  const text = tables.join('\n') + notes.map((l) => `${l}\n`).join('') + `drift: ${drift}\n`;
  return { data: { networks: out, drift }, text, problems: drift };
}
