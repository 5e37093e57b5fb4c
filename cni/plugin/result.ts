import type { CniInterface, IpConfig, Result, Route } from '../core/result';

export interface PodResultParts {
  prev?: Result;
  bridge: CniInterface;
  hostVeth: CniInterface;
  pod: CniInterface;
  ipam: Result;
  routes: Route[];
  dns?: Result['dns'];
}

/** Our interfaces appended to any earlier plugin's, with the IPs pointing at the pod interface. */
export function buildResult(p: PodResultParts): Result {
  const prevInterfaces = p.prev?.interfaces ?? [];
  const podIndex = prevInterfaces.length + 2;
  const ips: IpConfig[] = (p.ipam.ips ?? []).map((ip) => ({ ...ip, interface: podIndex }));
  const result: Result = {
    interfaces: [...prevInterfaces, p.bridge, p.hostVeth, p.pod],
    ips: [...(p.prev?.ips ?? []), ...ips],
    routes: [...(p.prev?.routes ?? []), ...p.routes],
  };
  const dns = { ...p.prev?.dns, ...p.ipam.dns, ...p.dns };
  if (Object.keys(dns).length) result.dns = dns;
  return result;
}

/** Routes for the pod: IPAM's (a missing gw means that family's gateway), plus defaults when isDefaultGateway. */
export function podRoutes(ips: IpConfig[], ipamRoutes: Route[], isDefaultGateway: boolean): Route[] {
  const gatewayFor = (family: 4 | 6) => ips.find((ip) => ip.address.includes(':') === (family === 6))?.gateway;
  const routes = ipamRoutes.map((r) => {
    const gw = r.gw ?? gatewayFor(r.dst.includes(':') ? 6 : 4);
    return gw ? { ...r, gw } : { ...r };
  });
  if (!isDefaultGateway) return routes;
  for (const [family, dst] of [[4, '0.0.0.0/0'], [6, '::/0']] as const) {
    const gw = gatewayFor(family);
    if (gw && !routes.some((r) => r.dst === dst)) routes.push({ dst, gw });
  }
  return routes;
}
