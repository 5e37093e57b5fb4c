// Plain-text tables: "metric | <subject> | <reference> | ratio", ratio = subject / reference
// (below 1.00 the subject is faster).
import { ratio } from './stats.mjs';

export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  return `${ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)} ms`;
}

export function formatRatio(r) {
  return Number.isFinite(r) ? r.toFixed(2) : '—';
}

/**
 * headers: column titles; rows: arrays of cell strings, or { section: 'title' } for a group line.
 * The first column is left-aligned, the others right-aligned.
 */
export function renderTable(headers, rows) {
  const cellRows = rows.filter((r) => Array.isArray(r));
  const widths = headers.map((h, i) => Math.max(h.length, ...cellRows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  const out = [line(headers), rule];
  for (const r of rows) out.push(Array.isArray(r) ? line(r) : `${r.section}`);
  return out.join('\n');
}

/**
 * rows: { metric, subject, reference } with times in ms, or { section }.
 * Returns the rendered table.
 */
export function comparisonTable({ subject, reference, rows }) {
  return renderTable(
    ['metric', subject, reference, 'ratio'],
    rows.map((r) =>
      r.section !== undefined
        ? r
        : [r.metric, formatMs(r.subject), formatMs(r.reference), formatRatio(ratio(r.subject, r.reference))],
    ),
  );
}

export function formatMiB(mib) {
  return Number.isFinite(mib) ? `${mib.toFixed(1)} MiB` : '—';
}

const FORMATS = { ms: formatMs, MiB: formatMiB };

/**
 * Several contenders in one table, with ratio columns.
 * columns: [{ key, title }]; ratios: [{ of, to, title }] (values[of] / values[to]);
 * rows: { metric, values: { key: number }, unit?: 'ms' | 'MiB' } (default ms), or { section }.
 */
export function sideBySideTable({ columns, ratios, rows }) {
  return renderTable(
    ['metric', ...columns.map((c) => c.title), ...ratios.map((r) => r.title)],
    rows.map((r) => {
      if (r.section !== undefined) return r;
      const format = FORMATS[r.unit ?? 'ms'];
      return [
        r.metric,
        ...columns.map((c) => format(r.values[c.key])),
        ...ratios.map((q) => formatRatio(ratio(r.values[q.of], r.values[q.to]))),
      ];
    }),
  );
}
