// The test API server: HTTPS (or HTTP) on 127.0.0.1, a random port kept across stop/start, a
// bearer token, and the failure switches tests need (stop, restart, drop connections, end or
// expire watches, injected faults). Data lives in memory and survives stop/start; the watch
// cache does not (a restarted kube-apiserver answers older resourceVersions with 410).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { authenticate, authorize, type User } from './auth';
import { deleteObject, type DeleteOptions } from './deletion';
import { discovery, SERVER_VERSION } from './discovery';
import { Faults } from './faults';
import { GarbageCollector } from './gc';
import { rbacRules } from './rbac-authorizer';
import { handleResource, type HandlerContext } from './handlers';
import { kubeconfigYaml } from './kubeconfig';
import { Lister } from './list';
import { patcher } from './patch';
import { Registry } from './registry';
import { namespaces, RESOURCES } from './resources';
import { sendError, sendJson } from './respond';
import { parseRequest, type RequestInfo, type ResourceRequest } from './router';
import { Store } from './store';
import { makeServingCert, type ServingCert } from './tls';
import type { Json, KubeObject, ResourceDef } from './types';
import { WatchStream, type WatchSettings } from './watch';

export interface TestApiServerOptions {
  /** HTTPS with a generated CA (default) or plain HTTP. */
  tls?: boolean;
  port?: number;
  /** The admin user's token (default: random). */
  token?: string;
  /** More users, e.g. one limited to the agent's ClusterRole, or one authorized by the stored RBAC objects (`rbac: true`). */
  users?: User[];
  /** Events kept per kind for watches to resume from (the watch cache window). */
  historyLimit?: number;
  bookmarkIntervalMs?: number;
  /** A watch's length when the client gives no timeoutSeconds. */
  watchTimeoutSeconds?: number;
  /** How long the garbage collector waits before deleting orphans. */
  gcDelayMs?: number;
  namespaces?: string[];
}

export interface RequestRecord {
  method: string;
  path: string;
  verb?: string;
  resource?: string;
  /** Who asked (absent when the request never got as far as authentication). */
  user?: string;
  code: number;
  ms: number;
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const MAX_RECORDS = 10_000;

export class TestApiServer {
  readonly store: Store;
  readonly registry: Registry;
  readonly gc: GarbageCollector;
  readonly faults = new Faults();
  readonly lister: Lister;
  readonly token: string;
  readonly requests: RequestRecord[] = [];
  private readonly users: User[];
  private readonly cert?: ServingCert;
  private readonly watchSettings: WatchSettings;
  private readonly watches = new Set<WatchStream>();
  private readonly sockets = new Set<Socket>();
  private server?: http.Server;
  private boundPort: number;

  constructor(options: TestApiServerOptions = {}) {
    this.store = new Store(RESOURCES, options.historyLimit ?? 1000);
    this.registry = new Registry(this.store, (_def, obj) => obj.metadata.ownerReferences?.length && this.gc.schedule());
    this.gc = new GarbageCollector(this.store, options.gcDelayMs ?? 0, (def, obj) => this.removeDependent(def, obj));
    this.lister = new Lister(this.store);
    this.token = options.token ?? randomBytes(16).toString('hex');
    this.users = [{ name: 'twill-test-admin', token: this.token }, ...(options.users ?? [])];
    this.cert = options.tls === false ? undefined : makeServingCert();
    this.watchSettings = { bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000, defaultTimeoutSeconds: options.watchTimeoutSeconds ?? 1800 };
    this.boundPort = options.port ?? 0;
    for (const name of options.namespaces ?? DEFAULT_NAMESPACES) this.registry.create(namespaces, undefined, { metadata: { name } });
  }

  static async start(options: TestApiServerOptions = {}): Promise<TestApiServer> {
    const server = new TestApiServer(options);
    await server.listen();
    return server;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `${this.cert ? 'https' : 'http'}://127.0.0.1:${this.boundPort}`;
  }

  get caPem(): string | undefined {
    return this.cert?.certPem;
  }

  get running(): boolean {
    return this.server?.listening ?? false;
  }

  get activeWatches(): number {
    return this.watches.size;
  }

  /** A kubeconfig for the admin user, or for `user` (by name). */
  kubeconfig(user?: string): string {
    const token = user ? this.users.find((u) => u.name === user)?.token : this.token;
    if (!token) throw new Error(`no such user: ${user}`);
    return kubeconfigYaml({ url: this.url, token, caPem: this.cert?.certPem });
  }

  async writeKubeconfig(path: string, user?: string): Promise<string> {
    await writeFile(path, this.kubeconfig(user), { mode: 0o600 });
    return path;
  }

