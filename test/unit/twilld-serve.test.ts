// twilld's health and metrics endpoint: the server on a free loopback port, the metrics it
// serves after the agent's calls, and the heartbeat behind /healthz.
import { request } from 'node:http';
import { Heartbeat, overlayChangeCounts, parseListen, startServer, type Probe, type ServerHandle } from '../../daemonset/serve';
import { createAgentMetrics, type AgentMetrics } from '../../daemonset/serve/metrics';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection (agent: false), so no keep-alive socket outlives a test. */
function call(port: number, path: string, method = 'GET', host = '127.0.0.1'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

const up: Probe = { ok: true, detail: '' };
let health: Probe;
let ready: Probe;
let metrics: AgentMetrics;
let server: ServerHandle;

beforeEach(async () => {
  health = up;
  ready = { ok: false, detail: 'node subnet not known yet' };
  metrics = createAgentMetrics({ node: 'node-a', version: '0.1.0-test' });
  server = await startServer({ listen: '127.0.0.1:0', metrics, health: () => health, ready: () => ready });
});
afterEach(() => server.close());

describe('probes', () => {
  test('/healthz and /readyz follow the caller\'s probes: 200 "ok" or 503 with the detail', async () => {
    expect(server.address).toEqual({ host: '127.0.0.1', port: expect.any(Number) });
    expect(server.address.port).toBeGreaterThan(0);
    expect(await call(server.address.port, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await call(server.address.port, '/readyz')).toMatchObject({ status: 503, body: 'node subnet not known yet\n' });
    ready = up;
    health = { ok: false, detail: 'reconcile loop stalled' };
    expect(await call(server.address.port, '/readyz?verbose')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await call(server.address.port, '/healthz')).toMatchObject({ status: 503, body: 'reconcile loop stalled\n' });
  });

  test('a probe that throws answers 503 with its message', async () => {
    await server.close();
    const boom = () => {
      throw new Error('informer gone');
    };
    server = await startServer({ listen: '127.0.0.1:0', metrics, health: boom, ready: () => up });
    expect(await call(server.address.port, '/healthz')).toMatchObject({ status: 503, body: 'probe failed: informer gone\n' });
  });

  test('HEAD answers like GET without a body', async () => {
    expect(await call(server.address.port, '/healthz', 'HEAD')).toMatchObject({ status: 200, body: '' });
    expect(await call(server.address.port, '/readyz', 'HEAD')).toMatchObject({ status: 503, body: '' });
  });
});

describe('routing', () => {
  test('unknown paths are 404, other methods 405 with Allow', async () => {
    expect((await call(server.address.port, '/')).status).toBe(404);
    expect((await call(server.address.port, '/healthzz')).status).toBe(404);
    const post = await call(server.address.port, '/metrics', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await call(server.address.port, '/healthz', 'DELETE')).status).toBe(405);
  });
});

describe('/metrics', () => {
  test('serves the Prometheus text format with the values the agent observed', async () => {
    metrics.observeReconcile({
      network: 'twill',
      kind: 'full',
      seconds: 0.042,
      changes: { route: 3, fdb: 2, device: 0 },
      programmed: 7,
      skipped: [{ reason: 'no-vtep-mac' }, { reason: 'no-vtep-mac' }, { reason: 'no-subnet' }],
    });
    metrics.reconcileError('twill', 'publish');
    metrics.eventProgrammed(0.003);
    metrics.setSubnets('twill', [{ cidr: '10.244.1.0/24', source: 'cluster' }]);
    metrics.watchRestart('expired');
    metrics.relist();
    metrics.apiError();
    metrics.setReady('twill', true);
    const r = await call(server.address.port, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(metrics.contentType);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const line of [
      'twilld_peers_programmed{network="twill"} 7',
      'twilld_peers_skipped{network="twill",reason="no-vtep-mac"} 2',
      'twilld_peers_skipped{network="twill",reason="no-subnet"} 1',
      'twilld_reconcile_duration_seconds_bucket{le="0.05",network="twill",kind="full"} 1',
      'twilld_reconcile_duration_seconds_bucket{le="0.025",network="twill",kind="full"} 0',
      'twilld_reconcile_duration_seconds_count{network="twill",kind="full"} 1',
      'twilld_reconcile_errors_total{network="twill",stage="publish"} 1',
      'twilld_kernel_changes_total{network="twill",kind="route"} 3',
      'twilld_kernel_changes_total{network="twill",kind="fdb"} 2',
      'twilld_kernel_changes_total{network="twill",kind="device"} 0',
      'twilld_event_to_programmed_seconds_bucket{le="0.005"} 1',
      'twilld_event_to_programmed_seconds_bucket{le="0.0025"} 0',
      'twilld_node_subnet_info{network="twill",cidr="10.244.1.0/24",source="cluster"} 1',
      'twilld_api_watch_restarts_total{reason="expired"} 1',
      'twilld_api_relists_total 1',
      'twilld_api_errors_total 1',
      'twilld_ready{network="twill"} 1',
      'twilld_info{version="0.1.0-test",node="node-a"} 1',
    ]) {
      expect(r.body.split('\n')).toContain(line);
    }
    expect(r.body).toContain('# HELP twilld_event_to_programmed_seconds From an API watch event');
    expect(r.body).toMatch(/^twilld_process_resident_memory_bytes \d+$/m);
  });

  test('a changed subnet replaces the old one, and a skip reason that went away drops to 0', async () => {
    metrics.setSubnets('twill', [{ cidr: '10.244.1.0/24', source: 'cluster' }]);
    metrics.setSubnets('twill', [{ cidr: '10.250.7.0/24', source: 'claimed' }, { cidr: 'fd00:7::/64', source: 'claimed' }]);
    metrics.observeReconcile({ network: 'twill', kind: 'scoped', seconds: 0.002, skipped: [{ reason: 'self' }] });
    metrics.observeReconcile({ network: 'twill', kind: 'scoped', seconds: 0.002, skipped: [] });
    metrics.setReady('twill', false);
    const body = (await call(server.address.port, '/metrics')).body.split('\n');
    expect(body.filter((l) => l.startsWith('twilld_node_subnet_info{'))).toEqual([
      'twilld_node_subnet_info{network="twill",cidr="10.250.7.0/24",source="claimed"} 1',
      'twilld_node_subnet_info{network="twill",cidr="fd00:7::/64",source="claimed"} 1',
    ]);
    expect(body).toContain('twilld_peers_skipped{network="twill",reason="self"} 0');
    expect(body).toContain('twilld_reconcile_duration_seconds_count{network="twill",kind="scoped"} 2');
    expect(body).toContain('twilld_ready{network="twill"} 0');
  });

  test('each agent has its own registry: two never share values, the global one stays empty', async () => {
    const other = createAgentMetrics({ node: 'node-b', version: '0.1.0-test', processMetrics: false });
    other.relist();
    const mine = await metrics.render();
    expect(mine).toContain('twilld_api_relists_total 0');
    expect(await other.render()).toContain('twilld_api_relists_total 1');
    expect(await other.render()).not.toContain('process_');
    const { register } = await import('prom-client');
    expect(register.getMetricsAsArray()).toHaveLength(0);
  });
});

describe('lifecycle', () => {
  test('close() frees the port: a new server can take it', async () => {
    const { port } = server.address;
    await call(port, '/healthz');
    await server.close();
    await expect(call(port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    server = await startServer({ listen: `127.0.0.1:${port}`, metrics, health: () => up, ready: () => up });
    expect(server.address.port).toBe(port);
  });

  test('a taken port rejects with a message naming the address', async () => {
    const listen = `127.0.0.1:${server.address.port}`;
    const second = startServer({ listen, metrics, health: () => up, ready: () => up });
    await expect(second).rejects.toThrow(`listen: cannot listen on ${listen}: address already in use (EADDRINUSE)`);
  });

  test('IPv6 loopback in brackets', async () => {
    const v6 = await startServer({ listen: '[::1]:0', metrics, health: () => up, ready: () => up });
    try {
      expect(v6.address.host).toBe('::1');
      expect((await call(v6.address.port, '/healthz', 'GET', '::1')).status).toBe(200);
    } finally {
      await v6.close();
    }
  });

  test('listen "" runs no server and closes without error', async () => {
    const none = await startServer({ listen: '', metrics, health: () => up, ready: () => up });
    expect(none.address).toEqual({ host: '', port: 0 });
    await expect(none.close()).resolves.toBeUndefined();
  });

  test('a malformed listen address is refused, naming the field', async () => {
    for (const bad of ['9765', '127.0.0.1', '::1:9765', '127.0.0.1:65536', '127.0.0.1:http', 'host:1:2']) {
      await expect(startServer({ listen: bad, metrics, health: () => up, ready: () => up })).rejects.toThrow(`listen: "${bad}" is not HOST:PORT`);
    }
  });
});

describe('parseListen', () => {
  test('host and port, IPv6 in brackets, empty host for every address', () => {
    expect(parseListen('127.0.0.1:9765')).toEqual({ host: '127.0.0.1', port: 9765 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('localhost:9765')).toEqual({ host: 'localhost', port: 9765 });
    expect(parseListen(':9765')).toEqual({ port: 9765 });
  });
});

describe('overlayChangeCounts', () => {
  test('folds set and deleted entries of a kind, counts the device once when touched', () => {
    const changes = { fdbSet: 1, fdbDeleted: 2, routesAdded: 3, routesReplaced: 4, routesDeleted: 5, neighboursSet: 6, neighboursDeleted: 7 };
    expect(overlayChangeCounts({ changes, device: 'recreated', offloadChanged: false })).toEqual({ route: 12, neighbour: 13, fdb: 3, device: 1, offload: 0 });
    expect(overlayChangeCounts({ changes, device: 'unchanged', offloadChanged: true })).toMatchObject({ device: 0, offload: 1 });
  });
});

describe('Heartbeat', () => {
  test('ages from the start until the first beat, then from the last beat', () => {
    let now = 1_000;
    const hb = new Heartbeat({ now: () => now });
    expect(hb.probe(30_000)).toEqual({ ok: true, detail: 'no reconcile tick since start 0.0s ago' });
    now += 30_001;
    expect(hb.probe(30_000)).toEqual({ ok: false, detail: 'reconcile loop stalled: no reconcile tick since start 30.0s ago (limit 30.0s)' });
    hb.beat();
    now += 12_500;
    expect(hb.probe(30_000)).toEqual({ ok: true, detail: 'last reconcile tick 12.5s ago' });
    now += 20_000;
    expect(hb.probe(30_000)).toMatchObject({ ok: false, detail: 'reconcile loop stalled: last reconcile tick 32.5s ago (limit 30.0s)' });
    hb.beat();
    expect(hb.probe(30_000).ok).toBe(true);
  });

  test('with the real clock a fresh heartbeat is healthy and a zero limit is not', async () => {
    const hb = new Heartbeat();
    hb.beat();
    expect(hb.probe(60_000).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    expect(hb.probe(0).ok).toBe(false);
  });
});
