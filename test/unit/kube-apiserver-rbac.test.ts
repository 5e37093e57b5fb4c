// The test API server's RBAC: users with `rbac: true` get exactly what the stored Roles and
// bindings grant, as kube-apiserver's RBAC authorizer does (a Role only in its namespace), and
// the RBAC objects are validated as the real server validates them.
import * as k8s from '@kubernetes/client-node';
import { clusterRoleBindings, clusterRoles, leases, nodes, roleBindings, roles, TestApiServer } from '../kube/apiserver';
import { clientsFor, failureOf, type Clients } from '../kube/client';

const SA = 'system:serviceaccount:apps:agent';
const RBAC = 'rbac.authorization.k8s.io';
let api: TestApiServer;
let as: Clients;

const bind = (kind: 'Role' | 'ClusterRole', name: string, subjects: Array<Record<string, string>>) => ({ roleRef: { apiGroup: RBAC, kind, name }, subjects });

beforeEach(async () => {
  api = await TestApiServer.start({ users: [{ name: SA, token: 'sa-token', rbac: true }], namespaces: ['apps', 'other'] });
  as = clientsFor(api, SA);
  api.create(nodes, { metadata: { name: 'n1' } });
});
afterEach(() => api.close());

const listLeases = (namespace: string) => as.coordination.listNamespacedLease({ namespace });

describe('authorization from stored RBAC objects', () => {
  test('nothing bound: every request is 403', async () => {
    expect((await failureOf(as.core.listNode())).code).toBe(403);
  });

  test('a Role grants only in its namespace; a ClusterRole bound by a RoleBinding too', async () => {
    api.create(roles, { metadata: { name: 'r' }, rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list'] }] }, 'apps');
    api.create(roleBindings, { metadata: { name: 'b' }, ...bind('Role', 'r', [{ kind: 'ServiceAccount', name: 'agent' }]) }, 'apps');
    await listLeases('apps');
    const f = await failureOf(listLeases('other'));
    expect(f.body.message).toBe(`leases.coordination.k8s.io is forbidden: User "${SA}" cannot list resource "leases" in API group "coordination.k8s.io" in the namespace "other"`);
    api.create(clusterRoles, { metadata: { name: 'cr' }, rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['*'] }] });
    api.create(roleBindings, { metadata: { name: 'b2' }, ...bind('ClusterRole', 'cr', [{ kind: 'ServiceAccount', name: 'agent', namespace: 'apps' }]) }, 'other');
    await listLeases('other');
    expect((await failureOf(as.coordination.listLeaseForAllNamespaces())).code).toBe(403);
  });

  test('ClusterRoleBindings apply everywhere; subresources need their own rule or a wildcard', async () => {
    api.create(clusterRoles, { metadata: { name: 'nodes' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] }] });
    api.create(clusterRoleBindings, { metadata: { name: 'nodes' }, ...bind('ClusterRole', 'nodes', [{ kind: 'Group', name: 'system:serviceaccounts:apps' }]) });
    await as.core.readNode({ name: 'n1' });
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    expect((await failureOf(as.core.patchNodeStatus({ name: 'n1', body: { metadata: { labels: { a: 'b' } } } }, merge))).code).toBe(403);
    api.patch(clusterRoles, 'nodes', { rules: [{ apiGroups: [''], resources: ['nodes', '*/status'], verbs: ['get', 'patch'] }] }, { contentType: 'application/merge-patch+json' });
    await as.core.patchNodeStatus({ name: 'n1', body: { metadata: { labels: { a: 'b' } } } }, merge);
  });

  test('resourceNames limit get to those names; a subject of another namespace or name gets nothing', async () => {
    api.create(leases, { metadata: { name: 'mine' } }, 'apps');
    api.create(leases, { metadata: { name: 'theirs' } }, 'apps');
    api.create(clusterRoles, { metadata: { name: 'one' }, rules: [{ apiGroups: ['*'], resources: ['leases'], resourceNames: ['mine'], verbs: ['get', 'list'] }] });
    api.create(clusterRoleBindings, { metadata: { name: 'one' }, ...bind('ClusterRole', 'one', [{ kind: 'ServiceAccount', name: 'agent', namespace: 'apps' }]) });
    await as.coordination.readNamespacedLease({ name: 'mine', namespace: 'apps' });
    expect((await failureOf(as.coordination.readNamespacedLease({ name: 'theirs', namespace: 'apps' }))).code).toBe(403);
    expect((await failureOf(listLeases('apps'))).code).toBe(403);
    api.create(clusterRoleBindings, { metadata: { name: 'elsewhere' }, ...bind('ClusterRole', 'one', [{ kind: 'ServiceAccount', name: 'agent', namespace: 'other' }, { kind: 'User', name: 'agent' }]) });
    api.delete(clusterRoleBindings, 'one');
    expect((await failureOf(as.coordination.readNamespacedLease({ name: 'mine', namespace: 'apps' }))).code).toBe(403);
  });
});

describe('RBAC object validation', () => {
  test('a rule without verbs, a binding to a Role from a ClusterRoleBinding, a namespace-less ServiceAccount subject: 422', () => {
    expect(() => api.create(clusterRoles, { metadata: { name: 'x' }, rules: [{ apiGroups: [''], resources: ['nodes'] }] })).toThrow(/rules\[0\]\.verbs/);
    expect(() => api.create(clusterRoleBindings, { metadata: { name: 'x' }, ...bind('Role', 'r', []) })).toThrow(/roleRef\.kind/);
    expect(() => api.create(clusterRoleBindings, { metadata: { name: 'x' }, ...bind('ClusterRole', 'r', [{ kind: 'ServiceAccount', name: 'a' }]) })).toThrow(/subjects\[0\]\.namespace/);
  });

  test("a binding's roleRef cannot change", () => {
    api.create(roleBindings, { metadata: { name: 'b' }, ...bind('Role', 'r', []) }, 'apps');
    const change = () => api.patch(roleBindings, 'b', { roleRef: { apiGroup: RBAC, kind: 'Role', name: 'other' } }, { contentType: 'application/merge-patch+json', namespace: 'apps' });
    expect(change).toThrow(/cannot change roleRef/);
  });
});
