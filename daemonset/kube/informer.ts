// The node informer: list (paged, one snapshot), then watch from the list's resourceVersion
// with bookmarks; keeps a map of SlimNodes and says "something changed" (coalesced: a burst
// of events is one signal). The reconciler is level-triggered, so it needs the latest map,
// not each event. Failure handling, as client-go's reflector does it:
// - a server-side end of the watch (timeoutSeconds, a restart's clean close): watch again
//   from the last resourceVersion, no relist;
// - 410 Gone / Expired (the version left the watch window, or the server restarted): relist;
// - anything else (refused, dropped, 5xx, 429, idle timeout): watch again after a capped,
//   jittered exponential backoff; never a crash.
import { Backoff, sleep, type BackoffOptions } from './backoff';
import type { KubeClient, NodeWatchEvent } from './client';
import { isExpired } from './errors';
import { errorMessage, silentLogger, type Logger } from './log';
import { sameNodeContent, type SlimNode } from './slim-node';

export type WatchEndReason = 'closed' | 'expired' | 'error';

/** Plain hooks for metrics (prom-client is wired by the caller). */
export interface InformerHooks {
  /** The map changed in something the agent acts on; read `nodes` for the new state. */
  onChange?: () => void;
  /** A list after the first one (after 410 Expired). */
  onRelist?: () => void;
  /** A watch ended and another follows. */
  onWatchRestart?: (reason: WatchEndReason) => void;
  onError?: (err: unknown) => void;
}

export interface NodeInformerOptions {
  client: KubeClient;
  logger?: Logger;
  hooks?: InformerHooks;
  /** Nodes per list page (default 500): bounds the JSON held at once while listing. */
  pageSize?: number;
  /** Each watch asks for a server-side timeout in [this, 2 × this) seconds (default 300). */
  watchTimeoutSeconds?: number;
  /** A watch with no event, not even a bookmark, for this long is dead (default: its server-side
   *  timeout + 60 s; a real kube-apiserver 1.32 sent nothing for minutes on a quiet cluster, so a
   *  shorter limit cut healthy watches). */
  idleTimeoutMs?: number;
  backoff?: BackoffOptions;
  random?: () => number;
}

export interface InformerCounters {
  lists: number;
  relists: number;
  watches: number;
  watchRestarts: Record<WatchEndReason, number>;
  errors: number;
  changes: number;
}

function sameMaps(a: ReadonlyMap<string, SlimNode>, b: ReadonlyMap<string, SlimNode>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, node] of a) {
    const other = b.get(name);
    if (!other || !sameNodeContent(node, other)) return false;
  }
  return true;
}

export class NodeInformer {
  readonly counters: InformerCounters = { lists: 0, relists: 0, watches: 0, watchRestarts: { closed: 0, expired: 0, error: 0 }, errors: 0, changes: 0 };
  private map = new Map<string, SlimNode>();
  private rv = '';
  private synced = false;
  private signalPending = false;
  private expiredInARow = 0;
  private running: Promise<void> | undefined;
  private readonly stopper = new AbortController();
  private readonly syncWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private readonly backoff: Backoff;
  private readonly log: Logger;

  constructor(private readonly opts: NodeInformerOptions) {
    this.backoff = new Backoff(opts.backoff);
    this.log = opts.logger ?? silentLogger;
  }

  /** The latest nodes by name (replaced, never mutated in place by a relist). */
  get nodes(): ReadonlyMap<string, SlimNode> {
    return this.map;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get resourceVersion(): string {
    return this.rv;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Stops watching; the map stays as it was. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
    for (const w of this.syncWaiters.splice(0)) w.reject(new Error('node informer stopped before its first list'));
  }

  /** Resolves once the first list is in (at once if it already is). */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopper.signal.aborted) return Promise.reject(new Error('node informer stopped before its first list'));
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      try {
        if (!this.rv) await this.list();
        await this.watch();
        this.restarted('closed');
      } catch (err) {
        if (signal.aborted) break;
        await this.recover(err);
      }
    }
  }

  private async recover(err: unknown): Promise<void> {
    if (isExpired(err)) {
      this.log.info('node watch expired, relisting', { resourceVersion: this.rv, error: errorMessage(err) });
      this.rv = '';
      this.restarted('expired');
      // Expired again before any event: a server stuck answering 410 must not get a tight relist loop.
      if (++this.expiredInARow > 1) await sleep(this.backoff.next(), this.stopper.signal);
      return;
    }
    this.counters.errors++;
    this.opts.hooks?.onError?.(err);
    const delayMs = this.backoff.next();
    this.log.warn('node list/watch failed, retrying', { error: errorMessage(err), retryInMs: delayMs, resourceVersion: this.rv });
    await sleep(delayMs, this.stopper.signal);
    if (this.rv) this.restarted('error');
  }

  private restarted(reason: WatchEndReason): void {
    this.counters.watchRestarts[reason]++;
    this.opts.hooks?.onWatchRestart?.(reason);
  }

  private async list(): Promise<void> {
    const started = performance.now();
    const fresh = new Map<string, SlimNode>();
    let page = await this.opts.client.listNodes({ limit: this.opts.pageSize ?? 500, signal: this.stopper.signal });
    for (;;) {
      for (const node of page.items) fresh.set(node.name, node);
      if (!page.continue) break;
      page = await this.opts.client.listNodes({ limit: this.opts.pageSize ?? 500, continue: page.continue, signal: this.stopper.signal });
    }
    const changed = !this.synced || !sameMaps(this.map, fresh);
    [this.map, this.rv] = [fresh, page.resourceVersion];
    this.countList();
    this.log.info('nodes listed', { nodes: fresh.size, resourceVersion: this.rv, ms: Math.round(performance.now() - started), changed });
    this.markSynced();
    if (changed) this.changed();
  }

  private countList(): void {
    this.counters.lists++;
    if (this.counters.lists > 1) {
      this.counters.relists++;
      this.opts.hooks?.onRelist?.();
    }
  }

  private markSynced(): void {
    this.synced = true;
    for (const w of this.syncWaiters.splice(0)) w.resolve();
  }

  private watch(): Promise<void> {
    const base = this.opts.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.floor(base * (1 + (this.opts.random ?? Math.random)()));
    const idleTimeoutMs = this.opts.idleTimeoutMs ?? timeoutSeconds * 1000 + 60_000;
    this.counters.watches++;
    this.log.debug('watching nodes', { resourceVersion: this.rv, timeoutSeconds });
    return this.opts.client.watchNodes({ resourceVersion: this.rv, timeoutSeconds, idleTimeoutMs, signal: this.stopper.signal }, (e) => this.apply(e));
  }

  private apply(event: NodeWatchEvent): void {
    this.expiredInARow = 0;
    if (event.type === 'BOOKMARK') {
      this.rv = event.resourceVersion || this.rv;
      return;
    }
    const { node } = event;
    this.rv = node.resourceVersion || this.rv;
    if (event.type === 'DELETED') {
      if (this.map.delete(node.name)) this.changed();
      return;
    }
    const old = this.map.get(node.name);
    this.map.set(node.name, node);
    if (!old || !sameNodeContent(old, node)) this.changed();
  }

  /** One signal per burst: events arriving in one read share it. */
  private changed(): void {
    this.counters.changes++;
    if (this.signalPending) return;
    this.signalPending = true;
    setImmediate(() => {
      this.signalPending = false;
      this.opts.hooks?.onChange?.();
    });
  }
}
