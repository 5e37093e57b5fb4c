// What a request asks for: which resource, namespace, name and subresource, and which verb
// (kube-apiserver's RequestInfo). Unknown paths are 404 and wrong methods 405, as there.
import type { IncomingMessage } from 'node:http';
import { methodNotAllowed, routeNotFound } from './errors';
import { findResource } from './resources';
import type { ResourceDef, Subresource } from './types';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface ResourceRequest {
  type: 'resource';
  verb: Verb;
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource: Subresource;
  query: URLSearchParams;
}

export interface OtherRequest {
  type: 'discovery' | 'version' | 'health';
  /** The path below /api or /apis for discovery ("" is the root). */
  path: string;
  query: URLSearchParams;
}

export type RequestInfo = ResourceRequest | OtherRequest;

const HEALTH = new Set(['/healthz', '/livez', '/readyz']);

function verbOf(method: string, name: string | undefined, query: URLSearchParams): Verb {
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  switch (method) {
    case 'GET':
      return name ? 'get' : watch ? 'watch' : 'list';
    case 'POST':
      if (!name) return 'create';
      break;
    case 'PUT':
    case 'PATCH':
    case 'DELETE':
      if (name) return method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : 'delete';
      break;
  }
  throw methodNotAllowed();
}

/** Splits "namespaces/NS/PLURAL/NAME/SUB" or "PLURAL/NAME/SUB" of one group version. */
function resourceOf(group: string, version: string, segs: string[]) {
  const namespaced = segs[0] === 'namespaces' && segs.length >= 3 ? findResource(group, version, segs[2]) : undefined;
  if (namespaced?.namespaced) return { def: namespaced, namespace: segs[1], name: segs[3], sub: segs[4], extra: segs.length > 5 };
  const def = findResource(group, version, segs[0]);
  return def ? { def, namespace: undefined, name: segs[1], sub: segs[2], extra: segs.length > 3 } : undefined;
}

export function parseRequest(req: IncomingMessage): RequestInfo {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query = url.searchParams;
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (HEALTH.has(path)) return { type: 'health', path, query };
  if (path === '/version') return { type: 'version', path, query };
  const m = /^\/(api|apis)(\/.*)?$/.exec(path);
  if (!m) throw routeNotFound();
  const segs = (m[2] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
  const [group, version, rest] = m[1] === 'api' ? ['', segs[0], segs.slice(1)] : [segs[0], segs[1], segs.slice(2)];
  if (!rest.length || !version) return { type: 'discovery', path: `/${m[1]}${m[2] ?? ''}`, query };
  const found = resourceOf(group, version, rest);
  if (!found || found.extra || (found.sub !== undefined && !found.def.subresources.includes(found.sub as Subresource))) throw routeNotFound();
  const verb = verbOf(req.method ?? 'GET', found.name, query);
  const base = { type: 'resource' as const, verb, def: found.def, subresource: (found.sub ?? '') as Subresource, query };
  return { ...base, namespace: found.namespace, name: found.name };
}
