// The agent's reconciler for one overlay network (wire.ts makes one per configured network, all
// on this same code): desired state from the informer's Nodes (this node's subnets, every peer's
// subnets / VTEP MAC / underlay address) against what the kernel, the node's files and its Node
// object hold. Level-triggered: a full pass at start, on the timer and after any failure;
// between them an event reconciles only the peers it changed (syncOverlay's scope), which is
// what keeps one node added to 5,000 in milliseconds.
import type { AgentConfig, NetworkSettings } from '../config/types';
import { networkKeys, type NetworkKeys } from '../kube/annotations';
import { NodeSubnetUnavailableError } from '../kube/errors';
import { errorMessage, type Logger } from '../kube/log';
import type { NodeSubnets } from '../kube/node-subnets';
import type { SlimNode } from '../kube/slim-node';
import { deviceName, type OverlaySyncReport, type Peer } from '../overlay';
import { clusterDestinations, familiesOf, overlayConfigFor } from './desired';
import { fullPassWindow } from './full-window';
import { MergedUpdate } from './merged-update';
import { PassLock, type Lease } from './pass-lock';
import { logPass } from './pass-log';
import type { KernelEntry } from './kernel-watch';
import { diffPeers, isWanted, peersOf, wantedKeys, type WantedKeys } from './peers';
import type { AgentPorts, ControllerHooks, Stage } from './ports';
import type { SubnetKeeper } from './subnets';

export interface ControllerOptions {
  config: AgentConfig;
  /** The network this controller programs (one of config.networks; default networks[0]). */
  network?: NetworkSettings;
  nodes: () => ReadonlyMap<string, SlimNode>;
  /** False until the informer's first list is in: an empty map then means "not known yet", not "no nodes". */
  synced?: () => boolean;
  subnets: SubnetKeeper;
  ports: AgentPorts;
  logger: Logger;
  hooks?: ControllerHooks;
}

export type ReconcileOutcome =
  | { kind: 'not-ready'; reason: string }
  | { kind: 'unchanged' }
  | { kind: 'full' | 'scoped'; report: OverlaySyncReport };

/** An error of one step, named after it (metrics count errors by stage). */
export class StageError extends Error {
  constructor(readonly stage: Stage, override readonly cause: unknown) {
    super(`${stage}: ${errorMessage(cause)}`);
    this.name = 'StageError';
  }
}

async function step<T>(stage: Stage, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof StageError ? err : new StageError(stage, err);
  }
}

export class NodeController {
  private synced: { peers: Map<string, Peer>; configKey: string } | undefined;
  /** What the node's files and Node publication were last written from (see afterOverlay). */
  private nodeFacts: { key: string; self: SlimNode } | undefined;
  /** The NAT exemption's updates, merged while one runs (merged-update.ts). */
  private readonly nat: MergedUpdate<string[]>;
  private ready = false;
  private reason = 'starting';
  /** The underlay's family, as of the last pass (it picks a peer's InternalIP when it published none). */
  private family: 4 | 6 = 4;
  /** Keys of the kernel entries the informer's peers call for (see `wants`). */
  private wanted: WantedKeys | undefined;
  private readonly index: number;
  /** One pass at a time, but a full pass lets events' passes in while it reads (pass-lock.ts). */
  private readonly lock = new PassLock();
  /** The full pass under way, if any. */
  private fullPass: Promise<ReconcileOutcome> | undefined;
  /** Where this network's facts live on a Node. */
  readonly keys: NetworkKeys;
  readonly device: string;

  constructor(private readonly opts: ControllerOptions) {
    const net = opts.network ?? opts.config.networks[0];
    this.index = opts.config.networks.findIndex((n) => n.name === net.name);
    if (this.index < 0) throw new Error(`network ${net.name} is not one of config.networks`);
    this.keys = networkKeys(net.name, this.index === 0, this.index === 0 ? opts.config.networks.slice(1).map((n) => n.name) : undefined);
    this.device = deviceName(net.vni);
    this.nat = new MergedUpdate({
      input: () => clusterDestinations(this.network, this.opts.nodes(), this.keys),
      key: (cidrs) => cidrs.join(','),
      apply: (cidrs, verify) => this.opts.ports.noMasquerade(cidrs, verify),
    });
  }

  get isReady(): boolean {
    return this.ready;
  }

