// twilld's health and metrics: the HTTP endpoint, the metrics it serves, the loop's heartbeat.
export { Heartbeat, type HeartbeatOptions, type Probe } from './liveness';
export { parseListen, type ListenAddress } from './listen-address';
export {
  createAgentMetrics,
  LATENCY_BUCKETS,
  METRIC_PREFIX,
  type AgentMetrics,
  type AgentMetricsOptions,
  type ChangeKind,
  type NodeSubnet,
  type ReconcileKind,
  type ReconcileObservation,
  type ReconcileStage,
  type SubnetSource,
} from './metrics';
export { overlayChangeCounts } from './overlay-changes';
export { startServer, type ServerHandle, type ServerOptions } from './server';
