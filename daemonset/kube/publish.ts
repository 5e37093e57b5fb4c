// Publishing this node's network facts on its Node, as flannel does: twill.dev/ annotations
// (VTEP MAC, underlay address, backend, self-allocated pod CIDRs) and the NetworkUnavailable
// condition set False with reason TwillIsUp, in ONE strategic-merge patch of nodes/status
// (conditions merge by type; the ClusterRole needs only `nodes/status: patch`). At 5,000
// nodes writes are what costs the API server, so the patch is sent only when the Node
// differs from what is wanted, and the condition's timestamps move only when it changes.
// Each network publishes through the same publisher with its own keys (NetworkKeys.owned):
// a patch sets or removes only those, so two networks' patches never undo each other, and
// only the pod network (networks[0]) sets the condition and the node's shared keys (and
// sweeps the keys of a further network no longer configured).
import { Annotation, isLeftoverNetworkKey, networkKeys, type NetworkKeys } from './annotations';
import type { KubeClient } from './client';
import { silentLogger, type Logger } from './log';
import type { SlimNode } from './slim-node';

export const NETWORK_UNAVAILABLE = 'NetworkUnavailable';
export const TWILL_IS_UP = 'TwillIsUp';
const CONDITION_MESSAGE = 'twilld has set up the pod network on this node';

export interface NodeNetworkInfo {
  vtepMac?: string;
  underlayIp?: string;
  backend?: string;
  /** Only when self-allocated; peers read spec.podCIDRs otherwise. */
  podCidrs?: readonly string[];
  /** The overlay is programmed: the condition may say the network is available. */
  ready: boolean;
  /** Whose keys (default: the pod network's, networks[0]). */
  keys?: NetworkKeys;
}

const POD_NETWORK_KEYS = networkKeys('', true);

/** Every key the network owns with its wanted value; null removes a key it no longer publishes. */
export function desiredAnnotations(info: NodeNetworkInfo): Record<string, string | null> {
  const keys = info.keys ?? POD_NETWORK_KEYS;
  const values: Record<string, string | undefined> = {
    [keys.vtepMac]: info.vtepMac,
    [keys.podCidrs]: info.podCidrs?.length ? info.podCidrs.join(',') : undefined,
    ...(keys.primary ? { [Annotation.underlayIp]: info.underlayIp, [Annotation.backend]: info.backend } : {}),
  };
  return Object.fromEntries(keys.owned.map((key) => [key, values[key] ?? null]));
}

const metaTime = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

function conditionPatch(current: SlimNode, now: Date): object | undefined {
  const c = current.networkUnavailable;
  if (c?.status === 'False' && c.reason === TWILL_IS_UP) return undefined;
  const base = { type: NETWORK_UNAVAILABLE, status: 'False', reason: TWILL_IS_UP, message: CONDITION_MESSAGE, lastHeartbeatTime: metaTime(now) };
  // Already False (another reason, e.g. a previous CNI's): the transition time stays.
  return c?.status === 'False' ? base : { ...base, lastTransitionTime: metaTime(now) };
}

/** The strategic-merge patch that makes `current` publish `info`, or undefined when it already does. */
export function publicationPatch(current: SlimNode, info: NodeNetworkInfo, now: Date): object | undefined {
  const annotations: Record<string, string | null> = {};
  for (const [key, want] of Object.entries(desiredAnnotations(info))) {
    if ((want ?? undefined) !== current.annotations[key]) annotations[key] = want;
  }
  const keys = info.keys ?? POD_NETWORK_KEYS;
  for (const key of Object.keys(current.annotations)) if (isLeftoverNetworkKey(key, keys)) annotations[key] = null;
  const condition = info.ready && keys.primary ? conditionPatch(current, now) : undefined;
  if (!Object.keys(annotations).length && !condition) return undefined;
  return {
    ...(Object.keys(annotations).length ? { metadata: { annotations } } : {}),
    ...(condition ? { status: { conditions: [condition] } } : {}),
  };
}

export interface NodePublisherOptions {
  client: KubeClient;
  logger?: Logger;
  now?: () => Date;
}

export class NodePublisher {
  private sent: { basedOn: string; result: SlimNode } | undefined;

  constructor(private readonly opts: NodePublisherOptions) {}

  /**
   * Patches `current` (this node as the informer holds it) when it differs from `info`;
   * true when it wrote. Until the informer shows our own write, the patch's answer stands in
   * for it, so a reconcile in between does not write the same thing twice.
   */
  async sync(current: SlimNode, info: NodeNetworkInfo): Promise<boolean> {
    const view = this.sent && this.sent.basedOn === current.resourceVersion && this.sent.result.uid === current.uid ? this.sent.result : current;
    const patch = publicationPatch(view, info, (this.opts.now ?? (() => new Date()))());
    if (!patch) return false;
    const result = await this.opts.client.patchNodeStatus(current.name, patch, 'strategic');
    this.sent = { basedOn: current.resourceVersion, result };
    (this.opts.logger ?? silentLogger).info('node network published', { node: current.name, resourceVersion: result.resourceVersion, fields: describe(patch) });
    return true;
  }
}

function describe(patch: { metadata?: { annotations?: object }; status?: object }): string {
  return [...Object.keys(patch.metadata?.annotations ?? {}), ...(patch.status ? [NETWORK_UNAVAILABLE] : [])].join(',');
}
