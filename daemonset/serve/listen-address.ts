// The `listen` setting: "HOST:PORT", an IPv6 host in brackets ("[::1]:9765"), port 0 for any
// free port. An empty host (":9765") listens on every address, as Kubernetes components read it.
import { parseListen as splitListen } from '../config/listen';

export interface ListenAddress {
  /** Undefined: every address (Node then binds "::", dual-stack, or "0.0.0.0"). */
  host?: string;
  port: number;
}

/** The setting as the server binds it (port 0 allowed: tests ask for any free port); the shape is the config's. */
export function parseListen(listen: string): ListenAddress {
  const split = splitListen(listen);
  if (!split || split.port > 65535) {
    throw new Error(`listen: "${listen}" is not HOST:PORT ("127.0.0.1:9765", "[::1]:9765", port 0..65535)`);
  }
  return split.host ? split : { port: split.port };
}

/** "127.0.0.1:9765" / "[::1]:9765", for messages. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
