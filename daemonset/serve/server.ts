/**
 * twilld's HTTP endpoint: /healthz (the loop is alive), /readyz (the node can take pods) and
 * /metrics. Plain node:http: three read-only routes need no framework. The probes are the
 * caller's functions, so what "healthy" and "ready" mean stays in the agent, not here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage, silentLogger, type Logger } from '../kube/log';
import { formatAddress, parseListen } from './listen-address';
import type { Probe } from './liveness';
import type { AgentMetrics } from './metrics';

export type { Probe } from './liveness';

export interface ServerOptions {
  /** "127.0.0.1:9765", "[::1]:9765", port 0 for any free port; "" runs no server. */
  listen: string;
  metrics: AgentMetrics;
  health: () => Probe;
  ready: () => Probe;
  logger?: Logger;
}

export interface ServerHandle {
  /** Where it listens ({host: "", port: 0} when `listen` was ""). */
  address: { host: string; port: number };
  close(): Promise<void>;
}

type Handler = (res: ServerResponse) => Promise<void> | void;

const TEXT = 'text/plain; charset=utf-8';

function send(res: ServerResponse, status: number, body: string, type = TEXT): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

function probeRoute(probe: () => Probe): Handler {
  return (res) => {
    let p: Probe;
    try {
      p = probe();
    } catch (err) {
      p = { ok: false, detail: `probe failed: ${errorMessage(err)}` };
    }
    send(res, p.ok ? 200 : 503, p.ok ? 'ok\n' : `${p.detail}\n`);
  };
}

function routes(o: ServerOptions): Map<string, Handler> {
  return new Map<string, Handler>([
    ['/healthz', probeRoute(o.health)],
    ['/readyz', probeRoute(o.ready)],
    ['/metrics', async (res) => send(res, 200, await o.metrics.render(), o.metrics.contentType)],
  ]);
}

function handler(o: ServerOptions, log: Logger) {
  const table = routes(o);
  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = table.get(path);
    if (!route) return send(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'method not allowed\n');
    }
    try {
      await route(res);
    } catch (err) {
      log.warn('serve.error', { path, error: errorMessage(err) });
      if (!res.headersSent) send(res, 500, `${errorMessage(err)}\n`);
    }
  };
}

function listenOn(server: Server, listen: string): Promise<AddressInfo> {
  const { host, port } = parseListen(listen);
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.message;
      reject(new Error(`listen: cannot listen on ${listen}: ${why}${err.code ? ` (${err.code})` : ''}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // close() already drops idle keep-alive sockets; a scrape still in flight would hold it open.
    server.closeAllConnections();
  });
}

export async function startServer(o: ServerOptions): Promise<ServerHandle> {
  if (o.listen === '') return { address: { host: '', port: 0 }, close: async () => undefined };
  const log = o.logger ?? silentLogger;
  const server = createServer(handler(o, log));
  const info = await listenOn(server, o.listen);
  server.on('error', (err) => log.error('serve.error', { error: errorMessage(err) }));
  log.info('serve.listening', { address: formatAddress(info.address, info.port) });
  return { address: { host: info.address, port: info.port }, close: () => closeServer(server) };
}
