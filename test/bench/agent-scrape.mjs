// The agent's own figures, from its /metrics (read inside the namespace): the histograms of
// event → programmed and of reconcile duration, the peers it says it programmed, the RSS it
// reports of itself. Printed beside the harness's measurements, never instead of them.
import { fetchInNamespace } from './lib/agent-process.mjs';
import { histogramDelta, histogramOf, parseMetrics, samplesOf } from './lib/prom-text.mjs';

const P = 'twilld_';

/** One scrape; with `before` (an earlier scrape), eventLatency counts only what happened since. */
export function scrapeAgent(ns, listen, before) {
  let samples;
  try {
    samples = parseMetrics(fetchInNamespace(ns, `http://${listen}/metrics`));
  } catch (err) {
    return { error: err.message };
  }
  const eventLatencyTotal = histogramOf(samples, `${P}event_to_programmed_seconds`);
  return {
    eventLatencyTotal,
    eventLatency: histogramDelta(eventLatencyTotal, before?.eventLatencyTotal),
    full: histogramOf(samples, `${P}reconcile_duration_seconds`, { kind: 'full' }),
    scoped: histogramOf(samples, `${P}reconcile_duration_seconds`, { kind: 'scoped' }),
    peersProgrammed: samplesOf(samples, `${P}peers_programmed`)[0]?.value,
    selfRssBytes: samplesOf(samples, 'process_resident_memory_bytes')[0]?.value ?? samplesOf(samples, `${P}process_resident_memory_bytes`)[0]?.value,
  };
}
