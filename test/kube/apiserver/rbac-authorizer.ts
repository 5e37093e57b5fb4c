// kube-apiserver's RBAC authorizer over the stored Roles and bindings, for users created with
// `rbac: true`: the ClusterRoles bound by ClusterRoleBindings apply everywhere, a RoleBinding's
// Role (or ClusterRole) only in the binding's namespace. Subjects match as there: a User by
// name, a ServiceAccount as system:serviceaccount:NS:NAME (NS defaults to the binding's), a
// Group among a service account's groups (system:serviceaccounts[:NS], system:authenticated).
import type { PolicyRule } from './auth';
import { clusterRoleBindings, clusterRoles, roleBindings, roles } from './resources';
import type { RbacRule, RbacSubject, RoleRef } from './resources/rbac';
import { objectKey, type Store } from './store';
import type { KubeObject } from './types';

const SA_PREFIX = 'system:serviceaccount:';

function groupsOf(user: string): string[] {
  if (!user.startsWith(SA_PREFIX)) return ['system:authenticated'];
  const namespace = user.slice(SA_PREFIX.length).split(':')[0];
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}

function appliesTo(user: string, s: RbacSubject, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user;
    case 'ServiceAccount':
      return user === `${SA_PREFIX}${s.namespace || bindingNamespace}:${s.name}`;
    case 'Group':
      return groupsOf(user).includes(s.name ?? '');
    default:
      return false;
  }
}

function boundTo(user: string, binding: KubeObject): boolean {
  return ((binding.subjects ?? []) as RbacSubject[]).some((s) => appliesTo(user, s, binding.metadata.namespace));
}

function rulesOfRef(store: Store, ref: RoleRef, namespace: string | undefined): RbacRule[] {
  const role = ref.kind === 'ClusterRole' ? store.get(clusterRoles, ref.name ?? '') : store.get(roles, objectKey(namespace, ref.name ?? ''));
  return (role?.rules ?? []) as RbacRule[];
}

/** Every rule granted to `user` for a request in `namespace` (undefined: cluster scope). */
export function rbacRules(store: Store, user: string, namespace: string | undefined): PolicyRule[] {
  const cluster = store.list(clusterRoleBindings).filter((b) => boundTo(user, b));
  const local = namespace ? store.list(roleBindings).filter((b) => b.metadata.namespace === namespace && boundTo(user, b)) : [];
  return [...cluster, ...local]
    .flatMap((b) => rulesOfRef(store, b.roleRef as RoleRef, b.metadata.namespace))
    .filter((r) => !r.nonResourceURLs?.length)
    .map((r) => ({ verbs: r.verbs ?? [], apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], resourceNames: r.resourceNames }));
}
