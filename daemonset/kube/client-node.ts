// KubeClient on @kubernetes/client-node 2.x's KubeConfig (authentication and TLS) and
// node:https; requests and answers are plain JSON (see http.ts for both whys), and every Node
// that comes back is slimmed at once, one list page or one watch event at a time.
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { DeletePreconditions, KubeClient, Lease, ListNodesOptions, NodePage, NodeWatchEvent, PatchKind, WatchNodesOptions } from './client';
import { isApiError, KubeApiError, KubeTransportError } from './errors';
import { KubeHttp, type KubeHttpOptions } from './http';
import { slimNode, type NodeJson, type SlimNode } from './slim-node';
import { streamWatch } from './watch-stream';

const NODES = '/api/v1/nodes';
const CONTENT_TYPE: Record<PatchKind, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

const leasesPath = (namespace: string) => `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
const leasePath = (namespace: string, name: string) => `${leasesPath(namespace)}/${encodeURIComponent(name)}`;

interface NodeListJson {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: NodeJson[];
}

interface WatchEventJson {
  type?: string;
  object?: NodeJson & { code?: number; reason?: string; message?: string };
}

/** A watch line as a typed event; an ERROR event (e.g. 410 Expired) becomes a KubeApiError. */
export function toNodeWatchEvent(raw: unknown): NodeWatchEvent {
  const { type, object = {} } = raw as WatchEventJson;
  switch (type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
      return { type, node: slimNode(object) };
    case 'BOOKMARK':
      return { type, resourceVersion: object.metadata?.resourceVersion ?? '' };
    case 'ERROR':
      throw new KubeApiError({ status: object.code ?? 500, reason: object.reason, message: object.message, verb: 'WATCH', path: NODES });
    default:
      throw new KubeTransportError({ verb: 'WATCH', path: NODES, cause: new Error(`unknown watch event type ${JSON.stringify(type)}`) });
  }
}

export class ClientNodeKubeClient implements KubeClient {
  readonly http: KubeHttp;

  constructor(kubeConfig: KubeConfig, opts: KubeHttpOptions = {}) {
    this.http = new KubeHttp(kubeConfig, opts);
  }

  async listNodes(opts: ListNodesOptions = {}): Promise<NodePage> {
    const query = { limit: opts.limit, continue: opts.continue };
    const list = await this.http.json<NodeListJson>({ method: 'GET', path: NODES, query, signal: opts.signal });
    return { items: (list.items ?? []).map(slimNode), resourceVersion: list.metadata?.resourceVersion ?? '', continue: list.metadata?.continue || undefined };
  }

  watchNodes(opts: WatchNodesOptions, onEvent: (event: NodeWatchEvent) => void): Promise<void> {
    const query = { watch: true, resourceVersion: opts.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: opts.timeoutSeconds };
    const req = { method: 'GET' as const, path: NODES, query };
    return streamWatch(this.http, req, (raw) => onEvent(toNodeWatchEvent(raw)), { signal: opts.signal, idleTimeoutMs: opts.idleTimeoutMs });
  }

  async getNode(name: string): Promise<SlimNode | undefined> {
    return this.orUndefinedWhenMissing(async () => slimNode(await this.http.json<NodeJson>({ method: 'GET', path: `${NODES}/${encodeURIComponent(name)}` })));
  }

  async patchNode(name: string, patch: object, kind: PatchKind): Promise<SlimNode> {
    return slimNode(await this.http.json<NodeJson>({ method: 'PATCH', path: `${NODES}/${encodeURIComponent(name)}`, body: patch, contentType: CONTENT_TYPE[kind] }));
  }

  async patchNodeStatus(name: string, patch: object, kind: PatchKind): Promise<SlimNode> {
    return slimNode(await this.http.json<NodeJson>({ method: 'PATCH', path: `${NODES}/${encodeURIComponent(name)}/status`, body: patch, contentType: CONTENT_TYPE[kind] }));
  }

  createLease(namespace: string, lease: Lease): Promise<Lease> {
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease };
    return this.http.json<Lease>({ method: 'POST', path: leasesPath(namespace), body });
  }

  getLease(namespace: string, name: string): Promise<Lease | undefined> {
    return this.orUndefinedWhenMissing(() => this.http.json<Lease>({ method: 'GET', path: leasePath(namespace, name) }));
  }

  async listLeases(namespace: string, opts: { labelSelector?: string } = {}): Promise<Lease[]> {
    const list = await this.http.json<{ items?: Lease[] }>({ method: 'GET', path: leasesPath(namespace), query: { labelSelector: opts.labelSelector } });
    return list.items ?? [];
  }

  async deleteLease(namespace: string, name: string, preconditions?: DeletePreconditions): Promise<boolean> {
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...(preconditions ? { preconditions } : {}) };
    const done = await this.orUndefinedWhenMissing(() => this.http.json<unknown>({ method: 'DELETE', path: leasePath(namespace, name), body }));
    return done !== undefined;
  }

  private async orUndefinedWhenMissing<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw err;
    }
  }
}
