// LIST: items in key order, the list's resourceVersion, selectors, and limit/continue paging.
// Every page of a paged list is cut from the same snapshot (consistent, as etcd serves them);
// a continue token whose snapshot is gone (compaction, restart) is 410 Expired. As the watch
// cache does, resourceVersion=0 ignores limit and returns everything.
import { ApiError, badRequest, failure } from './errors';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import type { Store } from './store';
import { objectKey } from './store';
import { apiVersionOf, type KubeObject, type ResourceDef } from './types';
import { toJson } from './watch';

export interface ListRequest {
  def: ResourceDef;
  namespace?: string;
  query: URLSearchParams;
}

interface Snapshot {
  rv: number;
  items: KubeObject[];
}

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

const MAX_SNAPSHOTS = 32;
const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without ' +
  'the continue parameter, or use the continue value from the response to get an inconsistent list.';

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (parsed.v === 'meta.k8s.io/v1' && Number.isInteger(parsed.rv) && typeof parsed.start === 'string') return parsed;
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

export class Lister {
  private readonly snapshots = new Map<string, Snapshot>();

  constructor(private readonly store: Store) {}

  /** Forgets the snapshots paged lists continue from (after compaction or a restart). */
  forget(): void {
    this.snapshots.clear();
  }

  private snapshotFor(def: ResourceDef, token: string | null): { snap: Snapshot; start: string } {
    if (!token) return { snap: { rv: this.store.resourceVersion, items: this.store.list(def) }, start: '' };
    const parsed = decodeContinue(token);
    const snap = this.snapshots.get(`${def.plural}@${parsed.rv}`);
    if (!snap) throw new ApiError(failure(410, 'Expired', EXPIRED_CONTINUE));
    return { snap, start: parsed.start };
  }

  private keep(def: ResourceDef, snap: Snapshot): void {
    this.snapshots.set(`${def.plural}@${snap.rv}`, snap);
    if (this.snapshots.size > MAX_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
  }

  /** The list response as JSON text (items without kind/apiVersion, as the real server sends them). */
  list(req: ListRequest): string {
    const { def, namespace, query } = req;
    const labels = parseLabelSelector(query.get('labelSelector'));
    const fields = parseFieldSelector(def, query.get('fieldSelector'));
    const limit = query.get('resourceVersion') === '0' ? 0 : Number(query.get('limit') ?? 0);
    if (!Number.isInteger(limit) || limit < 0) throw badRequest(`invalid limit: ${query.get('limit')}`);
    const { snap, start } = this.snapshotFor(def, query.get('continue'));
    const key = (o: KubeObject) => objectKey(o.metadata.namespace, o.metadata.name!);
    const matching = snap.items.filter((o) => (!namespace || o.metadata.namespace === namespace) && key(o) >= start && labels(o) && fields(o));
    const page = limit > 0 ? matching.slice(0, limit) : matching;
    const metadata: Record<string, unknown> = { resourceVersion: String(snap.rv) };
    if (page.length < matching.length) {
      this.keep(def, snap);
      const next: ContinueToken = { v: 'meta.k8s.io/v1', rv: snap.rv, start: `${key(page[page.length - 1])}\u0000` };
      metadata.continue = Buffer.from(JSON.stringify(next)).toString('base64url');
      if (!query.get('labelSelector') && !query.get('fieldSelector')) metadata.remainingItemCount = matching.length - page.length;
    }
    const items = page.map((o) => itemJson(o)).join(',');
    return `{"kind":"${def.listKind}","apiVersion":"${apiVersionOf(def)}","metadata":${JSON.stringify(metadata)},"items":[${items}]}`;
  }
}

/** An object's JSON without kind and apiVersion (they lead every stored object). */
function itemJson(obj: KubeObject): string {
  const text = toJson(obj);
  const prefix = `{"kind":${JSON.stringify(obj.kind)},"apiVersion":${JSON.stringify(obj.apiVersion)},`;
  return text.startsWith(prefix) ? `{${text.slice(prefix.length)}` : text;
}
