// Reaching the test API server (TCP on the host's 127.0.0.1) from inside node namespaces without
// touching a host interface: Unix sockets are files, and files cross network namespaces.
//
//   agent in node netns ─TCP→ 127.0.0.1:<api port> (socat in the node netns)
//                      ─unix→ <dir>/api.sock (this process's relay) ─TCP→ 127.0.0.1:<api port>
//
// The node side listens on the API server's own port number, so the kubeconfig the server
// writes (https://127.0.0.1:<port>, its CA, a token) is, byte for byte, the one a node uses; TLS
// runs end to end and RBAC sees the agent's token. The host side is a net.Server in the test's
// process: it lives and dies with the cluster, no extra process to leak.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { ManagedProcess } from './process';
import { inNs, PATH, sleep, tryRun } from './exec';

export class HostRelay {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly socketPath: string) {}

  /** Listens on `socketPath` and forwards each connection to 127.0.0.1:`port`. */
  static async start(socketPath: string, port: number): Promise<HostRelay> {
    const server = createServer();
    const relay = new HostRelay(server, socketPath);
    server.on('connection', (c) => relay.forward(c, port));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    return relay;
  }

  private forward(client: Socket, port: number): void {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    }
    // An API server that stopped (a failure test) drops the client too, as a real one would.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  }

  /** Connections currently relayed (each counted on both sides). */
  get open(): number {
    return this.sockets.size;
  }

  /** Stops listening (the socket file goes) and drops every relayed connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/** The node side: socat on 127.0.0.1:`port` inside `ns`, one fork per connection to the socket. */
export async function startNodeRelay(o: { ns: string; port: number; socketPath: string }): Promise<ManagedProcess> {
  const argv = inNs(o.ns, ['socat', `TCP-LISTEN:${o.port},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${o.socketPath}`]);
  const p = new ManagedProcess(`relay ${o.ns}`, argv, { env: { PATH } });
  try {
    await waitForTcpListener(o.ns, o.port, () => p.running);
  } catch (e) {
    await p.kill();
    throw new Error(`${(e as Error).message}\n${p.output()}`);
  }
  return p;
}

/** Waits until something listens on TCP `port` in `ns` (while `alive()` holds). */
export async function waitForTcpListener(ns: string, port: number, alive: () => boolean = () => true, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    const r = await tryRun(inNs(ns, ['ss', '-Hltn', `sport = :${port}`]));
    if (r.stdout.trim()) return;
    await sleep(25);
  }
  throw new Error(`nothing listens on tcp/${port} in ${ns}${alive() ? '' : ' (the listener exited)'}`);
}
