/**
 * twill's NAT state as the plugin left it, from whichever backend holds it (cni/plugin/firewall.ts
 * picks nftables when `nft` is on PATH, iptables otherwise): table `inet twill`'s elements (map
 * values, i.e. DNAT targets, included) and rules, or the TWILL-* rules of iptables-save, both
 * families. Read through the async runner only; parsing is pure (exported for the unit tests).
 */
import { parseSave, type IpFamily } from '../../host/iptables';
import type { Ctx } from '../context';
import { TABLE } from '../../plugin/nft-rules';

export const NFT_TABLE = ['inet', TABLE] as const;

/** A set or map element: key and (maps) value as nft writes them, with its comment. */
export interface NftEntry {
  set: string;
  key: string;
  value?: string;
  comment?: string;
}

export interface NftRule {
  chain: string;
  /** The chain's type: nat, filter. */
  type: string;
  text: string;
}

export interface NftTwill {
  chains: string[];
  entries: NftEntry[];
  /** Only when asked for (one more nft exec). */
  rules: NftRule[];
}

export interface IptablesFamily {
  family: IpFamily;
  nat: string[];
  filter: string[];
}

export type NatState =
  | { backend: 'nftables'; nft: NftTwill | null }
  | { backend: 'iptables'; families: IptablesFamily[] }
  | { backend: 'none' };

type NftValue = string | number | { concat?: NftValue[]; prefix?: { addr: string; len: number }; range?: NftValue[] };
type NftKey = NftValue | { elem: { val: NftValue; comment?: string } };
interface NftItem {
  chain?: { name: string };
  set?: { name: string; elem?: NftKey[] };
  map?: { name: string; elem?: Array<[NftKey, NftValue]> };
}

function render(v: NftValue): string {
  if (typeof v !== 'object') return String(v);
  if (v.concat) return v.concat.map(render).join(' . ');
  if (v.prefix) return `${v.prefix.addr}/${v.prefix.len}`;
  if (v.range) return v.range.map(render).join('-');
  return JSON.stringify(v);
}

function entry(set: string, k: NftKey, value?: NftValue): NftEntry {
  const tagged = typeof k === 'object' && 'elem' in k ? k.elem : undefined;
  const key = render(tagged ? tagged.val : (k as NftValue));
  return { set, key, ...(value !== undefined ? { value: render(value) } : {}), ...(tagged?.comment !== undefined ? { comment: tagged.comment } : {}) };
}

/** `nft -j list table inet twill` → chains and elements. */
export function parseNftJson(text: string): Omit<NftTwill, 'rules'> {
  const items = (JSON.parse(text) as { nftables: NftItem[] }).nftables;
  return {
    chains: items.flatMap((i) => (i.chain ? [i.chain.name] : [])),
    entries: items.flatMap((i) => [...(i.set?.elem ?? []).map((k) => entry(i.set!.name, k)), ...(i.map?.elem ?? []).map(([k, v]) => entry(i.map!.name, k, v))]),
  };
}

/** `nft list table inet twill` → each chain's rules as nft prints them. */
export function parseNftRules(text: string): NftRule[] {
  const rules: NftRule[] = [];
  let chain: { name: string; type: string } | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const open = /^chain (\S+) \{$/.exec(line);
    if (open) chain = { name: open[1], type: '' };
    else if (line === '}') chain = undefined;
    else if (chain && line.startsWith('type ')) chain.type = line.split(' ')[1];
    else if (chain && line) rules.push({ chain: chain.name, type: chain.type, text: line });
  }
  return rules;
}

async function stdout(ctx: Ctx, argv: string[]): Promise<string | undefined> {
  try {
    return (await ctx.runAsync(argv)).stdout;
  } catch {
    return undefined;
  }
}

/** undefined: no nft here; null: nft, but no table inet twill. */
async function readNft(ctx: Ctx, rules: boolean): Promise<NftTwill | null | undefined> {
  const json = await stdout(ctx, ['nft', '-j', 'list', 'table', ...NFT_TABLE]);
  if (json === undefined) return (await stdout(ctx, ['nft', '--version'])) === undefined ? undefined : null;
  const text = rules ? await stdout(ctx, ['nft', 'list', 'table', ...NFT_TABLE]) : undefined;
  return { ...parseNftJson(json), rules: text ? parseNftRules(text) : [] };
}

async function readIptables(ctx: Ctx): Promise<IptablesFamily[]> {
  const out: IptablesFamily[] = [];
  for (const family of [4, 6] as const) {
    const save = family === 4 ? 'iptables-save' : 'ip6tables-save';
    const [nat, filter] = await Promise.all([stdout(ctx, [save, '-t', 'nat']), stdout(ctx, [save, '-t', 'filter'])]);
    if (nat !== undefined && filter !== undefined) out.push({ family, nat: parseSave(nat).rules, filter: parseSave(filter).rules });
  }
  return out;
}

const hasTwill = (families: IptablesFamily[]) => families.some((f) => [...f.nat, ...f.filter].some((r) => / -j TWILL-|^-A TWILL-/.test(r)));

/**
 * The backend twill uses here: the one holding its state; when neither does (flushed, or no
 * ADD yet), the one the plugin would choose: nftables if nft runs, else iptables.
 */
export async function readNat(ctx: Ctx, o: { rules: boolean }): Promise<NatState> {
  const nft = await readNft(ctx, o.rules);
  if (nft) return { backend: 'nftables', nft };
  const families = await readIptables(ctx);
  if (hasTwill(families)) return { backend: 'iptables', families };
  if (nft === null) return { backend: 'nftables', nft: null };
  return families.length ? { backend: 'iptables', families } : { backend: 'none' };
}
