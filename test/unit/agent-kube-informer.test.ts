// The node informer against the test API server's failure switches: after each failure it
// must hold exactly the server's nodes again, without crashing, relisting only on 410.
import type { KubeClient } from '../../daemonset/kube/client';
import { Backoff } from '../../daemonset/kube/backoff';
import { NodeInformer, type NodeInformerOptions } from '../../daemonset/kube/informer';
import { createSimulatedNodes, leases, nodes, TestApiServer } from '../kube/apiserver';
import { eventually } from '../kube/client';
import { agentClientFor } from '../helpers/kube-agent';

let api: TestApiServer;
let informer: NodeInformer | undefined;
let signals: number;

beforeEach(async () => {
  api = await TestApiServer.start({ historyLimit: 5, bookmarkIntervalMs: 100 });
  signals = 0;
});
afterEach(async () => {
  await informer?.stop();
  informer = undefined;
  await api.close();
});

function startInformer(opts: Partial<NodeInformerOptions> = {}): NodeInformer {
  const client = opts.client ?? agentClientFor(api, { requestTimeoutMs: 2000 });
  informer = new NodeInformer({ client, backoff: { initialMs: 10, maxMs: 100 }, idleTimeoutMs: 3000, hooks: { onChange: () => signals++ }, ...opts });
  informer.start();
  return informer;
}

/** name@resourceVersion of every node, as the server holds them. */
const serverState = () => api.store.list(nodes).map((n) => `${n.metadata.name}@${n.metadata.resourceVersion}`).sort();
const informerState = (i: NodeInformer) => [...i.nodes.values()].map((n) => `${n.name}@${n.resourceVersion}`).sort();
const converged = (i: NodeInformer) => eventually(() => expect(informerState(i)).toEqual(serverState()), 5000);
const requests = (verb: string) => api.requests.filter((r) => r.verb === verb && r.resource === 'nodes').length;

describe('following the server', () => {
  test('lists in pages, then follows adds, updates and deletes', async () => {
    createSimulatedNodes(api, 5);
    const i = startInformer({ pageSize: 2 });
    await i.waitForSync();
    expect(requests('list')).toBe(3);
    expect(informerState(i)).toEqual(serverState());
    createSimulatedNodes(api, 1, { from: 7 });
    api.patch(nodes, 'sim-0', { metadata: { annotations: { 'twill.dev/vtep-mac': '0a:58:00:00:00:99' } } }, { contentType: 'application/merge-patch+json' });
    api.delete(nodes, 'sim-1');
    await converged(i);
    expect(i.nodes.get('sim-0')?.annotations['twill.dev/vtep-mac']).toBe('0a:58:00:00:00:99');
    expect(i.counters).toMatchObject({ lists: 1, relists: 0, errors: 0 });
  });

  test('changes it does not act on move the resourceVersion but raise no signal', async () => {
    createSimulatedNodes(api, 2);
    const i = startInformer();
    await i.waitForSync();
    await eventually(() => expect(signals).toBe(1));
    api.patch(nodes, 'sim-0', { metadata: { labels: { team: 'x' } } }, { contentType: 'application/merge-patch+json' });
    await converged(i);
    await new Promise((r) => setImmediate(r));
    expect(signals).toBe(1);
    api.patch(nodes, 'sim-1', { metadata: { annotations: { 'twill.dev/backend': 'vxlan' } } }, { contentType: 'application/merge-patch+json' });
    await converged(i);
    await eventually(() => expect(signals).toBe(2));
  });

  test('a burst of events is one change signal', async () => {
    const i = startInformer();
    await i.waitForSync();
    await eventually(() => expect(api.activeWatches).toBe(1));
    const [signalsBefore, changesBefore] = [signals, i.counters.changes];
    createSimulatedNodes(api, 200, { images: 0 });
    await converged(i);
    await new Promise((r) => setTimeout(r, 20));
    expect(i.counters.changes - changesBefore).toBe(200);
    expect(signals - signalsBefore).toBeLessThan(20);
  });

  test('bookmarks advance the resourceVersion while no node changes', async () => {
    const i = startInformer();
    await i.waitForSync();
    api.create(leases, { metadata: { name: 'unrelated' } }, 'default');
    await eventually(() => expect(i.resourceVersion).toBe(String(api.store.resourceVersion)));
    expect(i.counters.watches).toBe(1);
  });
});

