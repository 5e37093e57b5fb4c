// The multi-node end-to-end harness (README.md here): start with Cluster.start().
export { Cluster, type ClusterOptions, type NodeRef, type NodeSpec } from './cluster';
export { assertInstalled, installOnNode, type InstallSpec } from './install';
export { Agent, TWILLD, type AgentOptions } from './agent';
export { AGENT_LISTEN, agentConfigFor, CLUSTER_CIDRS, podNetwork, type AgentFileConfig } from './agent-config';
export { isClean, leftovers, processesMentioning, type Leftovers } from './leaks';
export { namespacesWithPrefix } from './underlay';
export { AGENT_ROUTE_PROTO, execIn, fdb, link, neighbours, routes, vxlanDevice, type FdbEntry, type NeighEntry, type RouteEntry } from './kernel';
export { describeEntries, peerEntries, type PeerEntries } from './peer-entries';
export { gateway, LINKS, nodeAddresses, PREFIX } from './names';
export type { ClusterNode, NodePaths } from './node';
export { ping, readConflist, type PingOptions, type Pod } from './pods';
export { missingReplies, PingLoop, type PingSummary } from './ping-loop';
export { ManagedProcess, type Exit, type LineMatch, type LogLine } from './process';
export { inNs, run, sleep, tryRun } from './exec';
export { twillctl, type CtlOutcome } from './ctl';
