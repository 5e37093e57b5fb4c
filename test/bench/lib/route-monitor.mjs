// The kernel's own account of when routes came and went: `ip -4 -ts monitor route` inside the
// benchmark's namespace prints one line per netlink event as it receives it, stamped with the
// wall clock to the microsecond (TZ=UTC so the stamp parses without guessing a zone). Measuring
// from these stamps leaves the harness's own event loop out of every latency.
//   [2026-12-02T00:50:45.448347] 10.64.1.0/24 via 10.64.1.0 dev twill.1 proto 116 onlink
//   [2026-12-02T00:50:45.460652] Deleted 10.64.1.0/24 via 10.64.1.0 dev twill.1 proto 116 onlink
import { ip } from './netns.mjs';
import { startDaemon } from './daemon.mjs';
import { timeout } from './apiserver-process.mjs';

const LINE = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})\] (Deleted )?(\S+)(.*)$/;
const MARKER = '192.0.2.0/24';

/** One event: { at (wall ms), deleted, dst, dev, text }, or undefined for other lines. */
export function parseRouteEvent(line) {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const [, seconds, micros, deleted, dst, rest] = m;
  const at = Date.parse(`${seconds}Z`) + Number(micros) / 1000;
  return { at, deleted: Boolean(deleted), dst, dev: /\bdev (\S+)/.exec(rest)?.[1], text: line };
}

/**
 * Starts the monitor in `ns` and waits until it demonstrably listens (a marker route on lo seen
 * coming and going). onEvent(event) sees every later event. Returns { events, stop() }.
 */
export async function startRouteMonitor({ ns, onEvent }) {
  const events = [];
  const watchers = new Set();
  const daemon = startDaemon({
    label: `ip monitor in ${ns}`,
    file: 'ip',
    argv: ['-n', ns, '-4', '-ts', 'monitor', 'route'],
    env: { PATH: process.env.PATH, TZ: 'UTC' },
    stdin: 'ignore',
    onStdout: (line) => {
      const e = parseRouteEvent(line);
      if (!e) return;
      events.push(e);
      for (const w of watchers) w(e);
      onEvent?.(e);
    },
  });
  const seen = (deleted) => new Promise((resolve) => {
    const w = (e) => e.dst === MARKER && e.deleted === deleted && (watchers.delete(w), resolve());
    watchers.add(w);
  });
  await Promise.race([probe(ns, seen), daemon.exited.then((r) => { throw new Error(`ip monitor exited (${r.code ?? r.signal})`); })]);
  events.length = 0;
  return { events, stop: () => daemon.stop(1000) };
}

/** Adds and deletes the marker route until the monitor has reported both (it may start late). */
async function probe(ns, seen) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const added = seen(false);
    ip(['-n', ns, 'route', 'add', MARKER, 'dev', 'lo']);
    const ok = await Promise.race([added.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))]);
    const removed = seen(true);
    ip(['-n', ns, 'route', 'del', MARKER, 'dev', 'lo']);
    if (ok) return Promise.race([removed, timeout(5000, 'ip monitor did not report the marker route removed')]);
  }
  throw new Error('ip monitor never reported the marker route');
}
