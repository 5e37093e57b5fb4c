// AgentPorts bound to this node: the kernel through cni/host's async runner, the CNI config
// and readiness files, and the Node object through the publisher.
import { ensureSysctl } from '../../cni/host/sysctl';
import type { AsyncRunner } from '../../cni/host/run-async';
import { conflistFileName, conflistFor } from '../cni-config/conflist';
import { writeReadiness } from '../cni-config/readiness';
import { syncConfigFile } from '../cni-config/write';
import type { AgentConfig } from '../config/types';
import type { NodePublisher } from '../kube/publish';
import { KeptPlan, NoMasqueradeSets, syncOverlay } from '../overlay';
import type { AgentPorts, NodeFilesInput } from './ports';

const FORWARDING = { 4: 'net/ipv4/ip_forward', 6: 'net/ipv6/conf/all/forwarding' } as const;

async function writeFiles(config: AgentConfig, input: NodeFilesInput): Promise<{ conflist: boolean; readiness: boolean }> {
  const { cniConfDir, ipamDataDir, runDir } = config.paths;
  const conflist = conflistFor({ network: input.network, subnets: input.subnets, mtu: input.mtu, ipamDataDir, runDir, podNetwork: input.network === config.networks[0] });
  const path = `${cniConfDir}/${conflistFileName(input.network.name)}`;
  const wroteConflist = await syncConfigFile({ path, content: `${JSON.stringify(conflist, null, 2)}\n` });
  // After the conflist: the plugin trusts the readiness file only for the ranges it names.
  const wroteReadiness = await writeReadiness({ runDir, network: input.network.name, subnets: input.subnets, mtu: input.mtu });
  return { conflist: wroteConflist, readiness: wroteReadiness };
}

export function nodePorts(o: { runner: AsyncRunner; config: AgentConfig; publisher: NodePublisher }): AgentPorts {
  const nat = new NoMasqueradeSets(o.runner);
  const kept = new KeptPlan();
  return {
    overlay: (desired, scope) => syncOverlay(o.runner, desired, scope, kept),
    noMasquerade: (cidrs, verify) => nat.sync(cidrs, verify),
    forwarding: (families) => families.forEach((f) => ensureSysctl(FORWARDING[f], '1')),
    writeFiles: (input) => writeFiles(o.config, input),
    publish: (self, info) => o.publisher.sync(self, info),
  };
}
