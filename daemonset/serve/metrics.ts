/**
 * twilld's Prometheus metrics. One Registry per agent (never prom-client's global one), so
 * tests and a second agent in the same process don't collide, and callers get typed methods
 * in the agent's own words instead of raw prom-client objects.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRIC_PREFIX = 'twilld_';

/** How often the event-loop delay is sampled (prom-client's monitorEventLoopDelay resolution). */
export const EVENT_LOOP_SAMPLE_MS = 1000;

/** 1 ms to 10 s: a scoped sync takes a few ms, a full one at 5,000 peers around a second. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export type ReconcileKind = 'full' | 'scoped';
export type ReconcileStage = 'overlay' | 'nat' | 'conflist' | 'publish' | 'subnet' | 'readiness';
export type ChangeKind = 'route' | 'neighbour' | 'fdb' | 'device' | 'offload' | 'nat' | 'conflist';
export type SubnetSource = 'cluster' | 'claimed';

export interface ReconcileObservation {
  network: string;
  kind: ReconcileKind;
  seconds: number;
  /** Kernel (or file) entries written, by kind; zero counts still create the series. */
  changes?: Partial<Record<ChangeKind, number>>;
  /** Peers with entries programmed (the whole desired set, also after a scoped sync). */
  programmed?: number;
  /** Peers left out, each with its reason (the overlay report's `peers.skipped`). */
  skipped?: ReadonlyArray<{ reason: string }>;
}

export interface NodeSubnet {
  cidr: string;
  source: SubnetSource;
}

export interface AgentMetrics {
  readonly registry: Registry;
  /** The Prometheus text format's content type, for the /metrics response. */
  readonly contentType: string;
  render(): Promise<string>;
  observeReconcile(o: ReconcileObservation): void;
  reconcileError(network: string, stage: ReconcileStage): void;
  /** An API watch event's arrival to its peers being programmed. */
  eventProgrammed(seconds: number): void;
  /** This node's subnets on `network`: replaces the ones set before. */
  setSubnets(network: string, subnets: readonly NodeSubnet[]): void;
  watchRestart(reason: string): void;
  relist(): void;
  apiError(): void;
  setReady(network: string, ready: boolean): void;
}

export interface AgentMetricsOptions {
  node: string;
  version: string;
  /** prom-client's process metrics (CPU, RSS, heap, event loop lag, GC). Default true. */
  processMetrics?: boolean;
}

function instruments(registry: Registry) {
  const registers = [registry];
  const p = METRIC_PREFIX;
  const buckets = [...LATENCY_BUCKETS];
  return {
    programmed: new Gauge({ name: `${p}peers_programmed`, help: 'Peers whose overlay entries are programmed, after the last reconcile.', labelNames: ['network'] as const, registers }),
    skipped: new Gauge({ name: `${p}peers_skipped`, help: 'Peers left out of the overlay by the last reconcile, by reason.', labelNames: ['network', 'reason'] as const, registers }),
    duration: new Histogram({ name: `${p}reconcile_duration_seconds`, help: 'Time one reconcile took (full: timer or resync; scoped: one event\'s peers).', labelNames: ['network', 'kind'] as const, buckets, registers }),
    errors: new Counter({ name: `${p}reconcile_errors_total`, help: 'Reconcile failures, by the stage that failed.', labelNames: ['network', 'stage'] as const, registers }),
    changes: new Counter({ name: `${p}kernel_changes_total`, help: 'Entries the agent wrote to correct the node (routes, neighbours, FDB, device, ...).', labelNames: ['network', 'kind'] as const, registers }),
    eventLatency: new Histogram({ name: `${p}event_to_programmed_seconds`, help: 'From an API watch event\'s arrival to its peers being programmed.', buckets, registers }),
    subnet: new Gauge({ name: `${p}node_subnet_info`, help: 'This node\'s pod subnets (value 1) and where they came from.', labelNames: ['network', 'cidr', 'source'] as const, registers }),
    watchRestarts: new Counter({ name: `${p}api_watch_restarts_total`, help: 'API watches restarted, by reason.', labelNames: ['reason'] as const, registers }),
    relists: new Counter({ name: `${p}api_relists_total`, help: 'Full lists after a watch could not resume.', registers }),
    apiErrors: new Counter({ name: `${p}api_errors_total`, help: 'Failed API requests.', registers }),
    ready: new Gauge({ name: `${p}ready`, help: '1 when the network is ready for pods (subnet known, overlay programmed).', labelNames: ['network'] as const, registers }),
    info: new Gauge({ name: `${p}info`, help: 'The agent\'s version and node (value 1).', labelNames: ['version', 'node'] as const, registers }),
  };
}
type Instruments = ReturnType<typeof instruments>;

/** Skip reasons counted per network; a reason that disappears drops to 0 rather than vanishing. */
function skippedSetter(skipped: Instruments['skipped']) {
  const seen = new Map<string, Set<string>>();
  return (network: string, peers: ReadonlyArray<{ reason: string }>) => {
    const counts = new Map<string, number>();
    for (const { reason } of peers) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    const reasons = seen.get(network) ?? new Set<string>();
    for (const reason of reasons) if (!counts.has(reason)) skipped.set({ network, reason }, 0);
    for (const [reason, n] of counts) {
      skipped.set({ network, reason }, n);
      reasons.add(reason);
    }
    seen.set(network, reasons);
  };
}

/** Subnets are replaced, not added to: an old CIDR must not linger after a change. */
function subnetSetter(subnet: Instruments['subnet']) {
  const current = new Map<string, readonly NodeSubnet[]>();
  return (network: string, subnets: readonly NodeSubnet[]) => {
    for (const s of current.get(network) ?? []) subnet.remove({ network, cidr: s.cidr, source: s.source });
    for (const s of subnets) subnet.set({ network, cidr: s.cidr, source: s.source }, 1);
    current.set(network, [...subnets]);
  };
}

export function createAgentMetrics(opts: AgentMetricsOptions): AgentMetrics {
  const registry = new Registry();
  // The event-loop delay histogram samples once a second: prom-client's default (every 10 ms)
  // woke the idle agent 100 times a second, most of its idle CPU. Scrapes come every 15-60 s.
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  const m = instruments(registry);
  m.info.set({ version: opts.version, node: opts.node }, 1);
  const setSkipped = skippedSetter(m.skipped);
  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    observeReconcile(o) {
      m.duration.observe({ network: o.network, kind: o.kind }, o.seconds);
      for (const [kind, n] of Object.entries(o.changes ?? {})) m.changes.inc({ network: o.network, kind }, n ?? 0);
      if (o.programmed !== undefined) m.programmed.set({ network: o.network }, o.programmed);
      if (o.skipped) setSkipped(o.network, o.skipped);
    },
    reconcileError: (network, stage) => m.errors.inc({ network, stage }),
    eventProgrammed: (seconds) => m.eventLatency.observe(seconds),
    setSubnets: subnetSetter(m.subnet),
    watchRestart: (reason) => m.watchRestarts.inc({ reason }),
    relist: () => m.relists.inc(),
    apiError: () => m.apiErrors.inc(),
    setReady: (network, ready) => m.ready.set({ network }, ready ? 1 : 0),
  };
}
