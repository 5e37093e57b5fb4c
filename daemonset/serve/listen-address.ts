// The `listen` setting: "HOST:PORT", an IPv6 host in brackets ("[::1]:9765"), port 0 for any
// free port. An empty host (":9765") listens on every address, as Kubernetes components read it.
export interface ListenAddress {
  /** Undefined: every address (Node then binds "::", dual-stack, or "0.0.0.0"). */
  host?: string;
  port: number;
}

export function parseListen(listen: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new Error(`listen: "${listen}" is not HOST:PORT ("127.0.0.1:9765", "[::1]:9765", port 0..65535)`);
  }
  const host = m[1] ?? m[2];
  return host ? { host, port } : { port };
}

/** "127.0.0.1:9765" / "[::1]:9765", for messages. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
