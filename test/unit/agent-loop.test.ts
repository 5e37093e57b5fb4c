// The loop's quiet period (a timer's full pass waits while events keep coming, at most one
// period) and MergedUpdate (NAT exemption writes one at a time, what waits merged into one).
import { ReconcileLoop } from '../../daemonset/agent/loop';
import { MergedUpdate } from '../../daemonset/agent/merged-update';
import { silentLogger } from '../../daemonset/kube/log';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ReconcileLoop quiet period', () => {
  it('holds the timer\'s full pass while events arrive, but no longer than one period', async () => {
    const passes: Array<{ full: boolean; at: number }> = [];
    const t0 = performance.now();
    const loop = new ReconcileLoop({ periodMs: 100, quietMs: 80, logger: silentLogger, reconcile: async (full) => void passes.push({ full, at: performance.now() - t0 }) });
    loop.start();
    // Events every 10 ms for 330 ms: never 80 ms quiet, so only the one-period limit releases a due pass.
    while (performance.now() - t0 < 330) {
      loop.trigger({ eventAt: performance.now() });
      await sleep(10);
    }
    const eventsEnd = performance.now() - t0;
    await sleep(250);
    await loop.stop();
    const timerFulls = passes.filter((p) => p.full).slice(1).map((p) => p.at);
    // Due at 100 ms, held until 200 ms (its period ran out while events still came): never before.
    expect(timerFulls[0]).toBeGreaterThanOrEqual(195);
    expect(timerFulls[0]).toBeLessThan(eventsEnd);
    expect(passes.filter((p) => !p.full).length).toBeGreaterThan(10);
  });

  it('runs a due full pass at once when no event came lately', async () => {
    const passes: boolean[] = [];
    const loop = new ReconcileLoop({ periodMs: 50, quietMs: 40, logger: silentLogger, reconcile: async (full) => void passes.push(full) });
    loop.start();
    await sleep(130);
    await loop.stop();
    expect(passes.filter((f) => f).length).toBeGreaterThanOrEqual(2);
  });
});

describe('MergedUpdate', () => {
  it('runs one at a time, merges what waits into one run with the newest input, verifies when any asked', async () => {
    let input = 'a';
    const runs: Array<[string, boolean]> = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const u = new MergedUpdate<string>({ input: () => input, key: (x) => x, apply: async (x, verify) => void (runs.push([x, verify]), runs.length === 1 && (await gate)) });
    const first = u.request(false);
    await sleep(0); // the first has started (and waits on the gate)
    input = 'b';
    const second = u.request(false);
    input = 'c';
    const third = u.request(true);
    expect(third).toBe(second);
    release();
    await Promise.all([first, second, third]);
    expect(runs).toEqual([['a', false], ['c', true]]);
    await u.request(false); // same input, not verified: nothing written
    expect(runs).toHaveLength(2);
    await u.request(true);
    expect(runs).toEqual([['a', false], ['c', true], ['c', true]]);
  });

  it('writes again after a failed write, even for the same input', async () => {
    let fail = true;
    const runs: string[] = [];
    const u = new MergedUpdate<string>({ input: () => 'x', key: (x) => x, apply: async (x) => { runs.push(x); if (fail) throw new Error('nft refused'); } });
    await expect(u.request(false)).rejects.toThrow('nft refused');
    fail = false;
    await u.request(false);
    expect(runs).toEqual(['x', 'x']);
  });
});
