// AgentPorts bound to this node, one set per network: the kernel through cni/host's async
// runner, the CNI config and readiness files, and the Node object through the publisher. What
// the networks share (the NAT exemption sets, the isolation table) goes through one
// ClusterDestinations, so each network's ports report only their own destinations.
import { ensureSysctl } from '../../cni/host/sysctl';
import type { AsyncRunner } from '../../cni/host/run-async';
import { conflistFileName, conflistFor } from '../cni-config/conflist';
import { writeReadiness } from '../cni-config/readiness';
import { syncConfigFile } from '../cni-config/write';
import type { AgentConfig } from '../config/types';
import type { NodePublisher } from '../kube/publish';
import { IsolationTable, KeptOverlay, NoMasqueradeSets, syncOverlay, type BatchWriter } from '../overlay';
import { ClusterDestinations } from './destinations';
import { PeersStateWriter } from './peers-state';
import type { AgentPorts, NodeFilesInput } from './ports';

const FORWARDING = { 4: 'net/ipv4/ip_forward', 6: 'net/ipv6/conf/all/forwarding' } as const;

async function writeFiles(config: AgentConfig, input: NodeFilesInput): Promise<{ conflist: boolean; readiness: boolean }> {
  const { cniConfDir, ipamDataDir, runDir } = config.paths;
  const podNetwork = input.network === config.networks[0];
  const conflist = conflistFor({ network: input.network, subnets: input.subnets, mtu: input.mtu, ipamDataDir, runDir, podNetwork });
  const path = `${cniConfDir}/${conflistFileName(input.network.name, podNetwork)}`;
  const wroteConflist = await syncConfigFile({ path, content: `${JSON.stringify(conflist, null, 2)}\n` });
  // After the conflist: the plugin trusts the readiness file only for the ranges it names.
  const wroteReadiness = await writeReadiness({ runDir, network: input.network.name, subnets: input.subnets, mtu: input.mtu });
  return { conflist: wroteConflist, readiness: wroteReadiness };
}

/** The ports of networks[index] (index: position in config.networks). */
export type NetworkPorts = (index: number) => AgentPorts;

/** `write`: the agent's long-lived batch sessions (without, every write batch is an exec). */
export function nodePorts(o: { runner: AsyncRunner; config: AgentConfig; publisher: NodePublisher; write?: BatchWriter }): NetworkPorts {
  const nat = new NoMasqueradeSets(o.runner);
  const isolation = new IsolationTable(o.runner);
  const destinations = new ClusterDestinations(o.config.networks, {
    noMasquerade: (cidrs, verify) => nat.sync(cidrs, verify),
    isolation: (networks, verify) => isolation.sync(networks, verify),
  });
  return (index) => {
    const kept = new KeptOverlay(o.write);
    const peersFile = new PeersStateWriter({ runDir: o.config.paths.runDir, network: o.config.networks[index].name });
    return {
      overlay: async (desired, scope, window) => {
        // A full pass that read unlocked programs the peers as they were when it took the lock again.
        let programmed = desired;
        const peersNow = window && (() => {
          const now = window.peersNow();
          programmed = { config: desired.config, peers: now.peers };
          return now;
        });
        const report = await syncOverlay(o.runner, desired, scope, kept, window && peersNow && { unlocked: window.unlocked, peersNow });
        await peersFile.update({ desired: programmed, report });
        return report;
      },
      noMasquerade: (cidrs, verify) => destinations.update(index, cidrs, verify),
      forwarding: (families) => families.forEach((f) => ensureSysctl(FORWARDING[f], '1')),
      writeFiles: (input) => writeFiles(o.config, input),
      publish: (self, info) => o.publisher.sync(self, info),
    };
  };
}
