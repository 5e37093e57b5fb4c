// The controller's side effects, as functions it is handed (wire.ts binds them to the kernel,
// the files and the API server), so its decisions are unit-tested with fakes.
import type { NetworkSettings } from '../config/types';
import type { NodeNetworkInfo } from '../kube/publish';
import type { SlimNode } from '../kube/slim-node';
import type { DesiredOverlay, FullWindow, OverlaySyncReport, SyncScope } from '../overlay';

export interface NodeFilesInput {
  network: NetworkSettings;
  subnets: string[];
  /** The pods' MTU: the VXLAN device's. */
  mtu: number;
}

export interface AgentPorts {
  /** `window`: a full pass may read without the caller's lock (then it programs the peers `window.peersNow` gives). */
  overlay(desired: DesiredOverlay, scope?: SyncScope, window?: FullWindow): Promise<OverlaySyncReport>;
  /**
   * This network's cluster destinations are `cidrs`: the NAT exemption sets (the union of every
   * network's) and the isolation table follow; `verify` reads them back (else only the change
   * since the last call is written); true when it changed them.
   */
  noMasquerade(cidrs: string[], verify: boolean): Promise<boolean>;
  /** Turns packet forwarding on for these families (the node routes between bridge, overlay and underlay). */
  forwarding(families: Array<4 | 6>): void;
  /** The conflist, then the plugin's readiness file, each written only when it changes. */
  writeFiles(input: NodeFilesInput): Promise<{ conflist: boolean; readiness: boolean }>;
  publish(self: SlimNode, info: NodeNetworkInfo): Promise<boolean>;
}

export type Stage = 'subnet' | 'overlay' | 'nat' | 'conflist' | 'publish';

/** What the controller tells metrics (wire.ts maps these onto prom-client). */
export interface ControllerHooks {
  reconciled?(o: { network: string; kind: 'full' | 'scoped'; seconds: number; report: OverlaySyncReport }): void;
  failed?(o: { network: string; stage: Stage; error: unknown }): void;
  subnets?(o: { network: string; cidrs: string[]; source: 'cluster' | 'claimed' }): void;
  ready?(o: { network: string; ready: boolean }): void;
}
