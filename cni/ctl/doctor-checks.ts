/**
 * doctor's checks (pure): each takes the facts the command gathered and says what is wrong and
 * how to fix it. A check that does not apply (no overlay, no nft) passes with a note.
 */
import { cidrContains, parseCidr } from '../../ipam/net/cidr';
import { parseIp } from '../../ipam/net/ip';
import type { BinaryInfo } from './read/binaries';
import { getsStatusAndGc, type ConfFile } from './read/conflists';
import { checkRules, type FirewallFacts } from './rules-check';

export interface Check {
  id: string;
  ok: boolean;
  detail: string;
  fix: string;
}

export interface NetworkFacts {
  conf: ConfFile;
  bridgeAddresses: string[] | null;
  /** Pod host veths on the bridge with their MTU. */
  vethMtus: Array<{ name: string; mtu: number }>;
  /** From the agent's peers file and the kernel, when the network has an overlay. */
  overlay?: { device: string; deviceMtu: number | null; underlayMtu: number; underlayFamily: 4 | 6; offload: boolean | undefined };
}

export interface DoctorFacts {
  ipForward: string | undefined;
  brNetfilter: string | undefined;
  version: string;
  binaries: BinaryInfo[];
  runtimes: string[];
  files: ConfFile[];
  networks: NetworkFacts[];
  /** twill's rules, from the backend the node uses. */
  firewall: FirewallFacts;
}

const pass = (id: string, detail: string): Check => ({ id, ok: true, detail, fix: '' });
const fail = (id: string, detail: string, fix: string): Check => ({ id, ok: false, detail, fix });

export function checkForwarding(f: DoctorFacts): Check {
  if (f.ipForward === '1') return pass('ip_forward', 'net.ipv4.ip_forward = 1');
  return fail('ip_forward', `net.ipv4.ip_forward = ${f.ipForward ?? 'unreadable'}: pods cannot reach beyond the node`, 'sysctl -w net.ipv4.ip_forward=1 (twilld sets it while it runs)');
}

export function checkBrNetfilter(f: DoctorFacts): Check {
  if (f.brNetfilter === '1') return pass('br_netfilter', 'bridged traffic crosses netfilter');
  const why = f.brNetfilter === undefined ? 'br_netfilter is not loaded' : 'net.bridge.bridge-nf-call-iptables = 0';
  return fail('br_netfilter', `${why}: Service traffic between pods on one bridge bypasses kube-proxy`, 'modprobe br_netfilter && sysctl -w net.bridge.bridge-nf-call-iptables=1');
}

export function checkBinaries(f: DoctorFacts): Check[] {
  const out = f.binaries.map((b) => {
    if (b.version === null) return fail(`binary ${b.name}`, `${b.path} is missing`, 'make install (or let the DaemonSet installer run)');
    if (b.version !== f.version) return fail(`binary ${b.name}`, `${b.path} is ${b.version}, twillctl is ${f.version}`, 'reinstall one release: make install copies every bundle and its runtime');
    return pass(`binary ${b.name}`, `${b.name} ${b.version}`);
  });
  if (!f.runtimes.length) out.push(fail('runtime', 'no twill runtime (twill-bun-*/twill-node-*) beside the bundles', 'install dist/ whole: make install'));
  return out;
}

export function checkConflistVersions(f: DoctorFacts): Check[] {
  return f.networks.map(({ conf }) =>
    getsStatusAndGc(conf.highest)
      ? pass(`conflist ${conf.network}`, `${conf.file}: up to ${conf.highest}, runtimes send STATUS and GC`)
      : fail(`conflist ${conf.network}`, `${conf.file}: cniVersion ${conf.cniVersion} (max ${conf.highest}): runtimes never send STATUS or GC, leaked addresses stay`, 'add "cniVersions": ["1.0.0", "1.1.0"] (twilld writes it so)'),
  );
}

/** A bridge address outside every subnet the conflist names: left from an earlier subnet (cni#306). */
export function checkBridgeAddresses(f: DoctorFacts): Check[] {
  return f.networks.flatMap(({ conf, bridgeAddresses }) => {
    if (bridgeAddresses === null) return [];
    const subnets = rangeSubnetsOf(conf).map(parseCidr).filter((c) => c !== undefined);
    const stale = bridgeAddresses.filter((a) => {
      const ip = parseIp(a.split('/')[0]);
      return ip && !subnets.some((s) => s.ip.family === ip.family && cidrContains(s, ip));
    });
    const bridge = conf.twill!.bridge;
    if (!stale.length) return [pass(`bridge ${bridge}`, `addresses match ${conf.network}'s subnets`)];
    return [fail(`bridge ${bridge}`, `${stale.join(', ')} on ${bridge} is in none of ${conf.network}'s subnets (a former subnet)`, stale.map((a) => `ip addr del ${a} dev ${bridge}`).join('; '))];
  });
}

