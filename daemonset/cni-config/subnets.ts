import { canonicalNetwork, formatCidr, parseCidr, type Cidr } from '../../ipam/net/cidr';

/** A value the agent was about to write into a CNI file that the plugin would refuse; `field` names it. */
export class CniFileError extends Error {
  constructor(readonly field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'CniFileError';
  }
}

/**
 * The node's subnets for one network as the conflist and the readiness file write them: each
 * in its network form ("10.244.1.0/24"), IPv4 first, at most one per family; the same input
 * gives the same bytes, so the files are not rewritten on every reconcile.
 */
export function nodeSubnets(subnets: string[], field = 'subnets'): string[] {
  if (!subnets.length) throw new CniFileError(field, 'needs one IPv4 and/or one IPv6 subnet, got none');
  const parsed: Cidr[] = subnets.map((s, i) => {
    const c = parseCidr(s);
    if (!c) throw new CniFileError(`${field}[${i}]`, `${JSON.stringify(s)} is not a CIDR`);
    return canonicalNetwork(c);
  });
  if (parsed.length > 2 || (parsed.length === 2 && parsed[0].ip.family === parsed[1].ip.family)) {
    throw new CniFileError(field, `at most one subnet per family, got ${subnets.join(', ')}`);
  }
  return parsed.sort((a, b) => a.ip.family - b.ip.family).map(formatCidr);
}
