// The agent's kernel side: the VXLAN device, per-peer routes/neighbours/FDB entries and direct
// routes (syncOverlay), and the cluster-CIDR exemption from outbound NAT (syncNoMasquerade).
export { deviceName, overlayConfig, OVERLAY_DEFAULTS, ROUTE_PROTO, vtepMac } from './config';
export { NoMasqueradeSets, noMasqueradeCidrs, syncNoMasquerade } from './nat';
export { IsolationTable, ISOLATION_TABLE, isolationScript } from './isolation';
export { KeptPlan } from './plan-keep';
export { ownedRoutes, routeOwner, type NetworkClaim, type RouteOwnership } from './ownership';
export { syncOverlay, type DesiredOverlay, type FullWindow, type OverlaySyncReport, type SyncScope } from './sync';
export { KeptOverlay } from './sync-kept';
export type { BatchWriter } from './sync-apply';
export { OverlaySetupError, overlayMtu, VXLAN_OVERHEAD } from './underlay';
export type { OverlayConfig, Peer, SkippedPeer, Underlay } from './types';
