/**
 * add/check/del's arguments as a runtime would hand them over (pure): --ports as Docker writes
 * them, the netns as a name under /run/netns or a path, a container ID derived from the netns
 * when none is given (as cnitool does), CNI_ARGS with the pod's namespace/name and addresses.
 */
import { fnv64 } from '../../plugin/names';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIP?: string;
}

export class UsageError extends Error {}

const PORT = /^(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(\d+):(\d+)(?:\/(tcp|udp))?$/;

function portNumber(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--ports: ${what} ${text} is not a port (1-65535)`);
  return n;
}

/** "8080:80/tcp", "127.0.0.1:8080:80/udp", "[::1]:8080:80"; several separated by commas. */
export function parsePorts(specs: string[]): PortMapping[] {
  return specs.flatMap((s) => s.split(',')).filter(Boolean).map((spec) => {
    const m = PORT.exec(spec);
    if (!m) throw new UsageError(`--ports: "${spec}" is not [hostIP:]hostPort:containerPort[/tcp|udp]`);
    const mapping: PortMapping = { hostPort: portNumber(m[2], 'host port'), containerPort: portNumber(m[3], 'container port'), protocol: (m[4] ?? 'tcp') as 'tcp' | 'udp' };
    if (m[1]) mapping.hostIP = m[1].replace(/^\[|\]$/g, '');
    return mapping;
  });
}

/** A name ("web") is /run/netns/web, as `ip netns` names it; a path is used as given. */
export function netnsPath(netns: string): string {
  return netns.includes('/') ? netns : `/run/netns/${netns}`;
}

/** Stable per namespace, so check and del find what add made without a --container-id. */
export function defaultContainerId(netns: string): string {
  return `twillctl-${fnv64(netnsPath(netns))}`;
}

export interface ArgsInput {
  pod?: string;
  ips: string[];
  extra?: string;
}

/** CNI_ARGS: IgnoreUnknown=1, the pod's K8S_POD_NAMESPACE/K8S_POD_NAME, IP=…, then --args verbatim. */
export function cniArgs(o: ArgsInput): string {
  const parts = ['IgnoreUnknown=1'];
  if (o.pod) {
    const [ns, name] = o.pod.includes('/') ? o.pod.split('/', 2) : ['default', o.pod];
    if (!ns || !name) throw new UsageError(`--pod: "${o.pod}" is not NAMESPACE/NAME`);
    parts.push(`K8S_POD_NAMESPACE=${ns}`, `K8S_POD_NAME=${name}`);
  }
  if (o.ips.length) parts.push(`IP=${o.ips.join(',')}`);
  if (o.extra) parts.push(o.extra);
  return parts.join(';');
}

/** A whole number of seconds, 0 or more (an option's value). */
export function parseSeconds(option: string, text: unknown): number {
  if (typeof text !== 'string' || !/^\d+$/.test(text)) throw new UsageError(`${option}: not a number of seconds: ${JSON.stringify(text)}`);
  return Number(text);
}