export function rangeSubnetsOf(conf: ConfFile): string[] {
  const ranges = (conf.twill!.ipam.ranges ?? []) as Array<Array<{ subnet?: string }>>;
  const out = ranges.flat().map((r) => r.subnet).filter((s): s is string => typeof s === 'string');
  return out.length ? out : typeof conf.twill!.ipam.subnet === 'string' ? [conf.twill!.ipam.subnet] : [];
}

/** Another file first in the directory (the runtime's pod network), or a second file with our network's name. */
export function checkShadowing(f: DoctorFacts): Check[] {
  const valid = f.files.filter((x) => x.network);
  const first = valid[0];
  return f.networks.map(({ conf }) => {
    const twin = valid.find((x) => x !== conf && x.network === conf.network);
    if (twin) return fail(`shadow ${conf.network}`, `${twin.file} also defines network ${conf.network}`, `remove ${twin.file}`);
    const podNetwork = /(^|\/)10-[^/]*$/.test(conf.file);
    if (podNetwork && first && first !== conf && !first.twill) {
      return fail(`shadow ${conf.network}`, `${first.file} sorts before ${conf.file}: the runtime uses it as the pod network`, `remove or rename ${first.file} (a runtime takes the lexically first config)`);
    }
    return pass(`shadow ${conf.network}`, `${conf.file} is not shadowed`);
  });
}

export function checkMtu(f: DoctorFacts): Check[] {
  return f.networks.map(({ conf, vethMtus, overlay }) => {
    const podMtu = conf.twill!.mtu;
    const problems: string[] = [];
    if (overlay) {
      const max = overlay.underlayMtu - (overlay.underlayFamily === 6 ? 70 : 50);
      if (overlay.deviceMtu !== null && overlay.deviceMtu > max) problems.push(`${overlay.device} MTU ${overlay.deviceMtu} > underlay ${overlay.underlayMtu} − VXLAN overhead = ${max}`);
      if (podMtu !== undefined && podMtu > (overlay.deviceMtu ?? max)) problems.push(`conflist mtu ${podMtu} > ${overlay.device} MTU ${overlay.deviceMtu ?? max}`);
    }
    const odd = podMtu === undefined ? [] : vethMtus.filter((v) => v.mtu !== podMtu);
    if (odd.length) problems.push(`pod veths ${odd.map((v) => `${v.name} (${v.mtu})`).join(', ')} differ from the conflist's mtu ${podMtu}`);
    if (!problems.length) return pass(`mtu ${conf.network}`, overlay ? `pods ${podMtu ?? 'default'}, ${overlay.device} ${overlay.deviceMtu}, underlay ${overlay.underlayMtu}` : `pods ${podMtu ?? 'default'} (no overlay)`);
    return fail(`mtu ${conf.network}`, problems.join('; '), 'set the VXLAN MTU to underlay − 50 (IPv6: − 70) and the conflist mtu to it (twilld does both); recreate pods made with the old MTU');
  });
}

export function checkOffload(f: DoctorFacts): Check[] {
  return f.networks.flatMap(({ overlay }) => {
    if (!overlay || overlay.offload === undefined) return [];
    if (!overlay.offload) return [pass(`offload ${overlay.device}`, 'tx-checksum-ip-generic off')];
    return [fail(`offload ${overlay.device}`, 'tx-checksum-ip-generic on: the kernel VXLAN checksum bug stalls connections for 63 s (kubernetes#88986)', `ethtool -K ${overlay.device} tx-checksum-ip-generic off (twilld: checksumOffloadWorkaround: true)`)];
  });
}

export function runChecks(f: DoctorFacts): Check[] {
  return [
    checkForwarding(f), checkBrNetfilter(f), ...checkBinaries(f), ...checkConflistVersions(f), ...checkShadowing(f),
    ...checkBridgeAddresses(f), ...checkMtu(f), ...checkOffload(f), ...checkRules(f, (n) => rangeSubnetsOf(n.conf)),
  ];
}
