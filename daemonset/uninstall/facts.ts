/**
 * What `twilld uninstall` finds on the node (plan.ts decides from it). Each part is read on its
 * own: a part that cannot be read is one named failure, and the others are still removed.
 */
import { existsSync, openSync, readFileSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ipJson } from '../../cni/host/ip';
import { iptablesSave, parseSave } from '../../cni/host/iptables';
import type { Runner } from '../../cni/host/run';
import { fileKind, HEAD_BYTES } from '../install/layout';
import { twillNetworks, type IptablesFacts, type LinkFacts, type RouteFacts, type TwillConflist, type UninstallFacts } from './plan';
import { ROUTE_PROTO } from '../overlay/config';

export interface FactsInput {
  runner: Runner;
  cniConfDir: string;
  cniBinDir: string;
  runDir: string;
  ipamDataDir: string;
  /** Whether a program is on PATH (nft, iptables-save may be absent). */
  has: (program: string) => boolean;
}

const CONFLIST_NAME = /^(?:10|80)-(.+)\.conflist$/;

function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

type Plugin = { type?: unknown; bridge?: unknown; ipam?: { type?: unknown; dataDir?: unknown } };

/** The conflist when it is twill's (a plugin of type twill), else undefined; unparsable files are not ours. */
export function parseTwillConflist(path: string, text: string): TwillConflist | undefined {
  let doc: { name?: unknown; plugins?: Plugin[] };
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const twill = Array.isArray(doc?.plugins) ? doc.plugins.filter((p) => p?.type === 'twill') : [];
  if (!twill.length || typeof doc.name !== 'string') return undefined;
  const strings = (xs: unknown[]) => xs.filter((x): x is string => typeof x === 'string' && x !== '');
  return {
    path,
    network: doc.name,
    bridges: strings(twill.map((p) => p.bridge ?? 'twill0')),
    dataDirs: strings(twill.map((p) => (p.ipam?.type === 'twill-ipam' ? p.ipam.dataDir : undefined))),
  };
}

function readConflists(dir: string): TwillConflist[] {
  return entries(dir)
    .filter((n) => CONFLIST_NAME.test(n))
    .flatMap((n) => parseTwillConflist(join(dir, n), readFileSync(join(dir, n), 'utf8')) ?? []);
}

function readLinks(runner: Runner): LinkFacts[] {
  type J = { ifname: string; master?: string; linkinfo?: { info_kind?: string } };
  return ipJson<J[]>(runner, ['-d', 'link', 'show']).map((l) => ({ name: l.ifname, kind: l.linkinfo?.info_kind, master: l.master }));
}

function readRoutes(runner: Runner): RouteFacts[] {
  return ([4, 6] as const).flatMap((family) =>
    ipJson<Array<{ dst: string; dev?: string }>>(runner, [`-${family}`, 'route', 'show', 'proto', String(ROUTE_PROTO)]).map((r) => ({ dst: r.dst, dev: r.dev, family })),
  );
}

function readNftTables(runner: Runner): string[] {
  const out = runner(['nft', '-j', 'list', 'tables']).stdout;
  const items = (JSON.parse(out) as { nftables: Array<{ table?: { family: string; name: string } }> }).nftables;
  return items.flatMap((i) => (i.table ? [`${i.table.family} ${i.table.name}`] : []));
}

function readIptables(runner: Runner, has: FactsInput['has']): IptablesFacts[] {
  return ([4, 6] as const).flatMap((family) => {
    if (!has(family === 4 ? 'iptables-save' : 'ip6tables-save')) return [];
    return ['nat', 'filter'].map((table) => {
      const saved = parseSave(iptablesSave(runner, family, table));
      return { family, table, chains: [...saved.chains], rules: saved.rules };
    });
  });
}

function head(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0)).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function readBinFiles(dir: string): UninstallFacts['binFiles'] {
  return entries(dir).flatMap((name) => {
    const st = statSync(join(dir, name), { throwIfNoEntry: false });
    if (!st?.isFile()) return [];
    return [{ name, kind: fileKind(name, head(join(dir, name))) }];
  });
}

/** Each part's facts, and a message for each part that could not be read. */
export function gatherFacts(o: FactsInput): { facts: UninstallFacts; failures: string[] } {
  const failures: string[] = [];
  const part = <T>(what: string, read: () => T, empty: T): T => {
    try {
      return read();
    } catch (err) {
      failures.push(`reading ${what}: ${(err as Error).message}`);
      return empty;
    }
  };
  const conflists = part(`conflists in ${o.cniConfDir}`, () => readConflists(o.cniConfDir), []);
  const readyNetworks = part(`readiness files in ${o.runDir}`, () => entries(o.runDir).flatMap((n) => /^ready-(.+)\.json$/.exec(n)?.[1] ?? []), []);
  const stores = twillNetworks(conflists, readyNetworks, o.ipamDataDir).map((n) => ({ network: n.network, path: join(n.dataDir, n.network) }));
  const facts: UninstallFacts = {
    conflists,
    readyNetworks,
    links: part('links (ip link)', () => readLinks(o.runner), []),
    routes: part('routes (ip route)', () => readRoutes(o.runner), []),
    nftTables: o.has('nft') ? part('nft tables', () => readNftTables(o.runner), []) : undefined,
    iptables: part('iptables', () => readIptables(o.runner, o.has), []),
    binFiles: part(`files in ${o.cniBinDir}`, () => readBinFiles(o.cniBinDir), []),
    runDirExists: existsSync(o.runDir),
    ipamStores: stores.filter((s) => existsSync(s.path)),
  };
  return { facts, failures };
}
