import type { AgentConfig, NetworkSettings } from './types';

/** What one source (the file, the flags, the environment) says about one network. */
export type NetworkLayer = Partial<Omit<NetworkSettings, 'nodePrefixLength'>> & {
  nodePrefixLength?: Partial<NetworkSettings['nodePrefixLength']>;
};

/** What one source says: any subset of AgentConfig, nested objects partial too. */
export interface ConfigLayer {
  nodeName?: string;
  namespace?: string;
  kubeconfig?: string;
  networks?: NetworkLayer[];
  vxlanPort?: number;
  underlay?: AgentConfig['underlay'];
  directRouting?: boolean;
  checksumOffloadWorkaround?: boolean;
  resyncSeconds?: number;
  listen?: string;
  paths?: Partial<AgentConfig['paths']>;
  logLevel?: AgentConfig['logLevel'];
}

/**
 * Where values came from, by config field path ("networks[0].mtu" → "--mtu"): an error on a
 * field (or anything under it) then names what the operator actually typed.
 */
export type Origins = Map<string, string>;

const LAST_STEP = /(\.[^.[\]]+|\[\d+\])$/;

/** The name of what set `path`: the label of its longest recorded prefix, else the path itself. */
export function originOf(origins: Origins, path: string): string {
  for (let p = path; ; p = p.replace(LAST_STEP, '')) {
    const label = origins.get(p);
    if (label) return label;
    if (!LAST_STEP.test(p)) return path;
  }
}
