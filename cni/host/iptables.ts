import type { Runner } from './run';

export type IpFamily = 4 | 6;

function tool(family: IpFamily, verb: 'save' | 'restore'): string {
  return `${family === 4 ? 'iptables' : 'ip6tables'}-${verb}`;
}

/** One table as `iptables-save` prints it. */
export function iptablesSave(runner: Runner, family: IpFamily, table: string): string {
  return runner([tool(family, 'save'), '-t', table]).stdout;
}

/**
 * Applies lines (":CHAIN - [0:0]", "-A …", "-D …") to one table in a single atomic
 * `iptables-restore --noflush`, the iptables counterpart of `nft -f -`.
 */
export function iptablesRestore(runner: Runner, family: IpFamily, table: string, lines: string[]): void {
  if (!lines.length) return;
  runner([tool(family, 'restore'), '--noflush', '-w', '5'], { input: `*${table}\n${lines.join('\n')}\nCOMMIT\n` });
}

export interface SavedTable {
  chains: Set<string>;
  /** Rules as "-A CHAIN …" lines, exactly as iptables-save prints them. */
  rules: string[];
}

export function parseSave(text: string): SavedTable {
  const chains = new Set<string>();
  const rules: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) chains.add(line.slice(1).split(' ')[0]);
    else if (line.startsWith('-A ')) rules.push(line);
  }
  return { chains, rules };
}