  /**
   * Writes what a pod's service account mount holds (token, ca.crt, namespace) under
   * `root`/var/run/secrets/kubernetes.io/serviceaccount and returns the environment that
   * completes in-cluster configuration (client-node: `kc.loadFromCluster(root)`).
   */
  async writeServiceAccount(root: string, user?: string): Promise<Record<string, string>> {
    const token = user ? this.users.find((u) => u.name === user)?.token : this.token;
    if (!token || !this.cert) throw new Error(user ? `no such user: ${user}` : 'in-cluster configuration needs TLS');
    const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'token'), token, { mode: 0o600 });
    await writeFile(join(dir, 'ca.crt'), this.cert.certPem);
    await writeFile(join(dir, 'namespace'), 'kube-system');
    return { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(this.boundPort) };
  }

  /** Starts (or restarts) listening on the same port; the watch cache starts afresh. */
  async listen(): Promise<void> {
    if (this.running) return;
    this.store.compactAll();
    this.lister.forget();
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    const server = this.cert ? https.createServer({ cert: this.cert.certPem, key: this.cert.keyPem }, handler) : http.createServer(handler);
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, '127.0.0.1', () => resolve());
    });
    this.boundPort = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops as a crashed server does: the port closes and every connection drops. Data stays. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.dropConnections();
    this.faults.releaseHanging();
    await closed;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.listen();
  }

  /** Stops for good (also the garbage collector's timer). */
  async close(): Promise<void> {
    await this.stop();
    this.gc.stop();
  }

  /** Ends every watch cleanly, as a server-side timeout does; clients resume from their version. */
  closeWatches(): void {
    for (const w of [...this.watches]) w.close();
  }

  /** Drops every connection, mid-response or idle, without a word. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** Forgets the watch history up to now: watches resuming from older versions get 410. */
  compactHistory(): void {
    this.store.compactAll();
    this.lister.forget();
  }

  /** Compacts, then ends the watches: every watcher reconnects, gets 410 Expired and must relist. */
  expireWatches(): void {
    this.compactHistory();
    this.closeWatches();
  }

  resetRequestLog(): void {
    this.requests.length = 0;
  }

  private context(): HandlerContext {
    return {
      registry: this.registry,
      gc: this.gc,
      lister: this.lister,
      watchSettings: this.watchSettings,
      openWatch: (r: ResourceRequest, res: http.ServerResponse) => {
        const w = new WatchStream(this.store, r, res, (done) => this.watches.delete(done));
        this.watches.add(w);
        return w;
      },
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    let info: RequestInfo | undefined;
    let user: User | undefined;
    res.on('close', () => this.record(req, res, { info, user: user?.name }, started));
    try {
      const parsed = parseRequest(req);
      info = parsed;
      if (await this.faults.apply(parsed, req, res)) return;
      if (parsed.type === 'health') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      if (parsed.type === 'version') return sendJson(res, 200, SERVER_VERSION);
      user = authenticate(req, this.users);
      if (parsed.type !== 'resource') return sendJson(res, 200, discovery(parsed.path));
      authorize(user, parsed, (name, namespace) => rbacRules(this.store, name, namespace));
      await handleResource(this.context(), parsed, req, res);
    } catch (e) {
      sendError(res, e);
    }
  }

  private record(req: http.IncomingMessage, res: http.ServerResponse, who: { info?: RequestInfo; user?: string }, started: number): void {
    const { info } = who;
    const resource = info?.type === 'resource' ? (info.subresource ? `${info.def.plural}/${info.subresource}` : info.def.plural) : undefined;
    const verb = info?.type === 'resource' ? info.verb : info?.type;
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', verb, resource, user: who.user, code: res.statusCode, ms: performance.now() - started });
    if (this.requests.length > MAX_RECORDS) this.requests.splice(0, this.requests.length - MAX_RECORDS);
  }

  private removeDependent(def: ResourceDef, obj: KubeObject): void {
    try {
      deleteObject(this.context(), def, obj.metadata.namespace, obj.metadata.name!, { preconditions: { uid: obj.metadata.uid } });
    } catch {
      // Gone or replaced since the sweep looked: nothing left for the collector to do.
    }
  }

  // In-process access, without HTTP: for seeding tests and generating load.

  create(def: ResourceDef, obj: Json, namespace?: string): KubeObject {
    return this.registry.create(def, namespace, obj).object;
  }

  get(def: ResourceDef, name: string, namespace?: string): KubeObject | undefined {
    return this.store.get(def, namespace ? `${namespace}/${name}` : name);
  }

  /** Patches as a client would (content type as the PATCH header), `subresource` "status" for status. */
  patch(def: ResourceDef, name: string, body: Json, opts: { contentType: string; namespace?: string; subresource?: 'status' }): KubeObject {
    return this.registry.patch(def, opts.namespace, name, patcher(def, opts.contentType, body), { subresource: opts.subresource ?? '' }).object;
  }

  delete(def: ResourceDef, name: string, namespace?: string, opts: DeleteOptions = {}): void {
    deleteObject(this.context(), def, namespace, name, opts);
  }
}
