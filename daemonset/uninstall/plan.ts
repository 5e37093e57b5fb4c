/**
 * What `twilld uninstall` removes, decided from what it found on the node (pure; facts.ts finds,
 * apply.ts acts). Ownership is always proven, never assumed from a directory:
 *
 * - conflists: `10-<name>.conflist` / `80-<name>.conflist` whose plugins include `type: twill`;
 * - routes: protocol 116, which only twill sets (daemonset/overlay/config.ts);
 * - VXLAN devices: kind vxlan named `twill.<vni>`;
 * - bridges: those a twill conflist names or named `twill<N>`, only with no port attached (a
 *   port is a pod's host veth: deleting the bridge under it would cut a running pod off);
 * - nft tables `inet twill` (the plugin's) and `inet twilld` (the agent's isolation table);
 * - iptables: the chains named `TWILL-*` (the plugin's fallback) and the jumps into them;
 * - CNI bin dir: files with twill's launcher header, `twill-<runtime>-<version>` runtimes and
 *   the installer's temp files (install/layout.ts), never another plugin;
 * - the run dir (readiness files, markers, caches); IPAM stores `<dataDir>/<network>` of twill's
 *   networks only with --purge-ipam.
 *
 * Order: conflists first, so the runtime stops giving new pods to twill; then the dataplane;
 * files last. Nothing here enters a pod's namespace: a pod keeps its interface and addresses
 * (its traffic stops with the overlay).
 */
import { FileKind } from '../install/layout';
import { TABLE } from '../../cni/plugin/nft-rules';
import { ISOLATION_TABLE } from '../overlay/isolation';

export interface TwillConflist {
  path: string;
  network: string;
  bridges: string[];
  /** ipam.dataDir of its twill-ipam plugins. */
  dataDirs: string[];
}

export interface LinkFacts {
  name: string;
  kind?: string;
  master?: string;
}

export interface RouteFacts {
  dst: string;
  dev?: string;
  family: 4 | 6;
}

export interface IptablesFacts {
  family: 4 | 6;
  table: string;
  chains: string[];
  rules: string[];
}

export interface UninstallFacts {
  conflists: TwillConflist[];
  /** Network names of the readiness files in the run dir (`ready-<name>.json`). */
  readyNetworks: string[];
  links: LinkFacts[];
  routes: RouteFacts[];
  /** nft tables as "family name"; undefined without nft. */
  nftTables?: string[];
  iptables: IptablesFacts[];
  binFiles: Array<{ name: string; kind: FileKind }>;
  runDirExists: boolean;
  /** IPAM store directories that exist, with their network. */
  ipamStores: Array<{ network: string; path: string }>;
}

export interface UninstallSettings {
  cniConfDir: string;
  cniBinDir: string;
  runDir: string;
  purgeIpam: boolean;
}

export type UninstallStep =
  | { op: 'remove-file'; what: string; path: string }
  | { op: 'remove-dir'; what: string; path: string }
  | { op: 'ip'; what: string; ip: string[]; lines: string[] }
  | { op: 'nft'; what: string; script: string }
  | { op: 'iptables'; what: string; family: 4 | 6; table: string; lines: string[] }
  | { op: 'keep'; what: string; why: string };

export const TWILL_TABLES = [`inet ${TABLE}`, `inet ${ISOLATION_TABLE}`] as const;
const VXLAN_NAME = /^twill\.\d+$/;
const BRIDGE_NAME = /^twill\d+$/;
const CHAIN = /^TWILL-/;

function routeSteps(routes: RouteFacts[]): UninstallStep[] {
  return ([4, 6] as const).flatMap((family) => {
    const mine = routes.filter((r) => r.family === family);
    if (!mine.length) return [];
    const lines = mine.map((r) => `route del ${r.dst} proto 116${r.dev ? ` dev ${r.dev}` : ''}`);
    return [{ op: 'ip', what: `${mine.length} IPv${family} route(s) of proto 116`, ip: ['ip', `-${family}`, '-force'], lines }];
  });
}

function deviceSteps(links: LinkFacts[]): UninstallStep[] {
  return links
    .filter((l) => l.kind === 'vxlan' && VXLAN_NAME.test(l.name))
    .map((l) => ({ op: 'ip', what: `VXLAN device ${l.name}`, ip: ['ip'], lines: [`link del dev ${l.name}`] }));
}

