// Bearer-token authentication and RBAC-like authorization. A user without rules may do
// anything (a cluster admin); a user with rules gets exactly what they grant, so a test can
// run the agent with the ClusterRole its manifests ship and see the same 403s a cluster gives.
import type { IncomingMessage } from 'node:http';
import { ApiError, failure, unauthorized } from './errors';
import type { ResourceRequest } from './router';
import { qualifiedResource } from './types';

/** One rule of an RBAC (Cluster)Role: "*" matches everything in its list. */
export interface PolicyRule {
  verbs: string[];
  /** Resource names with subresources as "nodes/status". */
  resources: string[];
  apiGroups?: string[];
}

export interface User {
  name: string;
  token: string;
  rules?: PolicyRule[];
}

export function authenticate(req: IncomingMessage, users: readonly User[]): User {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  const user = m ? users.find((u) => u.token === m[1]) : undefined;
  if (!user) throw unauthorized();
  return user;
}

const matchesOne = (list: string[] | undefined, value: string) => !list || list.includes('*') || list.includes(value);

export function authorize(user: User, r: ResourceRequest): void {
  if (!user.rules) return;
  const resource = r.subresource ? `${r.def.plural}/${r.subresource}` : r.def.plural;
  const allowed = user.rules.some((rule) => matchesOne(rule.verbs, r.verb) && matchesOne(rule.resources, resource) && matchesOne(rule.apiGroups, r.def.group));
  if (allowed) return;
  const named = r.name && r.verb !== 'create' ? `${qualifiedResource(r.def)} "${r.name}"` : qualifiedResource(r.def);
  const scope = r.namespace ? `in the namespace "${r.namespace}"` : 'at the cluster scope';
  const message = `${named} is forbidden: User "${user.name}" cannot ${r.verb} resource "${resource}" in API group "${r.def.group}" ${scope}`;
  const details = { ...(r.name ? { name: r.name } : {}), ...(r.def.group ? { group: r.def.group } : {}), kind: r.def.plural };
  throw new ApiError(failure(403, 'Forbidden', message, details));
}
