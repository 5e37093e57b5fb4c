// manifests/: every document parses, validates against the Kubernetes OpenAPI schemas
// (kubernetes-models), keeps the conventions operators expect, agrees with the agent's own
// config, paths and endpoints, and is accepted by the test API server where it serves the kind.
import { request } from 'node:http';
import * as k8s from '@kubernetes/client-node';
import { ConfigMap, Namespace, ServiceAccount } from 'kubernetes-models/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { DEFAULTS } from '../../daemonset/config/defaults';
import { parseListen } from '../../daemonset/config/listen';
import { loadAgentConfig } from '../../daemonset/config/load';
import type { AgentConfig } from '../../daemonset/config/types';
import { startServer } from '../../daemonset/serve';
import { createAgentMetrics } from '../../daemonset/serve/metrics';
import { findByKind, TestApiServer } from '../kube/apiserver';
import { kubeConfigFor } from '../kube/client';
import { agentConfigText, CONFIG_KEY, findObject, loadManifests, type ManifestObject } from '../helpers/manifests';
import pkg from '../../package.json';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'apps/v1/DaemonSet': DaemonSet,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

const docs = loadManifests();
const objects = docs.map((d) => d.object);
const NAMESPACE = findObject(docs, 'Namespace').metadata.name;

interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  securityContext?: { runAsUser?: number; privileged?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { add?: string[]; drop?: string[] } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: { httpGet: { host?: string; path: string; port: number } };
  readinessProbe?: { httpGet: { host?: string; path: string; port: number } };
}
interface PodSpec {
  serviceAccountName: string;
  hostNetwork: boolean;
  priorityClassName: string;
  tolerations: object[];
  initContainers: Container[];
  containers: Container[];
  volumes: Array<{ name: string; hostPath?: { path: string; type?: string }; configMap?: { name: string } }>;
}
type DaemonSetObject = ManifestObject & {
  spec: { selector: { matchLabels: Record<string, string> }; updateStrategy: { type: string; rollingUpdate: { maxUnavailable: number } }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
};

const ds = findObject<DaemonSetObject>(docs, 'DaemonSet');
const pod = ds.spec.template.spec;
const agent = pod.containers.find((c) => c.name === 'twilld')!;
const installer = pod.initContainers.find((c) => c.name === 'install-cni')!;
const allContainers = [...pod.initContainers, ...pod.containers];

function agentConfig(): AgentConfig {
  const path = '/etc/twilld/twilld.yaml';
  const result = loadAgentConfig({ argv: ['--config', path], env: { NODE_NAME: 'node-1', POD_NAMESPACE: NAMESPACE }, readFile: () => agentConfigText(docs) });
  if (result.kind !== 'run') throw new Error(`expected a config, got ${result.kind}`);
  return result.config;
}

/** The host paths a container mounts, as { hostPath: mountPath }. */
function hostMounts(c: Container): Record<string, string> {
  const byName = new Map(pod.volumes.filter((v) => v.hostPath).map((v) => [v.name, v.hostPath!.path]));
  return Object.fromEntries((c.volumeMounts ?? []).filter((m) => byName.has(m.name)).map((m) => [byName.get(m.name)!, m.mountPath]));
}

describe('manifests/ as kubectl reads it', () => {
  test('files in apply order: what an object needs comes before it', () => {
    const order = objects.map((o) => o.kind);
    const first = (kind: string) => order.indexOf(kind);
    expect(first('Namespace')).toBe(0);
    for (const kind of ['ServiceAccount', 'ClusterRole', 'Role', 'ConfigMap']) expect(first(kind)).toBeLessThan(first('DaemonSet'));
    expect(first('ClusterRole')).toBeLessThan(first('ClusterRoleBinding'));
    expect(first('Role')).toBeLessThan(first('RoleBinding'));
    expect(first('ServiceAccount')).toBeLessThan(first('ClusterRoleBinding'));
    expect(order.at(-1)).toBe('DaemonSet');
    for (const o of objects.filter((x) => x.metadata.namespace)) expect(o.metadata.namespace).toBe(NAMESPACE);
  });

  test.each(docs.map((d) => [`${d.file} ${d.object.kind}/${d.object.metadata.name}`, d.object] as const))('%s validates against the OpenAPI schema', (_, object) => {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    expect(Model).toBeDefined();
    expect(() => new Model(object as never).validate()).not.toThrow();
  });

  test('the schema validation bites: a broken DaemonSet and a bad rule are refused', () => {
    const broken = structuredClone(ds) as DaemonSetObject;
    (broken.spec.template.spec.containers[0] as unknown as Record<string, unknown>).image = 42;
    expect(() => new DaemonSet(broken as never).validate()).toThrow(/image/);
    expect(() => new ClusterRole({ metadata: { name: 'x' }, rules: [{ verbs: 'get' as unknown as string[] }] }).validate()).toThrow(/verbs/);
  });

  test('app.kubernetes.io labels on every object and the pod template; the selector picks the template', () => {
    const required = { 'app.kubernetes.io/name': 'twill', 'app.kubernetes.io/instance': 'twill', 'app.kubernetes.io/part-of': 'twill', 'app.kubernetes.io/version': pkg.version };
    for (const o of [...objects.map((x) => x.metadata.labels), ds.spec.template.metadata.labels]) expect(o).toMatchObject(required);
    expect(ds.spec.template.metadata.labels).toMatchObject(ds.spec.selector.matchLabels);
    expect(Object.keys(ds.spec.selector.matchLabels)).not.toContain('app.kubernetes.io/version');
  });

  test('the Namespace admits hostNetwork + NET_ADMIN pods (Pod Security "privileged")', () => {
    expect(findObject(docs, 'Namespace').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged' });
  });
});

describe('the DaemonSet', () => {
  test('one pinned image (the package version), pulled only when absent', () => {
    for (const c of allContainers) {
      expect(c.image).toBe(`localhost/twill:${pkg.version}`);
      expect(c.imagePullPolicy).toBe('IfNotPresent');
    }
  });

  test('runs on every node before it is Ready: host network, every taint tolerated, node-critical, one node at a time', () => {
    expect(pod.hostNetwork).toBe(true);
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
    expect(pod.serviceAccountName).toBe(findObject(docs, 'ServiceAccount').metadata.name);
  });

  test('the init container runs the installer into the host CNI bin dir it mounts', () => {
    expect(pod.initContainers[0]).toBe(installer);
    expect(installer.command).toEqual(['twilld', 'install', '--cni-bin-dir', '/host/opt/cni/bin']);
    expect(hostMounts(installer)).toEqual({ [DEFAULTS.paths.cniBinDir]: '/host/opt/cni/bin' });
    expect(installer.securityContext).toEqual({ runAsUser: 0, privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test('the agent: its config from the ConfigMap, identity from the downward API, only NET_ADMIN', () => {
    expect(agent.command).toEqual(['twilld', '--config', `/etc/twilld/${CONFIG_KEY}`]);
    const env = Object.fromEntries((agent.env ?? []).filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom!.fieldRef!.fieldPath]));
    expect(env).toEqual({ NODE_NAME: 'spec.nodeName', POD_NAMESPACE: 'metadata.namespace' });
    expect(agent.securityContext).toEqual({ runAsUser: 0, privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } });
    expect(agent.resources).toEqual({ requests: { cpu: '100m', memory: '100Mi' }, limits: { memory: '400Mi' } });
  });

  test('only the forwarding step is privileged, and it sets exactly the sysctl the agent would write', () => {
    const privileged = allContainers.filter((c) => c.securityContext?.privileged);
    expect(privileged.map((c) => c.name)).toEqual(['enable-forwarding']);
    expect(privileged[0].args).toEqual(['net/ipv4/ip_forward']);
    expect(privileged[0].volumeMounts ?? []).toEqual([]);
  });

  test('host paths: only the allowed ones, each mounted where the agent config says it works', () => {
    const allowed = ['/opt/cni/bin', '/etc/cni/net.d', '/run/twill', '/var/lib/cni', '/run/xtables.lock'];
    for (const v of pod.volumes.filter((x) => x.hostPath)) expect(allowed).toContain(v.hostPath!.path);
    const { paths } = agentConfig();
    expect(hostMounts(agent)).toEqual({ [paths.cniConfDir]: paths.cniConfDir, [paths.runDir]: paths.runDir });
  });

  test("probes hit the agent's own endpoints on its configured listen port", async () => {
    const listen = parseListen(agentConfig().listen)!;
    expect(listen).toEqual({ host: '127.0.0.1', port: 9765 });
    const probes = [agent.livenessProbe!.httpGet, agent.readinessProbe!.httpGet];
    expect(probes.map((p) => p.path)).toEqual(['/healthz', '/readyz']);
    for (const p of probes) expect({ host: p.host, port: p.port }).toEqual(listen);
    const server = await startServer({ listen: '127.0.0.1:0', metrics: createAgentMetrics({ node: 'n', version: 'x' }), health: () => ({ ok: true, detail: '' }), ready: () => ({ ok: true, detail: '' }) });
    try {
      const status = (path: string) => new Promise<number>((resolve, reject) => request({ host: '127.0.0.1', port: server.address.port, path, agent: false }, (res) => resolve(res.resume().statusCode ?? 0)).on('error', reject).end());
      for (const p of [...probes.map((x) => x.path), '/nonexistent']) expect([p, await status(p)]).toEqual([p, p === '/nonexistent' ? 404 : 200]);
    } finally {
      await server.close();
    }
  });
});

describe('the ConfigMap', () => {
  test("twilld loads it as it is: the defaults documented, the manifests' namespace", () => {
    const c = agentConfig();
    expect(c.namespace).toBe(NAMESPACE);
    expect(c.networks).toHaveLength(1);
    expect(c.networks[0]).toMatchObject({ name: 'twill', bridge: 'twill0', vni: 1, clusterCIDRs: ['10.244.0.0/16'], nodePrefixLength: { ipv4: 24, ipv6: 64 }, ipMasq: true });
    expect({ vxlanPort: c.vxlanPort, directRouting: c.directRouting }).toEqual({ vxlanPort: 8472, directRouting: false });
  });
});

describe('the test API server', () => {
  const served = objects.filter((o) => findByKind(o.apiVersion, o.kind));

  test('takes them over HTTP as kubectl sends them (discovery finds each kind)', async () => {
    const api = await TestApiServer.start({ namespaces: [] });
    try {
      const client = k8s.KubernetesObjectApi.makeApiClient(kubeConfigFor(api));
      for (const o of served) expect((await client.create(o as k8s.KubernetesObject)).metadata?.uid).toBeDefined();
    } finally {
      await api.close();
    }
  });

  test('accepts every object of a kind it serves, strictly (no unknown field), and refuses a bad binding', async () => {
    const api = new TestApiServer({ namespaces: [] });
    try {
      expect(served.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Namespace', 'Role', 'RoleBinding', 'ServiceAccount']);
      for (const o of served) {
        const { object, warnings } = api.registry.create(findByKind(o.apiVersion, o.kind)!, o.metadata.namespace, o as never, { fieldValidation: 'Strict' });
        expect([o.kind, warnings ?? []]).toEqual([o.kind, []]);
        expect(object.metadata.uid).toBeDefined();
      }
      const binding = findObject<ManifestObject & { roleRef: object }>(docs, 'ClusterRoleBinding');
      const bad = { ...binding, metadata: { name: 'bad' }, roleRef: { ...binding.roleRef, kind: 'Role' } };
      expect(() => api.registry.create(findByKind(bad.apiVersion, bad.kind)!, undefined, bad as never)).toThrow(/roleRef.kind/);
    } finally {
      await api.close();
    }
  });
});