function bridgeSteps(links: LinkFacts[], conflists: TwillConflist[]): UninstallStep[] {
  const named = new Set(conflists.flatMap((c) => c.bridges));
  return links
    .filter((l) => l.kind === 'bridge' && (named.has(l.name) || BRIDGE_NAME.test(l.name)))
    .map((l): UninstallStep => {
      const ports = links.filter((p) => p.master === l.name).map((p) => p.name);
      if (ports.length) return { op: 'keep', what: `bridge ${l.name}`, why: `${ports.length} port(s) attached: ${ports.slice(0, 5).join(', ')}` };
      return { op: 'ip', what: `bridge ${l.name}`, ip: ['ip'], lines: [`link del dev ${l.name}`] };
    });
}

function nftSteps(tables: string[] | undefined): UninstallStep[] {
  if (!tables) return [{ op: 'keep', what: 'nft tables', why: 'nft is not installed' }];
  return TWILL_TABLES.filter((t) => tables.includes(t)).map((t) => ({ op: 'nft', what: `nft table ${t}`, script: `delete table ${t}\n` }));
}

/** Jumps into TWILL-* chains deleted, then every TWILL-* chain flushed, then deleted (they jump into each other). */
export function iptablesLines({ chains, rules }: IptablesFacts): string[] {
  const mine = chains.filter((c) => CHAIN.test(c));
  const jumps = rules.filter((r) => !CHAIN.test(r.split(' ')[1] ?? '') && / -j TWILL-\S+/.test(r));
  return [...jumps.map((r) => `-D${r.slice(2)}`), ...mine.map((c) => `-F ${c}`), ...mine.map((c) => `-X ${c}`)];
}

function iptablesSteps(tables: IptablesFacts[]): UninstallStep[] {
  return tables.flatMap((t) => {
    const lines = iptablesLines(t);
    const what = `iptables TWILL-* chains (IPv${t.family} ${t.table})`;
    return lines.length ? [{ op: 'iptables', what, family: t.family, table: t.table, lines }] : [];
  });
}

function fileSteps(f: UninstallFacts, s: UninstallSettings): UninstallStep[] {
  const ours = f.binFiles.filter((b) => b.kind !== FileKind.other);
  const ipam: UninstallStep[] = f.ipamStores.map((st) =>
    s.purgeIpam ? { op: 'remove-dir', what: `IPAM store of ${st.network}`, path: st.path } : { op: 'keep', what: `IPAM store ${st.path}`, why: '--purge-ipam removes it' },
  );
  return [
    ...ours.map((b): UninstallStep => ({ op: 'remove-file', what: `${b.kind} ${b.name}`, path: `${s.cniBinDir}/${b.name}` })),
    ...(f.runDirExists ? [{ op: 'remove-dir', what: 'run dir', path: s.runDir } as const] : []),
    ...ipam,
  ];
}

/** Every step, in the order they are carried out. */
export function planUninstall(f: UninstallFacts, s: UninstallSettings): UninstallStep[] {
  return [
    ...f.conflists.map((c): UninstallStep => ({ op: 'remove-file', what: `conflist of ${c.network}`, path: c.path })),
    ...routeSteps(f.routes),
    ...deviceSteps(f.links),
    ...nftSteps(f.nftTables),
    ...iptablesSteps(f.iptables),
    ...bridgeSteps(f.links, f.conflists),
    ...fileSteps(f, s),
  ];
}

/** The networks whose IPAM stores are twill's: named by a twill conflist or a readiness file. */
export function twillNetworks(conflists: TwillConflist[], readyNetworks: string[], defaultDataDir: string): Array<{ network: string; dataDir: string }> {
  const out = new Map<string, { network: string; dataDir: string }>();
  for (const c of conflists) for (const d of c.dataDirs.length ? c.dataDirs : [defaultDataDir]) out.set(`${d}\0${c.network}`, { network: c.network, dataDir: d });
  for (const n of readyNetworks) if (![...out.values()].some((v) => v.network === n)) out.set(`${defaultDataDir}\0${n}`, { network: n, dataDir: defaultDataDir });
  return [...out.values()];
}

export function describeStep(step: UninstallStep): string {
  if (step.op === 'keep') return `kept ${step.what}: ${step.why}`;
  if (step.op === 'remove-file' || step.op === 'remove-dir') return `removed ${step.what} (${step.path})`;
  return `removed ${step.what}`;
}
