// Assembles the agent: API client and node informer, per network a subnet keeper, kernel
// ports and a controller (one code path for every network), the publisher, the loop that runs
// all controllers, and the health/metrics server. Nothing here decides anything.
import { batchSessions } from '../../cni/host/batch-session';
import { createAsyncRunner } from '../../cni/host/run-async';
import type { AgentConfig, NetworkSettings } from '../config/types';
import { ClientNodeKubeClient } from '../kube/client-node';
import { NodeInformer } from '../kube/informer';
import { loadKubeConfig } from '../kube/kubeconfig';
import type { Logger } from '../kube/log';
import { NodePublisher } from '../kube/publish';
import { parseSubnetPools } from '../kube/subnet-pool';
import { createAgentMetrics, Heartbeat, startServer } from '../serve';
import { NodeController } from './controller';
import { KernelWatch } from './kernel-watch';
import { ReconcileLoop } from './loop';
import { controllerHooks, informerHooks } from './metrics-hooks';
import { NetworkControllers } from './networks';
import { nodePorts } from './node-ports';
import { cleanStaleNetworkFiles } from './stale-files';
import { SubnetKeeper } from './subnets';

export interface RunningAgent {
  /** Stops watching and reconciling; the dataplane stays as it is (pods keep their traffic). */
  stop(): Promise<void>;
  readonly address: { host: string; port: number };
}

export interface StartAgentOptions {
  config: AgentConfig;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  version: string;
}

function poolsOf(net: NetworkSettings, index: number) {
  const pools = net.clusterCIDRs.map((c) => ({ clusterCidr: c, nodePrefixLength: c.includes(':') ? net.nodePrefixLength.ipv6 : net.nodePrefixLength.ipv4 }));
  return parseSubnetPools(pools, `networks[${index}].clusterCIDRs`);
}

export async function startAgent(o: StartAgentOptions): Promise<RunningAgent> {
  const { config, logger } = o;
  await cleanStaleNetworkFiles(config, logger);
  const env = config.kubeconfig ? { ...o.env, KUBECONFIG: config.kubeconfig } : o.env;
  const client = new ClientNodeKubeClient(loadKubeConfig({ env }));
  const metrics = createAgentMetrics({ version: o.version, node: config.nodeName });
  const periodMs = config.resyncSeconds * 1000;
  let loop: ReconcileLoop | undefined;
  // Called only once the informer runs (after everything below exists).
  const changed = () => {
    networks.nodesChanged();
    loop?.trigger({ eventAt: performance.now() });
  };
  const informer = new NodeInformer({ client, logger, hooks: informerHooks(metrics, changed) });
  const sessions = batchSessions(process.env);
  const portsOf = nodePorts({ runner: createAsyncRunner(process.env), config, publisher: new NodePublisher({ client, logger }), write: sessions.run });
  const hooks = controllerHooks(metrics);
  const networks = new NetworkControllers(
    config.networks.map((network, i) => {
      const subnets = new SubnetKeeper({ client, namespace: config.namespace, pools: poolsOf(network, i), clusterAllocates: i === 0, logger });
      return new NodeController({ config, network, nodes: () => informer.nodes, synced: () => informer.hasSynced, subnets, ports: portsOf(i), logger, hooks });
    }),
  );
  const kernel = new KernelWatch({
    devices: networks.devices,
    wanted: (entry) => networks.wants(entry),
    onDamage: (entry) => {
      logger.info('kernel entry deleted, healing', entry);
      loop?.trigger({ full: true });
    },
    logger,
  });
  const heartbeat = new Heartbeat();
  loop = new ReconcileLoop({ reconcile: (full) => networks.reconcile(full), periodMs, logger, onPass: () => heartbeat.beat(), onEventProgrammed: (s) => metrics.eventProgrammed(s) });
  const server = await startServer({
    listen: config.listen,
    metrics,
    logger,
    health: () => heartbeat.probe(3 * periodMs),
    ready: () => (networks.isReady ? { ok: true, detail: 'ok' } : { ok: false, detail: networks.notReadyReason }),
  });
  kernel.start();
  informer.start();
  loop.start();
  logger.info('twilld started', { node: config.nodeName, networks: config.networks.map((n) => n.name).join(','), version: o.version, listen: server.address ? `${server.address.host}:${server.address.port}` : '' });
  return {
    address: server.address,
    stop: async () => {
      await loop.stop();
      kernel.stop();
      await informer.stop();
      await sessions.close();
      await server.close();
      logger.info('twilld stopped; the dataplane stays in place', { node: config.nodeName });
    },
  };
}
