// The agent's Kubernetes side wired to a test API server, as twilld wires it to a real one.
import { ClientNodeKubeClient } from '../../daemonset/kube/client-node';
import type { KubeHttpOptions } from '../../daemonset/kube/http';
import type { PolicyRule, TestApiServer, User } from '../kube/apiserver';
import { kubeConfigFor } from '../kube/client';
import { grantedRules, loadManifests } from './manifests';

/**
 * What manifests/20-rbac.yaml grants the agent, read from it (so these tests break when it
 * grants less), with the Role's namespace dropped: a test that needs the scoping too uses a
 * user with `rbac: true` and the manifests applied (test/e2e/manifests-rbac.test.ts).
 */
export const AGENT_RULES: PolicyRule[] = grantedRules(loadManifests()).map(({ namespace: _ns, ...rule }) => rule);

export const AGENT_USER: User = { name: 'system:serviceaccount:twill-system:twilld', token: 'twilld-token', rules: AGENT_RULES };

/** A KubeClient for the server's admin, or for `user` (e.g. AGENT_USER.name). */
export function agentClientFor(api: TestApiServer, opts: KubeHttpOptions & { user?: string } = {}): ClientNodeKubeClient {
  return new ClientNodeKubeClient(kubeConfigFor(api, opts.user), opts);
}
