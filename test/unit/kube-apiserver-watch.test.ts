// Watches and informers against the test API server: events, bookmarks, timeouts, selector
// transitions, 410 Expired, and client-node's informer relisting after expiry and restarts.
import * as k8s from '@kubernetes/client-node';
import { nodes, TestApiServer } from '../kube/apiserver';
import { clientsFor, eventually, type Clients } from '../kube/client';

interface Seen {
  type: string;
  name?: string;
  rv?: string;
  object: k8s.KubernetesObject & { code?: number; reason?: string; message?: string };
}

async function watchNodes(c: Clients, query: Record<string, string | boolean | number>) {
  const events: Seen[] = [];
  const ended: { err?: unknown }[] = [];
  const onEvent = (type: string, object: Seen['object']) => events.push({ type, name: object.metadata?.name, rv: object.metadata?.resourceVersion, object });
  const controller = await new k8s.Watch(c.kc).watch('/api/v1/nodes', query, onEvent, (err) => ended.push({ err }));
  return { events, ended, stop: () => controller.abort() };
}

const node = (name: string, labels: Record<string, string> = {}): k8s.V1Node => ({ metadata: { name, labels } });
const asMerge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('watch', () => {
  let api: TestApiServer;
  let c: Clients;
  beforeEach(async () => {
    api = await TestApiServer.start({ bookmarkIntervalMs: 50, historyLimit: 5 });
    c = clientsFor(api);
  });
  afterEach(() => api.close());

  test('streams ADDED, MODIFIED and DELETED after the listed resourceVersion', async () => {
    await c.core.createNode({ body: node('before') });
    const rv = (await c.core.listNode()).metadata!.resourceVersion!;
    const w = await watchNodes(c, { resourceVersion: rv });
    const created = await c.core.createNode({ body: node('w1') });
    const modified = await c.core.patchNode({ name: 'w1', body: { metadata: { labels: { a: 'b' } } } }, asMerge);
    await c.core.deleteNode({ name: 'w1' });
    await eventually(() => expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']));
    expect(w.events[0].rv).toBe(created.metadata?.resourceVersion);
    expect(w.events[1].rv).toBe(modified.metadata?.resourceVersion);
    expect(Number(w.events[2].rv)).toBeGreaterThan(Number(modified.metadata?.resourceVersion));
    w.stop();
  });

  test('without a resourceVersion it starts with ADDED for every node', async () => {
    await c.core.createNode({ body: node('x1') });
    await c.core.createNode({ body: node('x2') });
    const w = await watchNodes(c, {});
    await eventually(() => expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED x1', 'ADDED x2']));
    w.stop();
  });

  test('sends BOOKMARK events holding only the resourceVersion when asked to', async () => {
    const rv = (await c.core.listNode()).metadata!.resourceVersion!;
    const w = await watchNodes(c, { resourceVersion: rv, allowWatchBookmarks: true });
    await c.core.createNode({ body: node('b1') });
    await eventually(() => expect(w.events.filter((e) => e.type === 'BOOKMARK').length).toBeGreaterThan(1));
    const last = w.events.filter((e) => e.type === 'BOOKMARK').pop()!;
    expect(last.object).toEqual({ kind: 'Node', apiVersion: 'v1', metadata: { resourceVersion: String(api.store.resourceVersion) } });
    w.stop();
  });

  const listedVersion = async () => (await c.core.listNode()).metadata!.resourceVersion!;

  test('no bookmarks unless allowWatchBookmarks=true', async () => {
    const w = await watchNodes(c, { resourceVersion: await listedVersion() });
    await new Promise((r) => setTimeout(r, 200));
    expect(w.events.filter((e) => e.type === 'BOOKMARK')).toEqual([]);
    w.stop();
  });

  test('a resourceVersion older than the event window is one ERROR event: Status 410 Expired', async () => {
    const rv = (await c.core.listNode()).metadata!.resourceVersion!;
    for (let i = 0; i < 7; i++) await c.core.createNode({ body: node(`e${i}`) });
    const w = await watchNodes(c, { resourceVersion: rv });
    await eventually(() => expect(w.ended).toHaveLength(1));
    expect(w.events).toHaveLength(1);
    expect(w.events[0].type).toBe('ERROR');
    expect(w.events[0].object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(w.events[0].object.message).toMatch(new RegExp(`^too old resource version: ${rv} \\(\\d+\\)$`));
  });

  test('a version still inside the window resumes with the events after it', async () => {
    await c.core.createNode({ body: node('r0') });
    const rv = (await c.core.listNode()).metadata!.resourceVersion!;
    for (let i = 1; i <= 3; i++) await c.core.createNode({ body: node(`r${i}`) });
    const w = await watchNodes(c, { resourceVersion: rv });
    await eventually(() => expect(w.events.map((e) => e.name)).toEqual(['r1', 'r2', 'r3']));
    w.stop();
  });

  test('timeoutSeconds ends the stream from the server side', async () => {
    const started = Date.now();
    const w = await watchNodes(c, { resourceVersion: await listedVersion(), timeoutSeconds: 1 });
    await eventually(() => expect(w.ended).toEqual([{ err: null }]), 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  test('a label selector turns relabelling into ADDED and DELETED', async () => {
    await c.core.createNode({ body: node('lab') });
    const rv = (await c.core.listNode()).metadata!.resourceVersion!;
    const w = await watchNodes(c, { resourceVersion: rv, labelSelector: 'twill.dev/peer=true' });
    await c.core.patchNode({ name: 'lab', body: { metadata: { labels: { 'twill.dev/peer': 'true' } } } }, asMerge);
    await c.core.patchNode({ name: 'lab', body: { metadata: { labels: { other: 'x' } } } }, asMerge);
    await c.core.patchNode({ name: 'lab', body: { metadata: { labels: { 'twill.dev/peer': null } } } }, asMerge);
    await eventually(() => expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']));
    w.stop();
  });

  test('sendInitialEvents (WatchList) ends the initial ADDED events with an annotated bookmark', async () => {
    await c.core.createNode({ body: node('s1') });
    const query = { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true, resourceVersion: '' };
    const w = await watchNodes(c, query);
    await eventually(() => expect(w.events.map((e) => e.type).slice(0, 2)).toEqual(['ADDED', 'BOOKMARK']));
    expect(w.events[1].object.metadata).toEqual({ resourceVersion: String(api.store.resourceVersion), annotations: { 'k8s.io/initial-events-end': 'true' } });
    w.stop();
  });

  test('closeWatches ends streams cleanly; the client sees a normal end', async () => {
    const w = await watchNodes(c, { resourceVersion: await listedVersion() });
    await eventually(() => expect(api.activeWatches).toBe(1));
    api.closeWatches();
    await eventually(() => expect(w.ended).toEqual([{ err: null }]));
    expect(api.activeWatches).toBe(0);
  });
});

describe('client-node informer', () => {
  let api: TestApiServer;
  let c: Clients;
  beforeEach(async () => {
    api = await TestApiServer.start();
    c = clientsFor(api);
  });
  afterEach(() => api.close());

  function nodeInformer() {
    const informer = k8s.makeInformer(c.kc, '/api/v1/nodes', () => c.core.listNode());
    const log: string[] = [];
    informer.on('add', (n) => log.push(`add ${n.metadata?.name}`));
    informer.on('update', (n) => log.push(`update ${n.metadata?.name}`));
    informer.on('delete', (n) => log.push(`delete ${n.metadata?.name}`));
    informer.on('error', (err) => log.push(`error ${(err as Error).message ?? err}`));
    return { informer, log, names: () => informer.list().map((n) => n.metadata?.name).sort() };
  }

  const lists = () => api.requests.filter((r) => r.verb === 'list' && r.resource === 'nodes').length;

  test('lists, then follows changes', async () => {
    await c.core.createNode({ body: node('i1') });
    const { informer, log, names } = nodeInformer();
    await informer.start();
    expect(names()).toEqual(['i1']);
    await c.core.createNode({ body: node('i2') });
    await c.core.patchNode({ name: 'i1', body: { metadata: { labels: { a: 'b' } } } }, asMerge);
    await c.core.deleteNode({ name: 'i2' });
    await eventually(() => expect(log).toEqual(['add i1', 'add i2', 'update i1', 'delete i2']));
    await informer.stop();
  });

  test('410 Expired after the watch window moved on makes it relist', async () => {
    const { informer, log, names } = nodeInformer();
    await informer.start();
    await eventually(() => expect(api.activeWatches).toBe(1));
    expect(lists()).toBe(1);
    // The watch ends; while the client reconnects, a change lands and the window moves past it.
    api.faults.inject({ verb: 'watch', delayMs: 200, times: 1 });
    api.closeWatches();
    api.create(nodes, { metadata: { name: 'missed' } });
    api.compactHistory();
    await eventually(() => expect(lists()).toBe(2));
    await eventually(() => expect(names()).toEqual(['missed']));
    expect(log.filter((l) => l.startsWith('error'))).toEqual([]);
    await informer.stop();
  });

  test('an API server restart is an error to the informer; started again, it relists (410) and catches up', async () => {
    await c.core.createNode({ body: node('old') });
    const { informer, log, names } = nodeInformer();
    await informer.start();
    await eventually(() => expect(api.activeWatches).toBe(1));
    await api.stop();
    await eventually(() => expect(log.some((l) => l.startsWith('error'))).toBe(true));
    api.delete(nodes, 'old');
    await api.listen();
    await informer.start();
    await eventually(() => expect(names()).toEqual([]));
    expect(log).toContain('delete old');
    expect(lists()).toBe(2);
    await informer.stop();
  });
});
