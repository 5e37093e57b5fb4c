// The kinds the test API server serves, and lookups by URL parts and by apiVersion + kind.
import type { ResourceDef } from '../types';
import { leases } from './lease';
import { namespaces } from './namespace';
import { nodes } from './node';

export { leases, namespaces, nodes };

export const RESOURCES: readonly ResourceDef[] = [nodes, namespaces, leases];

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((d) => d.group === group && d.version === version && d.plural === plural);
}

/** For ownerReferences: which served resource an apiVersion + kind names. */
export function findByKind(apiVersion: string, kind: string): ResourceDef | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return RESOURCES.find((d) => d.group === group && d.version === version && d.kind === kind);
}
