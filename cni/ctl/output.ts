/**
 * Human tables: borderless, aligned, fitted to 80 columns (cli-table3 wraps a cell that does not
 * fit). fitWidths is pure, so the 80-column promise is unit-tested.
 */
import Table from 'cli-table3';

export const WIDTH = 80;
const GAP = 2;
const MIN_COLUMN = 6;

/** How a table may be fitted. */
export interface FitOptions {
  /** Columns never narrowed (pod names, IDs, addresses: cut, they cannot be searched for). */
  whole?: readonly number[];
  width?: number;
}

/**
 * Column widths that fit `width`: natural widths, the widest shrunk one step at a time; first
 * only columns wider than their longest word (prose wraps, names and addresses stay whole),
 * then any column but the `whole` ones. When only whole columns are left, the table is wider
 * than `width` rather than cutting them (as kubectl does).
 */
export function fitWidths(rows: string[][], o: FitOptions = {}): number[] {
  const width = o.width ?? WIDTH;
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(1, ...rows.map((r) => longest(r[i] ?? '', /\n/))));
  const words = Array.from({ length: cols }, (_, i) => Math.max(1, ...rows.map((r) => longest(r[i] ?? '', /\s/))));
  const shrinkable = widths.map((_, i) => !(o.whole ?? []).includes(i));
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (cols - 1);
  while (total() > width) {
    const candidates = widths.map((w, i) => (shrinkable[i] && w > words[i] ? w : 0));
    const pool = Math.max(...candidates) > 0 ? candidates : widths.map((w, i) => (shrinkable[i] ? w : 0));
    const widest = pool.indexOf(Math.max(...pool));
    if (pool[widest] <= MIN_COLUMN) break;
    widths[widest] -= 1;
  }
  return widths;
}

function longest(cell: string, split: RegExp): number {
  return Math.max(...cell.split(split).map((l) => l.length));
}

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
  'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' '.repeat(GAP),
};

/** A table with a header row; every line at most 80 columns unless `whole` columns need more. */
export function table(head: string[], rows: string[][], fit: FitOptions = {}): string {
  if (!rows.length) return `${head.join('  ')}\n(none)\n`;
  const colWidths = fitWidths([head, ...rows], fit);
  const t = new Table({
    head,
    colWidths,
    wordWrap: true,
    wrapOnWordBoundary: true,
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  t.push(...rows);
  return t.toString().split('\n').map((l) => l.trimEnd()).join('\n') + '\n';
}

/** "key: value" lines, keys aligned. */
export function fields(pairs: Array<[string, string]>): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w + 2)}${v}`).join('\n') + '\n';
}

/** A section title over its body. */
export function section(title: string, body: string): string {
  return `${title}\n${body}`;
}

export const mark = (ok: boolean): string => (ok ? 'ok' : 'DRIFT');
