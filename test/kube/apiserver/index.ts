// The test API server for twill's agent tests: see test/kube/README.md for what it serves.
export { TestApiServer, type RequestRecord, type TestApiServerOptions } from './server';
export type { PolicyRule, User } from './auth';
export type { Fault } from './faults';
export { PatchType } from './patch';
export { clusterRoleBindings, clusterRoles, leases, namespaces, nodes, roleBindings, roles, serviceAccounts, findByKind } from './resources';
export type { KubeObject } from './types';
export { addSimulatedNode, createSimulatedNodes, removeSimulatedNode, simulatedAddresses, simulatedNode, type SimulatedNodeOptions } from './load';
