// Bearer-token authentication and RBAC authorization. A user without rules may do anything
// (a cluster admin); a user with `rules` gets exactly what they grant, everywhere; a user with
// `rbac: true` gets what the stored Roles and bindings grant (rbac-authorizer.ts), so a test can
// apply twill's manifests and run the agent as their service account, seeing the 403s a
// cluster gives.
import type { IncomingMessage } from 'node:http';
import { ApiError, failure, unauthorized } from './errors';
import type { ResourceRequest } from './router';
import { qualifiedResource } from './types';

/** One rule of an RBAC (Cluster)Role: "*" matches everything in its list. */
export interface PolicyRule {
  verbs: string[];
  /** Resource names with subresources as "nodes/status" ("nodes/*", "*\/status" as RBAC has them). */
  resources: string[];
  apiGroups?: string[];
  /** When given, only these object names (never matches create, list or watch). */
  resourceNames?: string[];
}

export interface User {
  name: string;
  token: string;
  rules?: PolicyRule[];
  /** Authorize from the stored Roles, ClusterRoles and their bindings instead of `rules`. */
  rbac?: boolean;
}

/** The rules that apply to `user` for a request in `namespace` (the stored RBAC objects). */
export type RuleSource = (user: string, namespace: string | undefined) => PolicyRule[];

export function authenticate(req: IncomingMessage, users: readonly User[]): User {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  const user = m ? users.find((u) => u.token === m[1]) : undefined;
  if (!user) throw unauthorized();
  return user;
}

const matchesOne = (list: string[] | undefined, value: string) => !list || list.includes('*') || list.includes(value);

/** RBAC's ResourceMatches: exact, "*", "<resource>/*" for its subresources, "*\/<subresource>". */
function resourceMatches(rule: PolicyRule, r: ResourceRequest): boolean {
  const combined = r.subresource ? `${r.def.plural}/${r.subresource}` : r.def.plural;
  return rule.resources.some((x) => x === '*' || x === combined || (r.subresource !== '' && (x === `*/${r.subresource}` || x === `${r.def.plural}/*`)));
}

function allows(rule: PolicyRule, r: ResourceRequest): boolean {
  const named = !rule.resourceNames?.length || (r.name !== undefined && r.verb !== 'create' && rule.resourceNames.includes(r.name));
  return matchesOne(rule.verbs, r.verb) && matchesOne(rule.apiGroups, r.def.group) && resourceMatches(rule, r) && named;
}

export function authorize(user: User, r: ResourceRequest, stored?: RuleSource): void {
  const rules = user.rbac ? (stored?.(user.name, r.namespace) ?? []) : user.rules;
  if (!rules || rules.some((rule) => allows(rule, r))) return;
  const resource = r.subresource ? `${r.def.plural}/${r.subresource}` : r.def.plural;
  const named = r.name && r.verb !== 'create' ? `${qualifiedResource(r.def)} "${r.name}"` : qualifiedResource(r.def);
  const scope = r.namespace ? `in the namespace "${r.namespace}"` : 'at the cluster scope';
  const message = `${named} is forbidden: User "${user.name}" cannot ${r.verb} resource "${resource}" in API group "${r.def.group}" ${scope}`;
  const details = { ...(r.name ? { name: r.name } : {}), ...(r.def.group ? { group: r.def.group } : {}), kind: r.def.plural };
  throw new ApiError(failure(403, 'Forbidden', message, details));
}