describe('failures', () => {
  test('a server-side end of the watch re-watches from the last version, no relist', async () => {
    createSimulatedNodes(api, 2);
    const i = startInformer();
    await i.waitForSync();
    await eventually(() => expect(api.activeWatches).toBe(1));
    api.closeWatches();
    api.delete(nodes, 'sim-0');
    await converged(i);
    expect(i.counters).toMatchObject({ lists: 1, relists: 0, watchRestarts: { closed: 1, expired: 0, error: 0 } });
  });

  test('410 Expired relists, and the relist catches what the watch missed', async () => {
    createSimulatedNodes(api, 2);
    const i = startInformer();
    await i.waitForSync();
    await eventually(() => expect(api.activeWatches).toBe(1));
    api.faults.inject({ verb: 'watch', delayMs: 200, times: 1 });
    api.closeWatches();
    createSimulatedNodes(api, 1, { from: 5 });
    api.delete(nodes, 'sim-0');
    api.compactHistory();
    await converged(i);
    expect(i.counters).toMatchObject({ lists: 2, relists: 1, errors: 0, watchRestarts: { expired: 1 } });
  });

  test('a dropped connection re-watches from the last version (no relist)', async () => {
    createSimulatedNodes(api, 2);
    const i = startInformer();
    await i.waitForSync();
    await eventually(() => expect(api.activeWatches).toBe(1));
    api.dropConnections();
    api.delete(nodes, 'sim-1');
    await converged(i);
    expect(i.counters).toMatchObject({ lists: 1, relists: 0, errors: 1, watchRestarts: { error: 1 } });
  });

  test('an API server down for a while: retries with backoff, then relists (its watch cache is new) and converges', async () => {
    createSimulatedNodes(api, 3);
    const i = startInformer();
    await i.waitForSync();
    await api.stop();
    api.delete(nodes, 'sim-0');
    createSimulatedNodes(api, 1, { from: 9 });
    await eventually(() => expect(i.counters.errors).toBeGreaterThanOrEqual(3));
    await api.listen();
    await converged(i);
    expect(i.counters.relists).toBe(1);
  });

  test('500s and 429s on list and watch are retried until they stop', async () => {
    createSimulatedNodes(api, 2);
    api.faults.inject({ verb: 'list', status: 500, times: 2 });
    const i = startInformer();
    await i.waitForSync();
    expect(i.counters.errors).toBe(2);
    api.faults.inject({ verb: 'watch', status: 429, retryAfterSeconds: 1, times: 3 });
    api.closeWatches();
    api.delete(nodes, 'sim-0');
    await converged(i);
    expect(i.counters.errors).toBe(5);
  });

  test('slow answers and a watch that hangs without a byte are survived (idle timeout)', async () => {
    createSimulatedNodes(api, 2);
    api.faults.inject({ verb: 'list', delayMs: 300, times: 1 });
    const i = startInformer({ idleTimeoutMs: 300 });
    await i.waitForSync();
    api.faults.inject({ verb: 'watch', hang: true, times: 1 });
    api.closeWatches();
    api.delete(nodes, 'sim-1');
    await converged(i);
    expect(i.counters.errors).toBe(1);
  });

  test('a server answering every watch with 410 gets backed-off relists, not a tight loop', async () => {
    createSimulatedNodes(api, 2);
    const i = startInformer();
    await i.waitForSync();
    const disarm = api.faults.inject({ verb: 'watch', status: 410 });
    api.closeWatches();
    await new Promise((r) => setTimeout(r, 400));
    disarm();
    api.delete(nodes, 'sim-0');
    await converged(i);
    expect(i.counters.relists).toBeGreaterThan(1);
    expect(i.counters.relists).toBeLessThan(20);
  });

  test('410 on a continue token mid-list starts the list over', async () => {
    createSimulatedNodes(api, 4);
    const client = agentClientFor(api);
    let pages = 0;
    const compactingClient: KubeClient = Object.assign(Object.create(client) as KubeClient, {
      listNodes: async (opts: Parameters<KubeClient['listNodes']>[0]) => {
        const page = await client.listNodes(opts);
        if (++pages === 1) api.compactHistory();
        return page;
      },
    });
    const i = startInformer({ client: compactingClient, pageSize: 2 });
    await i.waitForSync();
    expect(informerState(i)).toEqual(serverState());
    // Page 1, then page 2 is 410 Expired, then a fresh list of two pages.
    expect(pages).toBe(3);
    expect(api.requests.filter((r) => r.verb === 'list' && r.code === 410)).toHaveLength(1);
    expect(i.counters).toMatchObject({ lists: 1, errors: 0 });
  });

  test('stop ends the loop, also while it waits out a backoff', async () => {
    await api.stop();
    const i = startInformer({ backoff: { initialMs: 60_000, maxMs: 60_000 } });
    await eventually(() => expect(i.counters.errors).toBe(1));
    const started = Date.now();
    await i.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(i.waitForSync()).rejects.toThrow('stopped before its first list');
  });
});

describe('backoff', () => {
  test('grows to its cap with jitter in [half, full], and starts over after a quiet period', () => {
    let now = 0;
    const b = new Backoff({ initialMs: 100, maxMs: 1000, resetAfterMs: 5000, random: () => 1, now: () => now });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    now = 10_000;
    expect(b.next()).toBe(100);
    const low = new Backoff({ initialMs: 100, random: () => 0 });
    expect(low.next()).toBe(50);
  });
});
