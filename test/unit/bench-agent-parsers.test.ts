// The parsers the agent benchmark's figures rest on: `ip -ts monitor route` lines, the
// Prometheus text format, histogram deltas and bucket quantiles, and the matching of churn
// commands to kernel events (a wrong match would print a latency that never happened).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const load = (file: string) => import(pathToFileURL(join(__dirname, '..', 'bench', file)).href);

test('a route event line gives its wall time to the microsecond, deletion, destination and device', async () => {
  const { parseRouteEvent } = await load('lib/route-monitor.mjs');
  const add = parseRouteEvent('[2026-12-02T00:50:45.448347] 10.64.1.0/24 via 10.64.1.0 dev twill.1 proto 116 onlink ');
  expect(add).toMatchObject({ deleted: false, dst: '10.64.1.0/24', dev: 'twill.1' });
  expect(add.at).toBeCloseTo(Date.UTC(2026, 11, 2, 0, 50, 45) + 448.347, 3);
  expect(parseRouteEvent('[2026-12-02T00:50:45.460652] Deleted 10.64.1.0/24 via 10.64.1.0 dev twill.1 proto 116 onlink')).toMatchObject({ deleted: true, dst: '10.64.1.0/24' });
  expect(parseRouteEvent('10.64.1.0/24 dev twill.1')).toBeUndefined();
});

test('metrics text: labelled samples, a histogram summed over series, its delta between scrapes and bucket quantiles', async () => {
  const { parseMetrics, samplesOf, histogramOf, histogramDelta, bucketQuantile } = await load('lib/prom-text.mjs');
  const scrape = (counts: [number, number, number], sum: number) =>
    parseMetrics(
      [
        '# HELP twilld_peers_programmed Peers.',
        'twilld_peers_programmed{network="twill"} 5000',
        `twilld_event_to_programmed_seconds_bucket{le="0.01"} ${counts[0]}`,
        `twilld_event_to_programmed_seconds_bucket{le="0.1"} ${counts[1]}`,
        `twilld_event_to_programmed_seconds_bucket{le="+Inf"} ${counts[2]}`,
        `twilld_event_to_programmed_seconds_sum ${sum}`,
        `twilld_event_to_programmed_seconds_count ${counts[2]}`,
        'twilld_reconcile_duration_seconds_count{network="twill",kind="full"} 3',
        'twilld_reconcile_duration_seconds_count{network="twill",kind="scoped"} 7',
      ].join('\n'),
    );
  const before = scrape([1, 2, 2], 0.05);
  const after = scrape([1, 12, 102], 9.05);
  expect(samplesOf(after, 'twilld_peers_programmed', { network: 'twill' })[0].value).toBe(5000);
  expect(histogramOf(after, 'twilld_reconcile_duration_seconds', { kind: 'scoped' }).count).toBe(7);
  expect(histogramOf(after, 'twilld_reconcile_duration_seconds').count).toBe(10);
  expect(histogramOf(after, 'nothing_such')).toBeUndefined();
  const delta = histogramDelta(histogramOf(after, 'twilld_event_to_programmed_seconds'), histogramOf(before, 'twilld_event_to_programmed_seconds'));
  expect(delta).toEqual({ count: 100, sum: 9, buckets: [{ le: 0.01, count: 0 }, { le: 0.1, count: 10 }, { le: Infinity, count: 100 }] });
  expect(bucketQuantile(delta, 0.05)).toBe(0.1);
  expect(bucketQuantile(delta, 0.5)).toBe(Infinity);
});

test('churn matching: the first event of the right kind on the device after the command, latency from the API answer', async () => {
  const { matchChurn } = await load('agent-phases.mjs');
  const { churnStats } = await load('agent-report.mjs');
  const dst = '10.83.136.0/24';
  const commands = [
    { kind: 'add', dst, sentAt: 1000, answeredAt: 1002 },
    { kind: 'remove', dst, sentAt: 1200, answeredAt: 1201 },
    { kind: 'add', dst: '10.64.9.0/24', sentAt: 1400, answeredAt: 1401 },
  ];
  const events = [
    { at: 900, deleted: false, dst, dev: 'twill.1' }, // before the command: an older route
    { at: 1030, deleted: false, dst, dev: 'eth0' }, // another device
    { at: 1050, deleted: false, dst, dev: 'twill.1' },
    { at: 1100, deleted: true, dst, dev: 'twill.1' }, // before the removal was sent
    { at: 1260, deleted: true, dst, dev: 'twill.1' },
  ];
  const matched = matchChurn(commands, events);
  expect(matched.map((m: { fromAnswerMs?: number }) => m.fromAnswerMs)).toEqual([48, 59, undefined]);
  expect(churnStats(matched, 'add')).toMatchObject({ n: 2, missing: 1, p50: 48, p99: 48 });
  expect(churnStats(matched, 'remove')).toMatchObject({ n: 1, missing: 0, p99: 59 });
});
