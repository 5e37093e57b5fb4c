// API credentials as a DaemonSet pod has them: KUBECONFIG when set (a colon-separated list is
// merged as kubectl does), otherwise the in-cluster service account (token file re-read as it
// rotates, the cluster CA, KUBERNETES_SERVICE_HOST/PORT). Unlike client-node's
// loadFromDefault, never ~/.kube/config nor localhost:8080: an agent on a node must not
// silently talk to whatever a user's home directory points at.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
// client-node's config module alone: its index would bring every API model and undici (the
// bundle, cni/build/build.mjs, stubs undici: nothing the agent calls reaches it).
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { KubeConfigError } from './errors';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface LoadKubeConfigOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Prefix of the service account mount (tests put it in a temporary directory). */
  root?: string;
}

function fromFiles(list: string): KubeConfig {
  const files = list.split(delimiter).filter(Boolean);
  const kc = new KubeConfig();
  for (const [i, file] of files.entries()) {
    if (!existsSync(file)) throw new KubeConfigError({ source: 'KUBECONFIG', detail: `${file} does not exist` });
    const next = i === 0 ? kc : new KubeConfig();
    next.loadFromFile(file);
    if (next !== kc) kc.mergeConfig(next, true);
  }
  if (!kc.getCurrentCluster()) throw new KubeConfigError({ source: 'KUBECONFIG', detail: 'no current-context naming a cluster' });
  return kc;
}

function inCluster(env: LoadKubeConfigOptions['env'], root: string): KubeConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const dir = join(root, SERVICE_ACCOUNT_DIR);
  if (!host || !port) throw new KubeConfigError({ source: 'KUBECONFIG', detail: 'not set, and not in a cluster (KUBERNETES_SERVICE_HOST/PORT unset)' });
  if (!existsSync(join(dir, 'token'))) throw new KubeConfigError({ source: join(dir, 'token'), detail: 'no service account token' });
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: 'service-account', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account' }],
    currentContext: 'in-cluster',
  });
  return kc;
}

export function loadKubeConfig(opts: LoadKubeConfigOptions): KubeConfig {
  const list = opts.env.KUBECONFIG;
  return list ? fromFiles(list) : inCluster(opts.env, opts.root ?? '');
}
