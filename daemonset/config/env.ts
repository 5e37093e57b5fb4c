import type { ConfigLayer, Origins } from './layer';

/**
 * The environment twilld reads, last and strongest of the sources: a DaemonSet sets these from
 * the downward API (spec.nodeName, metadata.namespace), so they describe the pod it really runs
 * in whatever a copied flag or file says. An empty value counts as unset, as for KUBECONFIG.
 */
export const ENV_VARS = {
  NODE_NAME: { path: 'nodeName', help: "this node's name: the downward API's spec.nodeName (required, or --node-name)" },
  POD_NAMESPACE: { path: 'namespace', help: "the agent's namespace: the downward API's metadata.namespace" },
  KUBECONFIG: { path: 'kubeconfig', help: "API credentials file; unset in a pod: the service account's" },
} as const;

export function readEnv(env: Readonly<Record<string, string | undefined>>): { layer: ConfigLayer; origins: Origins } {
  const layer: Record<string, string> = {};
  const origins: Origins = new Map();
  for (const [name, { path }] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    layer[path] = value;
    origins.set(path, name);
  }
  return { layer: layer as ConfigLayer, origins };
}