  /**
   * Whether the informer's peers call for this kernel entry (its deletion is then damage to heal).
   * The informer's view, not the last pass's: a pass's own deletions of a removed peer arrive
   * before that pass ends, and must not look like damage.
   */
  wants(entry: KernelEntry): boolean {
    // Another network's neighbour or FDB entry (a route's subnet says whose it is by itself).
    if (entry.kind !== 'route' && entry.dev !== undefined && entry.dev !== this.device) return false;
    // Built once per change of the Nodes, not per line: a sweep of thousands of stale entries
    // prints thousands of deletions, each asked about here.
    this.wanted ??= wantedKeys(peersOf(this.opts.nodes(), this.opts.config.nodeName, this.family, this.keys).values());
    return isWanted(this.wanted, entry);
  }

  /** The informer's Nodes changed (before the pass it triggers): what `wants` answers is rebuilt on next use. */
  nodesChanged(): void {
    this.wanted = undefined;
  }

  /** Why the node is not ready (for /readyz). */
  get notReadyReason(): string {
    return this.reason;
  }

  get network(): NetworkSettings {
    return this.opts.config.networks[this.index];
  }

  /**
   * One pass; `full` reads and fixes everything, otherwise only the peers that changed since the
   * last pass. An event's pass may run while a full pass reads the kernel.
   */
  async reconcile(full: boolean): Promise<ReconcileOutcome> {
    if (!full) {
      // Before a full pass has succeeded an event's pass would be a whole pass itself: the running one serves it.
      if (!this.synced && this.fullPass) await this.fullPass.catch(() => undefined);
      return this.lock.run(() => this.reconcileHeld(false));
    }
    const pass = this.lock.run((lease) => this.reconcileHeld(true, lease));
    this.fullPass = pass;
    try {
      return await pass;
    } finally {
      if (this.fullPass === pass) this.fullPass = undefined;
    }
  }

  private async reconcileHeld(full: boolean, lease?: Lease): Promise<ReconcileOutcome> {
    if (this.opts.synced && !this.opts.synced()) return this.notReady('waiting for the first list of Nodes from the API server');
    const nodes = this.opts.nodes();
    const self = nodes.get(this.opts.config.nodeName);
    if (!self) return this.notReady(`node ${this.opts.config.nodeName} is not in the API server (NODE_NAME?)`);
    try {
      const subnets = await this.subnetsOf(self, nodes);
      if (!subnets) return this.notReady(`no pod subnet for node ${self.name} yet`);
      return await this.program({ full, nodes, self, subnets, lease });
    } catch (err) {
      this.synced = undefined;
      this.nodeFacts = undefined;
      const stage = err instanceof StageError ? err.stage : 'overlay';
      const cause = err instanceof StageError ? err.cause : err;
      // Not ready yet: /readyz names what fails (a 403 on the subnet claim, say), not the last wait.
      if (!this.ready) this.reason = `${stage} failed: ${errorMessage(cause)}`;
      if (stage !== 'subnet') this.opts.hooks?.failed?.({ network: this.network.name, stage, error: cause });
      throw err;
    }
  }

  private async subnetsOf(self: SlimNode, nodes: ReadonlyMap<string, SlimNode>): Promise<NodeSubnets | undefined> {
    try {
      const subnets = await this.opts.subnets.ensure(self, nodes);
      this.opts.hooks?.subnets?.({ network: this.network.name, cidrs: subnets.cidrs, source: subnets.source });
      return subnets;
    } catch (err) {
      if (err instanceof NodeSubnetUnavailableError) {
        this.opts.logger.warn('node subnet unavailable', { node: self.name, error: err.message });
        return undefined;
      }
      this.opts.hooks?.failed?.({ network: this.network.name, stage: 'subnet', error: err });
      throw new StageError('subnet', err);
    }
  }

  private notReady(reason: string): ReconcileOutcome {
    this.reason = reason;
    this.setReady(false);
    return { kind: 'not-ready', reason };
  }

  private setReady(ready: boolean): void {
    if (ready !== this.ready) this.opts.logger.info(ready ? 'network ready' : 'network not ready', { network: this.network.name });
    this.ready = ready;
    this.opts.hooks?.ready?.({ network: this.network.name, ready });
  }

