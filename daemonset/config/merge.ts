import { DEFAULTS, networkDefaults } from './defaults';
import type { ConfigLayer, NetworkLayer } from './layer';
import type { AgentConfig, NetworkSettings } from './types';

/** The last layer's value that is set (later layers win). */
function pick<K extends keyof ConfigLayer>(layers: readonly ConfigLayer[], key: K): ConfigLayer[K] | undefined {
  let value: ConfigLayer[K] | undefined;
  for (const layer of layers) if (layer[key] !== undefined) value = layer[key];
  return value;
}

function mergeNetwork(index: number, layers: readonly NetworkLayer[]): NetworkSettings {
  const d = networkDefaults(index);
  const net: NetworkSettings = { ...d, name: d.name ?? '', nodePrefixLength: { ...d.nodePrefixLength } };
  for (const { nodePrefixLength, ...rest } of layers) {
    Object.assign(net, definedOnly(rest));
    Object.assign(net.nodePrefixLength, definedOnly(nodePrefixLength ?? {}));
  }
  return { ...net, clusterCIDRs: [...net.clusterCIDRs] };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** networks[i] from every layer that speaks of it; flags and env speak of networks[0] only. */
function mergeNetworks(layers: readonly ConfigLayer[]): NetworkSettings[] {
  const count = Math.max(1, ...layers.map((l) => l.networks?.length ?? 0));
  return Array.from({ length: count }, (_, i) =>
    mergeNetwork(i, layers.map((l) => l.networks?.[i]).filter((n): n is NetworkLayer => n !== undefined)),
  );
}

/**
 * DEFAULTS, then each layer over the one before (file < flags < env), key by key: a nested
 * object (paths, underlay, a network, its nodePrefixLength) merges per key, a list
 * (clusterCIDRs) is replaced whole. Nothing is checked here (check.ts does that); a missing
 * nodeName stays "" for the check to name.
 */
export function mergeLayers(layers: readonly ConfigLayer[]): AgentConfig {
  const kubeconfig = pick(layers, 'kubeconfig');
  return {
    nodeName: pick(layers, 'nodeName') ?? '',
    namespace: pick(layers, 'namespace') ?? DEFAULTS.namespace,
    ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    networks: mergeNetworks(layers),
    vxlanPort: pick(layers, 'vxlanPort') ?? DEFAULTS.vxlanPort,
    underlay: Object.assign({}, ...layers.map((l) => definedOnly(l.underlay ?? {}))),
    directRouting: pick(layers, 'directRouting') ?? DEFAULTS.directRouting,
    checksumOffloadWorkaround: pick(layers, 'checksumOffloadWorkaround') ?? DEFAULTS.checksumOffloadWorkaround,
    resyncSeconds: pick(layers, 'resyncSeconds') ?? DEFAULTS.resyncSeconds,
    listen: pick(layers, 'listen') ?? DEFAULTS.listen,
    paths: Object.assign({ ...DEFAULTS.paths }, ...layers.map((l) => definedOnly(l.paths ?? {}))),
    logLevel: pick(layers, 'logLevel') ?? DEFAULTS.logLevel,
  };
}
