// What a process start costs before any plugin code runs, per candidate runtime: the harness's
// own fork/exec floor (/bin/true), the bare runtime on an empty script, and the same through a
// bundle's sh launcher and version guard (twill-empty: what every plugin call pays first).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME_PATH, expectOk, runTimed } from './exec.mjs';
import { canMeasureRss, medianRssMiB } from './runtimes.mjs';
import { interleave } from './series.mjs';
import { formatMiB, formatMs, renderTable } from './table.mjs';
import { summarize } from './stats.mjs';

export async function startupBaseline({ samples, warmup, variants, scratchDir }) {
  const script = join(scratchDir, 'empty.js');
  writeFileSync(script, '');
  const env = { PATH: RUNTIME_PATH };
  const cases = [{ metric: '/bin/true (fork/exec floor of this harness)', file: '/bin/true', argv: [] }];
  for (const v of variants) {
    cases.push({ metric: `${v.label} ${v.version}: empty script`, file: v.file, argv: [script] });
    cases.push({ metric: `${v.label}: launcher + version guard, no bundle`, file: v.empty, argv: [] });
  }
  const run = (c) => expectOk(runTimed(c.file, { argv: c.argv, env }), c.metric).ms;
  await interleave(cases, warmup, run);
  const series = (await interleave(cases, samples, run)).map(summarize);
  const rss = cases.map((c) => (canMeasureRss() ? medianRssMiB(c.file, { argv: c.argv, env }, { what: c.metric }) : NaN));
  const rows = cases.map((c, i) => [c.metric, formatMs(series[i].p50), formatMs(series[i].p99), formatMiB(rss[i])]);
  return { table: renderTable(['process start (no plugin work)', 'p50', 'p99', 'peak RSS'], rows), samples };
}
