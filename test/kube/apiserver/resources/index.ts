// The kinds the test API server serves, and lookups by URL parts and by apiVersion + kind.
import type { ResourceDef } from '../types';
import { leases } from './lease';
import { namespaces } from './namespace';
import { nodes } from './node';
import { clusterRoleBindings, clusterRoles, roleBindings, roles } from './rbac';
import { serviceAccounts } from './service-account';

export { clusterRoleBindings, clusterRoles, leases, namespaces, nodes, roleBindings, roles, serviceAccounts };

export const RESOURCES: readonly ResourceDef[] = [nodes, namespaces, leases, serviceAccounts, clusterRoles, roles, clusterRoleBindings, roleBindings];

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((d) => d.group === group && d.version === version && d.plural === plural);
}

/** For ownerReferences: which served resource an apiVersion + kind names. */
export function findByKind(apiVersion: string, kind: string): ResourceDef | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return RESOURCES.find((d) => d.group === group && d.version === version && d.kind === kind);
}
