// The multi-node harness: an underlay, N node namespaces, the test API server reachable from
// each node at https://127.0.0.1:<port> (relay.ts), a kubeconfig per node for the agent's
// service account (RBAC enforced), nodes registered as a kubelet registers them, each node's
// CNI bin dir filled by `twilld install` as the init container fills it; then agents, pods (run
// from that bin dir) and pings on demand, and a teardown that removes all of it and reports what is left.
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApiServer } from '../../kube/apiserver';
import { AGENT_USER } from '../kube-agent';
import { Agent } from './agent';
import { agentConfigFor, type AgentFileConfig } from './agent-config';
import { inNs, run } from './exec';
import { deregisterNode, ensureNamespace, registerNode } from './kube-nodes';
import { newRunId, PREFIX, runNames, type LinkIndex, type RunNames } from './names';
import { nodePaths, type ClusterNode } from './node';
import { ping, type PingOptions, type Pod } from './pods';
import { PingLoop } from './ping-loop';
import type { ManagedProcess } from './process';
import { HostRelay, startNodeRelay } from './relay';
import { createNodeNamespace, createUnderlay } from './underlay';
import { addPod, delPod } from './cluster-pods';
import { installOnNode, type InstallSpec } from './install';
import { teardownCluster } from './teardown';
import type { Leftovers } from './leaks';

export interface NodeSpec {
  /** 0 (default) or 1: link 1 is one router hop away from link 0. */
  link?: LinkIndex;
  /** spec.podCIDRs, as a controller-manager would allocate them (default: none, self-allocation). */
  podCIDRs?: string[];
  /** Create the Node object (default true). */
  register?: boolean;
}

export interface ClusterOptions {
  /** A count (all on link 0) or one spec per node; names are n1, n2 … */
  nodes: number | NodeSpec[];
  /** A running server with AGENT_USER among its users; default: one started (and closed) here. */
  api?: TestApiServer;
  /** The agent's namespace, created in the API (default twill-system). */
  agentNamespace?: string;
  /** Which build `twilld install` puts into every node's bin dir (default dist/'s); false: leave the bin dirs empty (the caller installs). */
  install?: InstallSpec | false;
}

export type NodeRef = ClusterNode | string;

/** Everything the cluster owns, for teardown. */
export interface ClusterState {
  names: RunNames;
  root: string;
  api: TestApiServer;
  ownsApi: boolean;
  relay?: HostRelay;
  nodes: ClusterNode[];
  inodes: number[];
  relays: ManagedProcess[];
  agents: Agent[];
  pods: Pod[];
  loops: PingLoop[];
}

export class Cluster {
  private constructor(readonly state: ClusterState) {}

  /** Builds the whole topology; on any failure it tears down what it built and rethrows. */
  static async start(o: ClusterOptions): Promise<Cluster> {
    const run = newRunId();
    const api = o.api ?? (await TestApiServer.start({ users: [AGENT_USER] }));
    const root = mkdtempSync(join(tmpdir(), `${PREFIX}${run}-`));
    const state: ClusterState = { names: runNames(run), root, api, ownsApi: !o.api, nodes: [], inodes: [], relays: [], agents: [], pods: [], loops: [] };
    const cluster = new Cluster(state);
    try {
      await cluster.build(o);
    } catch (e) {
      await cluster.teardown();
      throw e;
    }
    return cluster;
  }

  private async build(o: ClusterOptions): Promise<void> {
    const s = this.state;
    const specs: NodeSpec[] = typeof o.nodes === 'number' ? Array.from({ length: o.nodes }, () => ({})) : o.nodes;
    ensureNamespace(s.api, o.agentNamespace ?? 'twill-system');
    s.relay = await HostRelay.start(join(s.root, 'api.sock'), s.api.port);
    await createUnderlay(s.names.underlay, specs.some((n) => n.link === 1) ? 2 : 1);
    for (const [k, spec] of specs.entries()) await this.addNode(k + 1, spec);
    if (o.install !== false) await Promise.all(s.nodes.map((n) => installOnNode(n, o.install || {})));
  }

