// The agent's Kubernetes side wired to a test API server, as twilld wires it to a real one.
import { ClientNodeKubeClient } from '../../daemonset/kube/client-node';
import type { KubeHttpOptions } from '../../daemonset/kube/http';
import type { PolicyRule, TestApiServer, User } from '../kube/apiserver';
import { kubeConfigFor } from '../kube/client';

/** What the agent's ClusterRole grants (manifests must grant no less). */
export const AGENT_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'list', 'delete'] },
];

export const AGENT_USER: User = { name: 'system:serviceaccount:twill-system:twilld', token: 'twilld-token', rules: AGENT_RULES };

/** A KubeClient for the server's admin, or for `user` (e.g. AGENT_USER.name). */
export function agentClientFor(api: TestApiServer, opts: KubeHttpOptions & { user?: string } = {}): ClientNodeKubeClient {
  return new ClientNodeKubeClient(kubeConfigFor(api, opts.user), opts);
}
