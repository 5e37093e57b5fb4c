// The calls the agent makes to the API server, as an interface of our own: the informer, the
// subnet claims and the publisher depend on this, not on client-node, so the same agent runs
// against the test API server or a real one (see client-node.ts for the implementation).
import type { SlimNode } from './slim-node';

export interface NodePage {
  items: SlimNode[];
  /** The list's resourceVersion: a watch resumes after it. */
  resourceVersion: string;
  /** Set when more pages follow (all pages come from one snapshot). */
  continue?: string;
}

export interface ListNodesOptions {
  limit?: number;
  continue?: string;
  signal?: AbortSignal;
}

export type NodeWatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; node: SlimNode }
  | { type: 'BOOKMARK'; resourceVersion: string };

export interface WatchNodesOptions {
  resourceVersion: string;
  /** Server-side length of the watch; it ends cleanly after this. */
  timeoutSeconds: number;
  /** The watch fails (KubeTransportError, timedOut) when nothing arrives for this long. */
  idleTimeoutMs: number;
  signal: AbortSignal;
}

/** Merge patch (RFC 7386) or Kubernetes' strategic merge patch. */
export type PatchKind = 'merge' | 'strategic';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Lease {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    deletionTimestamp?: string;
  };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number };
}

export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface KubeClient {
  listNodes(opts?: ListNodesOptions): Promise<NodePage>;
  /** Resolves when the server ends the watch; rejects on failure (410 Expired as KubeApiError 410). */
  watchNodes(opts: WatchNodesOptions, onEvent: (event: NodeWatchEvent) => void): Promise<void>;
  /** undefined when there is no such node. */
  getNode(name: string): Promise<SlimNode | undefined>;
  patchNode(name: string, patch: object, kind: PatchKind): Promise<SlimNode>;
  patchNodeStatus(name: string, patch: object, kind: PatchKind): Promise<SlimNode>;
  /** Rejects with KubeApiError 409 (AlreadyExists) when the name is taken. */
  createLease(namespace: string, lease: Lease): Promise<Lease>;
  getLease(namespace: string, name: string): Promise<Lease | undefined>;
  listLeases(namespace: string, opts?: { labelSelector?: string }): Promise<Lease[]>;
  /** false when it was already gone; KubeApiError 409 when a precondition no longer holds. */
  deleteLease(namespace: string, name: string, preconditions?: DeletePreconditions): Promise<boolean>;
}
