import { CommandError } from './errors';
import type { AsyncRunner } from './run-async';

/** nftables for the agent (async runner): one atomic `nft -f -` transaction per script. */
export async function nftApplyAsync(runner: AsyncRunner, script: string): Promise<void> {
  await runner(['nft', '-f', '-'], { input: script });
}

type SetElem = string | { prefix: { addr: string; len: number } } | { range: [string, string] } | { elem: { val: SetElem } };

/** A set element as nft writes it: "10.0.0.0/16", "10.0.0.1", "10.0.0.1-10.0.0.9". */
export function renderSetElem(e: SetElem): string {
  if (typeof e === 'string') return e;
  if ('elem' in e) return renderSetElem(e.elem.val);
  if ('prefix' in e) return `${e.prefix.addr}/${e.prefix.len}`;
  return `${e.range[0]}-${e.range[1]}`;
}

/** The elements of one set as nft writes them ("10.0.0.0/16", "10.0.0.1"); undefined when the table or set does not exist. */
export async function nftSetElements(runner: AsyncRunner, family: string, table: string, set: string): Promise<string[] | undefined> {
  let out: string;
  try {
    out = (await runner(['nft', '-j', 'list', 'set', family, table, set])).stdout;
  } catch (err) {
    if (err instanceof CommandError && err.exitCode !== null) return undefined;
    throw err;
  }
  const items = (JSON.parse(out) as { nftables: Array<{ set?: { elem?: SetElem[] } }> }).nftables;
  return items.flatMap((i) => (i.set?.elem ?? []).map(renderSetElem));
}

/** The parts of `nft -j list table` items a reconciler compares. */
export interface NftTableItem {
  set?: { name: string; elem?: SetElem[] };
  chain?: { name: string; hook?: string };
  rule?: { chain: string };
}

/** `nft -j list table` as its item list; undefined when the table does not exist. */
export async function nftTableItems(runner: AsyncRunner, family: string, table: string): Promise<NftTableItem[] | undefined> {
  let out: string;
  try {
    out = (await runner(['nft', '-j', 'list', 'table', family, table])).stdout;
  } catch (err) {
    if (err instanceof CommandError && err.exitCode !== null) return undefined;
    throw err;
  }
  return (JSON.parse(out) as { nftables: NftTableItem[] }).nftables;
}
