// One HTTP(S) exchange with the API server on node:http/node:https, and what each request
// carries from the KubeConfig. client-node's applyToHTTPSOptions fills the credentials
// (Authorization from a token, token file or exec plugin, impersonation, basic auth) and the
// TLS material (CA, client certificate and key, read again per request, so rotated files are
// picked up; skipTLSVerify; tlsServerName). Connections: one keep-alive agent per scheme (it
// pools sockets per TLS material, so rotated certificates get fresh connections), except
// behind a kubeconfig proxy-url, where client-node's proxy agent is used as it made it.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';

/** Where and how to send: the server's base URL, headers, TLS material, agent. */
export interface Connection {
  server: string;
  headers: Record<string, string>;
  options: RequestOptions;
}

const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) } as const;

/** The current cluster's connection, credentials applied now (tokens may have rotated). */
export async function connectionFor(kc: KubeConfig): Promise<Connection> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const { headers, agent, ...tls } = opts;
  const scheme = cluster.server.startsWith('http:') ? 'http:' : 'https:';
  return {
    server: cluster.server.replace(/\/+$/, ''),
    headers: stringHeaders(headers),
    options: { ...tls, agent: cluster.proxyUrl ? agent : agents[scheme] },
  };
}

function stringHeaders(headers: OutgoingHttpHeaders | readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers || Array.isArray(headers)) return out;
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = String(v);
  return out;
}

export interface OutgoingRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  options: RequestOptions;
}

/** Resolves with the answer's head (its body still to read); rejects on a transport failure or abort. */
export function sendRequest(r: OutgoingRequest): Promise<IncomingMessage> {
  const send = r.url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(r.url, { ...r.options, method: r.method, headers: r.headers, signal: r.signal });
    req.once('response', resolve);
    // `on`, not `once`: a second error (abort after a reset) must not go unhandled
    req.on('error', reject);
    req.end(r.body);
  });
}