  private async addNode(index: number, spec: NodeSpec): Promise<ClusterNode> {
    const s = this.state;
    const name = `n${index}`;
    const ns = s.names.node(name);
    const addr = await createNodeNamespace({ ns, underlay: s.names.underlay, i: index, link: spec.link ?? 0 });
    const node: ClusterNode = { name, index, ns, link: addr.link, ipv4: addr.ipv4, ipv6: addr.ipv6, paths: nodePaths(s.root, name) };
    s.nodes.push(node);
    s.inodes.push(statSync(`/run/netns/${ns}`).ino);
    writeFileSync(node.paths.kubeconfig, s.api.kubeconfig(AGENT_USER.name), { mode: 0o600 });
    s.relays.push(await startNodeRelay({ ns, port: s.api.port, socketPath: s.relay!.socketPath }));
    if (spec.register ?? true) registerNode(s.api, { name, ipv4: node.ipv4, ipv6: node.ipv6, podCIDRs: spec.podCIDRs });
    return node;
  }

  get api(): TestApiServer {
    return this.state.api;
  }

  get nodes(): ClusterNode[] {
    return this.state.nodes;
  }

  /** Pods ADDed and not yet DELed. */
  get pods(): readonly Pod[] {
    return this.state.pods;
  }

  /** The run's directory (each node's files are under <root>/<node name>). */
  get root(): string {
    return this.state.root;
  }

  node(ref: NodeRef): ClusterNode {
    if (typeof ref !== 'string') return ref;
    const n = this.state.nodes.find((x) => x.name === ref);
    if (!n) throw new Error(`node: no node named ${ref} (have ${this.state.nodes.map((x) => x.name).join(', ')})`);
    return n;
  }

  /** Registers the node in the API (again, e.g. after deleteNode). */
  registerNode(ref: NodeRef, o: { podCIDRs?: string[] } = {}): void {
    const n = this.node(ref);
    registerNode(this.api, { name: n.name, ipv4: n.ipv4, ipv6: n.ipv6, podCIDRs: o.podCIDRs });
  }

  /** Deletes the Node object (the namespace and any agent keep running). */
  deleteNode(ref: NodeRef): void {
    deregisterNode(this.api, this.node(ref).name);
  }

  /** `twilld install` into the node's bin dir (again: an upgrade, with another build's twilld); its output. */
  install(ref: NodeRef, o: InstallSpec = {}): Promise<string> {
    return installOnNode(this.node(ref), o);
  }

  /** The node's agent config: harness defaults (per-node paths) with `overrides`. */
  agentConfig(ref: NodeRef, overrides: Partial<AgentFileConfig> = {}): AgentFileConfig {
    return agentConfigFor(this.node(ref), overrides);
  }

  /** Starts dist/twilld on the node (an Agent is returned at once; await its waitHealthy/waitForLine). */
  startAgent(o: { node: NodeRef; config?: Partial<AgentFileConfig>; env?: Record<string, string>; binary?: string }): Agent {
    const node = this.node(o.node);
    if (this.agentOn(node)?.running) throw new Error(`startAgent: ${node.name} already runs an agent`);
    const agent = new Agent({ node, config: this.agentConfig(node, o.config), env: o.env, binary: o.binary });
    this.state.agents.push(agent);
    agent.start();
    return agent;
  }

  /** The latest agent started on the node. */
  agentOn(ref: NodeRef): Agent | undefined {
    const name = this.node(ref).name;
    return [...this.state.agents].reverse().find((a) => a.node.name === name);
  }

  /** A pod on the node, ADDed with the conflist in its cniConfDir (`network`'s, else the first); `namespace` (default "default") and name go in CNI_ARGS. */
  async addPod(o: { node: NodeRef; name: string; namespace?: string; network?: string; ifname?: string }): Promise<Pod> {
    return addPod(this.state, { ...o, node: this.node(o.node) });
  }

  /** DEL of the pod's attachment, then its namespace goes. */
  async delPod(pod: Pod): Promise<void> {
    return delPod(this.state, pod);
  }

  ping(o: PingOptions): Promise<boolean> {
    return ping(o);
  }

  /** A background ping (stop() gives the counts); stopped at teardown if still running. */
  pingLoop(o: { from: Pod | string; to: string; intervalMs?: number }): PingLoop {
    const loop = new PingLoop(o);
    this.state.loops.push(loop);
    return loop;
  }

  /** Runs argv inside the node's namespace; stdout. */
  async exec(ref: NodeRef, argv: string[], input?: string): Promise<string> {
    return (await run(inNs(this.node(ref).ns, argv), { input })).stdout;
  }

  /** Stops and removes everything; returns what is still there (isClean() on it: nothing). */
  async teardown(): Promise<Leftovers> {
    return teardownCluster(this.state);
  }
}
