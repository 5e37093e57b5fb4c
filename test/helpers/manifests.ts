// manifests/ read as `kubectl apply -f manifests/` reads it: the files in name order, every YAML
// document of each, and lookups the manifest tests share (the DaemonSet's pod template, the
// agent's config from the ConfigMap, the RBAC rules).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { PolicyRule } from '../kube/apiserver';

export const MANIFESTS_DIR = join(__dirname, '..', '..', 'manifests');

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface ManifestDoc {
  file: string;
  object: ManifestObject;
}

/** Every document of every *.yaml file, files in name order (kubectl's order); throws on a YAML error. */
export function loadManifests(dir = MANIFESTS_DIR): ManifestDoc[] {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8'), { uniqueKeys: true }).map((doc) => {
      const problem = doc.errors[0] ?? doc.warnings[0];
      if (problem) throw new Error(`${file}: ${problem.message}`);
      return { file, object: doc.toJS() as ManifestObject };
    }),
  );
}

export function findObject<T = ManifestObject>(docs: ManifestDoc[], kind: string, name?: string): T {
  const hit = docs.find((d) => d.object.kind === kind && (name === undefined || d.object.metadata.name === name));
  if (!hit) throw new Error(`manifests: no ${kind}${name ? ` ${name}` : ''}`);
  return hit.object as T;
}

/** The ConfigMap key holding twilld's --config file. */
export const CONFIG_KEY = 'twilld.yaml';

export function agentConfigText(docs: ManifestDoc[]): string {
  const cm = findObject<ManifestObject & { data: Record<string, string> }>(docs, 'ConfigMap');
  return cm.data[CONFIG_KEY];
}

/** Every rule the manifests' Roles and ClusterRoles grant, with the namespace of a Role (undefined: cluster-wide). */
export function grantedRules(docs: ManifestDoc[]): Array<PolicyRule & { namespace?: string }> {
  return docs
    .filter((d) => d.object.kind === 'ClusterRole' || d.object.kind === 'Role')
    .flatMap((d) => ((d.object.rules ?? []) as PolicyRule[]).map((r) => ({ ...r, namespace: d.object.metadata.namespace })));
}
