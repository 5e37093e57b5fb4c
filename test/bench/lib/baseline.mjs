// What a process start costs before any plugin code runs: the harness's own fork/exec floor
// (/bin/true) and the pinned Node's start, with the runtime-like environment and with this
// shell's NODE_* variables (NODE_EXTRA_CA_CERTS makes Node parse the whole CA bundle).
import { existsSync } from 'node:fs';
import { RUNTIME_PATH, distBinary, expectOk, runTimed } from './exec.mjs';
import { interleave } from './series.mjs';
import { formatMs, renderTable } from './table.mjs';
import { summarize } from './stats.mjs';

export async function startupBaseline({ samples, warmup }) {
  const node = distBinary('twill-node');
  if (!existsSync(node)) return { skipped: `${node} is missing (run make build)` };
  const runtime = { PATH: RUNTIME_PATH };
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('NODE_')));
  const cases = [
    { metric: '/bin/true (fork/exec floor of this harness)', file: '/bin/true', argv: [], env: runtime },
    { metric: 'dist/twill-node -e 0, env PATH only', file: node, argv: ['-e', '0'], env: runtime },
  ];
  const names = Object.keys(inherited);
  if (names.length) {
    cases.push({
      metric: `dist/twill-node -e 0, plus this shell's ${names.join(', ')}`,
      file: node,
      argv: ['-e', '0'],
      env: { ...runtime, ...inherited },
    });
  }
  const run = (c) => expectOk(runTimed(c.file, { argv: c.argv, env: c.env }), c.metric).ms;
  await interleave(cases, warmup, run);
  const series = (await interleave(cases, samples, run)).map(summarize);
  const rows = cases.map((c, i) => [c.metric, formatMs(series[i].p50), formatMs(series[i].p99)]);
  return { table: renderTable(['process start (no plugin work)', 'p50', 'p99'], rows), samples };
}
