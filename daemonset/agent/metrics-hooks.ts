// The controller's and the informer's plain hooks mapped onto the agent's metrics.
import type { InformerHooks } from '../kube/informer';
import { overlayChangeCounts, type AgentMetrics } from '../serve';
import type { ControllerHooks } from './ports';

export function controllerHooks(metrics: AgentMetrics): ControllerHooks {
  return {
    reconciled: ({ network, kind, seconds, report }) =>
      metrics.observeReconcile({ network, kind, seconds, changes: overlayChangeCounts(report), programmed: report.peers.programmed, skipped: report.peers.skipped }),
    failed: ({ network, stage }) => metrics.reconcileError(network, stage),
    subnets: ({ network, cidrs, source }) => metrics.setSubnets(network, cidrs.map((cidr) => ({ cidr, source }))),
    ready: ({ network, ready }) => metrics.setReady(network, ready),
  };
}

/** `changed` is called on every informer change signal (the loop's trigger). */
export function informerHooks(metrics: AgentMetrics, changed: () => void): InformerHooks {
  return {
    onChange: changed,
    onRelist: () => metrics.relist(),
    onWatchRestart: (reason) => metrics.watchRestart(reason),
    onError: () => metrics.apiError(),
  };
}
