// WATCH: a chunked HTTP 200 stream of `{"type":…,"object":…}` lines, as kube-apiserver's watch
// cache serves it. resourceVersion "" or "0" starts with ADDED for every current object, a
// version the event window still covers resumes after it, an older one gets one ERROR event
// (Status 410 Expired, "too old resource version: X (Y)") and the end of the stream.
// Selector transitions become ADDED/DELETED. With allowWatchBookmarks, BOOKMARK events
// (metadata.resourceVersion only) come every bookmark interval and 2 s before the timeout;
// the stream ends after timeoutSeconds. sendInitialEvents=true ends the initial ADDED events
// with a bookmark annotated "k8s.io/initial-events-end" (the WatchList protocol).
import type { ServerResponse } from 'node:http';
import { badRequest, expired, type Status } from './errors';
import type { StoreEvent } from './history';
import { parseFieldSelector, parseLabelSelector, type Selector } from './selectors';
import type { Store } from './store';
import { apiVersionOf, type KubeObject, type ResourceDef } from './types';

export interface WatchSettings {
  bookmarkIntervalMs: number;
  defaultTimeoutSeconds: number;
}

export interface WatchRequest {
  def: ResourceDef;
  namespace?: string;
  query: URLSearchParams;
}

const PRE_TIMEOUT_BOOKMARK_MS = 2000;

/** One serialisation per stored object, shared by every watcher and list that sends it. */
const serialized = new WeakMap<KubeObject, string>();
export function toJson(obj: KubeObject): string {
  let text = serialized.get(obj);
  if (text === undefined) {
    text = JSON.stringify(obj);
    serialized.set(obj, text);
  }
  return text;
}

function parseWatchVersion(rv: string | null): number | 'now' {
  if (!rv || rv === '0') return 'now';
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version "${rv}": strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`);
  return Number(rv);
}

export class WatchStream {
  private readonly selector: Selector;
  private readonly bookmarks: boolean;
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: () => void = () => {};
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly request: WatchRequest,
    private readonly res: ServerResponse,
    private readonly onClose: (w: WatchStream) => void,
  ) {
    const { def, namespace, query } = request;
    const labels = parseLabelSelector(query.get('labelSelector'));
    const fields = parseFieldSelector(def, query.get('fieldSelector'));
    this.selector = (o) => (!namespace || o.metadata.namespace === namespace) && labels(o) && fields(o);
    this.bookmarks = query.get('allowWatchBookmarks') === 'true';
  }

  /** Validates, then answers 200 and streams; a bad request throws before anything is sent. */
  start(settings: WatchSettings): void {
    const { query } = this.request;
    const from = parseWatchVersion(query.get('resourceVersion'));
    const initialEvents = query.get('sendInitialEvents') === 'true';
    if (initialEvents && (!this.bookmarks || query.get('resourceVersionMatch') !== 'NotOlderThan')) {
      throw badRequest('sendInitialEvents requires allowWatchBookmarks=true and resourceVersionMatch=NotOlderThan');
    }
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    this.res.flushHeaders();
    this.res.on('close', () => this.close());
    if (!this.replay(from, initialEvents || from === 'now', initialEvents)) return;
    this.unsubscribe = this.store.subscribe(this.request.def, { deliver: (e) => this.deliver(e) });
    this.armTimers(settings);
  }

  /** Sends what comes before live events; false when the stream ended (expired version). */
  private replay(from: number | 'now', initial: boolean, endMarker: boolean): boolean {
    if (initial) {
      for (const obj of this.store.list(this.request.def)) if (this.selector(obj)) this.write('ADDED', toJson(obj));
      if (endMarker) this.bookmark({ 'k8s.io/initial-events-end': 'true' });
      return true;
    }
    const events = this.store.history(this.request.def).since(from as number);
    if (!Array.isArray(events)) {
      this.fail(expired(`too old resource version: ${from} (${events.expiredBelow})`));
      return false;
    }
    for (const e of events) this.deliver(e);
    return true;
  }

  private armTimers(settings: WatchSettings): void {
    const requested = Number(this.request.query.get('timeoutSeconds') ?? '');
    const timeoutMs = (Number.isFinite(requested) && requested > 0 ? requested : settings.defaultTimeoutSeconds) * 1000;
    this.timers.push(setTimeout(() => this.close(), timeoutMs));
    if (this.bookmarks) {
      this.timers.push(setInterval(() => this.bookmark(), settings.bookmarkIntervalMs));
      if (timeoutMs > PRE_TIMEOUT_BOOKMARK_MS) this.timers.push(setTimeout(() => this.bookmark(), timeoutMs - PRE_TIMEOUT_BOOKMARK_MS));
    }
    for (const t of this.timers) t.unref();
  }

  /** The watch cache's filter: passing before and after is MODIFIED, only after ADDED, only before DELETED. */
  private deliver(e: StoreEvent): void {
    const now = e.type !== 'DELETED' && this.selector(e.object);
    const before = e.prev !== undefined && this.selector(e.prev);
    if (now) this.write(before ? 'MODIFIED' : 'ADDED', toJson(e.object));
    else if (before) {
      const gone = e.type === 'DELETED' ? e.object : { ...e.prev!, metadata: { ...e.prev!.metadata, resourceVersion: String(e.rv) } };
      this.write('DELETED', toJson(gone));
    }
  }

  private bookmark(annotations?: Record<string, string>): void {
    const { def } = this.request;
    const metadata = { resourceVersion: String(this.store.resourceVersion), ...(annotations ? { annotations } : {}) };
    this.write('BOOKMARK', JSON.stringify({ kind: def.kind, apiVersion: apiVersionOf(def), metadata }));
  }

  private write(type: string, objectJson: string): void {
    if (!this.closed) this.res.write(`{"type":"${type}","object":${objectJson}}\n`);
  }

  /** Sends an ERROR event carrying `status` and ends the stream. */
  fail(status: Status): void {
    this.write('ERROR', JSON.stringify(status));
    this.close();
  }

  /** Ends the stream cleanly (the client sees the watch end and reconnects). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.unsubscribe();
    this.res.end();
    this.onClose(this);
  }
}
