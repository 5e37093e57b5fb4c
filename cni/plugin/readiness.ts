/**
 * The readiness gate (pure). twilld writes `<runDir>/ready-<network>.json` once this node's
 * subnet, conflist and overlay are in place, and names the file in the conflist's `readiness`
 * key. Until the file exists and names the same subnets as the conflist's ipam ranges, the
 * node cannot carry pod traffic for the network (no subnet claimed yet, or the conflist was
 * rewritten for a new subnet and the overlay not yet), so STATUS answers 50 and ADD 11 (try
 * again later) before it touches anything. DEL, CHECK and GC never look at it.
 */
import type { ReadinessRead } from '../host/readiness-file';
import { canonicalNetwork, formatCidr, parseCidr } from '../../ipam/net/cidr';

/** The readiness file's JSON, as the agent writes it (daemonset/cni-config/readiness.ts). */
export interface ReadinessFile {
  network: string;
  /** The node's subnets for the network, IPv4 first. */
  subnets: string[];
  mtu: number;
  agentVersion?: string;
}

export interface ReadinessInput {
  /** The network's name (the conflist's `name`). */
  network: string;
  /** The conflist's `readiness` path. */
  path: string;
  read: ReadinessRead;
  /** The subnets of the conflist's ipam ranges, as written there. */
  rangeSubnets: string[];
}

/** One spelling per network ("10.1.2.0/24", not "10.1.2.7/24"); what is not a CIDR stays as written. */
function canonical(subnet: string): string {
  const c = parseCidr(subnet);
  return c ? formatCidr(canonicalNetwork(c)) : subnet;
}

function sameSet(a: string[], b: string[]): boolean {
  const x = [...new Set(a.map(canonical))].sort();
  const y = [...new Set(b.map(canonical))].sort();
  return x.length === y.length && x.every((s, i) => s === y[i]);
}

/** Why the file's text is no readiness file for `network`, or its subnets. */
function parseReadiness(text: string, network: string): { subnets: string[] } | { garbled: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { garbled: 'not JSON' };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { garbled: 'not a JSON object' };
  const { network: named, subnets } = doc as Partial<Record<keyof ReadinessFile, unknown>>;
  if (named !== network) return { garbled: `written for network ${JSON.stringify(named)}` };
  if (!Array.isArray(subnets) || !subnets.length || !subnets.every((s) => typeof s === 'string' && parseCidr(s))) {
    return { garbled: 'subnets: not a list of CIDRs' };
  }
  return { subnets: subnets as string[] };
}

/** Why the node is not ready for the network, or undefined when it is. */
export function readinessProblem({ network, path, read, rangeSubnets }: ReadinessInput): string | undefined {
  const notSetUp = (why: string) => `network ${network} is not ready: twilld has not set up this node yet (${path} ${why})`;
  if (read.error !== undefined) return notSetUp(read.error === 'ENOENT' ? 'missing' : `unreadable: ${read.error}`);
  const parsed = parseReadiness(read.text, network);
  if ('garbled' in parsed) return notSetUp(`garbled: ${parsed.garbled}`);
  if (sameSet(parsed.subnets, rangeSubnets)) return undefined;
  return `network ${network} is not ready: twilld set this node up for ${parsed.subnets.join(', ')} (${path}) but ipam.ranges holds ${rangeSubnets.join(', ') || 'no subnet'}`;
}

/** The subnets of a network configuration's ipam section: every range's, else the older single `subnet`. */
export function rangeSubnets(ipam: unknown): string[] {
  const { ranges, subnet } = (ipam ?? {}) as { ranges?: unknown; subnet?: unknown };
  const out: string[] = [];
  if (Array.isArray(ranges)) {
    for (const set of ranges) {
      if (!Array.isArray(set)) continue;
      for (const r of set) if (typeof (r as { subnet?: unknown })?.subnet === 'string') out.push((r as { subnet: string }).subnet);
    }
  }
  if (!out.length && typeof subnet === 'string') out.push(subnet);
  return out;
}
