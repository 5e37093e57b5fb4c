// Discovery documents (/api, /apis, /api/v1, /apis/GROUP[/VERSION]) and /version, for clients
// that look resources up before using them (client-node's KubernetesObjectApi does).
import { routeNotFound } from './errors';
import { RESOURCES } from './resources';
import { apiVersionOf, type ResourceDef } from './types';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-twill-test',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T00:00:00Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function apiResources(defs: ResourceDef[]) {
  return defs.flatMap((d) => {
    const main = { name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: VERBS, shortNames: d.shortNames.length ? [...d.shortNames] : undefined };
    const subs = d.subresources.filter(Boolean).map((s) => ({ name: `${d.plural}/${s}`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: ['get', 'patch', 'update'] }));
    return [main, ...subs];
  });
}

function groups(): Map<string, ResourceDef[]> {
  const out = new Map<string, ResourceDef[]>();
  for (const d of RESOURCES.filter((r) => r.group)) out.set(d.group, [...(out.get(d.group) ?? []), d]);
  return out;
}

function apiGroup(name: string, defs: ResourceDef[]) {
  const gv = { groupVersion: apiVersionOf(defs[0]), version: defs[0].version };
  return { name, versions: [gv], preferredVersion: gv };
}

/** The discovery document for `path` (e.g. "/apis/coordination.k8s.io/v1"). */
export function discovery(path: string): object {
  const segs = path.split('/').filter(Boolean);
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
  if (path === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups()].map(([name, defs]) => apiGroup(name, defs)) };
  if (path === '/api/v1') return { kind: 'APIResourceList', groupVersion: 'v1', resources: apiResources(RESOURCES.filter((d) => !d.group)) };
  const defs = groups().get(segs[1]);
  if (!defs) throw routeNotFound();
  if (segs.length === 2) return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(segs[1], defs) };
  if (segs.length === 3 && segs[2] === defs[0].version) return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(defs[0]), resources: apiResources(defs) };
  throw routeNotFound();
}
