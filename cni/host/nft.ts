import type { Runner } from './run';

/** Applies an nft script in one atomic transaction (`nft -f -`): all of it or nothing. */
export function nftApply(runner: Runner, script: string): void {
  runner(['nft', '-f', '-'], { input: script });
}

export interface NftElement {
  /** The set or map holding it. */
  map: string;
  /** The key as nft writes it, e.g. "tcp . 8080". */
  key: string;
  comment?: string;
}

type NftValue = string | number | { concat?: NftValue[]; prefix?: { addr: string; len: number } };

function render(v: NftValue): string {
  if (typeof v !== 'object') return String(v);
  if (v.concat) return v.concat.map(render).join(' . ');
  if (v.prefix) return `${v.prefix.addr}/${v.prefix.len}`;
  return JSON.stringify(v);
}

type NftKey = NftValue | { elem: { val: NftValue; comment?: string } };

interface NftItemJson {
  set?: { name: string; elem?: NftKey[] };
  map?: { name: string; elem?: Array<[NftKey, NftValue]> };
}

function toElement(name: string, k: NftKey): NftElement {
  const tagged = typeof k === 'object' && 'elem' in k ? k.elem : undefined;
  return { map: name, key: render(tagged ? tagged.val : (k as NftValue)), comment: tagged?.comment };
}

/** Elements of every set and map of a table (`map` names either), with comments. Missing table: none. */
export function nftListElements(runner: Runner, family: string, table: string): NftElement[] {
  let out: string;
  try {
    out = runner(['nft', '-j', 'list', 'table', family, table]).stdout;
  } catch {
    return [];
  }
  const items = (JSON.parse(out) as { nftables: NftItemJson[] }).nftables;
  return items.flatMap((item) => [
    ...(item.set?.elem ?? []).map((k) => toElement(item.set!.name, k)),
    ...(item.map?.elem ?? []).map(([k]) => toElement(item.map!.name, k)),
  ]);
}