  private async program(o: { full: boolean; nodes: ReadonlyMap<string, SlimNode>; self: SlimNode; subnets: NodeSubnets; lease?: Lease }): Promise<ReconcileOutcome> {
    const config = overlayConfigFor(this.opts.config, o.self, o.subnets, this.index);
    const configKey = JSON.stringify(config);
    this.family = config.underlay.address?.includes(':') ? 6 : 4;
    let peers = peersOf(o.nodes, this.opts.config.nodeName, this.family, this.keys);
    const before = this.synced?.configKey === configKey && !o.full ? this.synced.peers : undefined;
    const changes = before && diffPeers(before, peers);
    if (changes && !changes.names.length && !changes.previous.length && this.ready) return { kind: 'unchanged' };
    const started = performance.now();
    const scope = changes ? { names: changes.names, previous: changes.previous } : undefined;
    const current = () => peersOf(this.opts.nodes(), this.opts.config.nodeName, this.family, this.keys);
    const window = o.lease && fullPassWindow({ lease: o.lease, started: peers, current, programmed: (now) => (peers = now) });
    const report = await step('overlay', () => this.opts.ports.overlay({ config, peers: [...peers.values()] }, scope, window));
    this.synced = report.failures.length ? undefined : { peers, configKey };
    if (report.failures.length) this.opts.logger.warn('overlay entries failed', { network: this.network.name, failures: report.failures.length, first: report.failures[0]?.message });
    await this.afterOverlay(o, report);
    const kind = scope ? 'scoped' : 'full';
    const seconds = (performance.now() - started) / 1000;
    logPass(this.opts.logger, { network: this.network.name, kind, seconds, report, changes });
    this.opts.hooks?.reconciled?.({ network: this.network.name, kind, seconds, report });
    return { kind, report };
  }

  /** Forwarding, files, the Node's annotations, then the NAT exemption: the node is usable once these are done. */
  private async afterOverlay(o: { full: boolean; nodes: ReadonlyMap<string, SlimNode>; self: SlimNode; subnets: NodeSubnets; lease?: Lease }, report: OverlaySyncReport): Promise<void> {
    // An event's pass whose node facts are those the last pass wrote skips rewriting them (a
    // full pass always checks: it heals a file deleted by hand).
    const key = JSON.stringify([o.subnets, report.mtu, report.vtepMac, report.underlay.address]);
    if (o.full || !this.ready || this.nodeFacts?.key !== key || this.nodeFacts.self !== o.self) {
      this.nodeFacts = undefined;
      await this.writeNodeFacts(o, report);
      this.nodeFacts = { key, self: o.self };
    }
    // Last: its set update must not delay this node's routes or its Node's annotations.
    const nat = this.nat.request(o.full);
    // An event's pass does not wait for it: the next event's routes go in meanwhile.
    // A full pass waits for it (verifying 5,000 set elements) without the lock: events' passes go on meanwhile.
    if (o.full || !this.ready) await step('nat', () => (o.lease ? o.lease.outside(() => nat) : nat));
    else nat.catch((err) => this.natFailed(err));
    this.setReady(true);
  }

  /** Forwarding, the conflist and readiness file, the Node's annotations. */
  private async writeNodeFacts(o: { self: SlimNode; subnets: NodeSubnets }, report: OverlaySyncReport): Promise<void> {
    const { ports } = this.opts;
    await step('overlay', () => ports.forwarding(familiesOf(o.subnets.cidrs)));
    await step('conflist', () => ports.writeFiles({ network: this.network, subnets: o.subnets.cidrs, mtu: report.mtu }));
    const podCidrs = o.subnets.source === 'claimed' ? o.subnets.cidrs : undefined;
    const info = { vtepMac: report.vtepMac, underlayIp: report.underlay.address, backend: 'vxlan', podCidrs, ready: true, keys: this.keys };
    await step('publish', () => ports.publish(o.self, info));
  }

  /** A NAT update an event's pass did not wait for failed: reported here, and the next pass is a full one (it verifies the sets). */
  private natFailed(err: unknown): void {
    this.synced = undefined;
    this.opts.logger.error('reconcile failed', { network: this.network.name, stage: 'nat', error: errorMessage(err) });
    this.opts.hooks?.failed?.({ network: this.network.name, stage: 'nat', error: err });
  }
}
