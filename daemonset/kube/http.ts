// Raw JSON over node:https, with the credentials of client-node's KubeConfig (tokens, token
// files, exec plugins, client certificates, CA, TLS server name, proxies).
// Why raw JSON: the agent keeps a slice of each Node, and client-node's deserializer turns a
// 5,000-node list into full model objects first (seconds of CPU and the whole list's models
// in memory at once); JSON.parse of a page, then slimming, is several times cheaper.
// Why node:https and not client-node's fetch (undici): undici was two thirds of the agent's
// bundle, its own heap and a connection pool per KubeConfig; the agent makes a handful of
// requests a minute and one long watch, which node:https serves from one keep-alive agent.
import type { IncomingMessage } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { KubeApiError, KubeTransportError } from './errors';
import { connectionFor, sendRequest } from './transport';

export type Query = Record<string, string | number | boolean | undefined>;

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Absolute API path, e.g. /api/v1/nodes. */
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

export interface KubeHttpOptions {
  /** Limit for one request and its answer (not for watches). */
  requestTimeoutMs?: number;
  userAgent?: string;
}

interface StatusBody {
  kind?: string;
  reason?: string;
  message?: string;
  code?: number;
  details?: { retryAfterSeconds?: number };
}

/** A KubeApiError from a failed answer's body (a metav1.Status, or whatever the proxy sent). */
export function apiErrorFrom(req: Pick<KubeRequest, 'method' | 'path'>, status: number, text: string): KubeApiError {
  let body: StatusBody = {};
  try {
    body = JSON.parse(text) as StatusBody;
  } catch {
    body = { message: text.slice(0, 200) };
  }
  return new KubeApiError({ status, reason: body.reason, message: body.message, verb: req.method, path: req.path, retryAfterSeconds: body.details?.retryAfterSeconds });
}

/** A whole answer's body as text (answers are small: one page, one object). */
export async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class KubeHttp {
  private readonly requestTimeoutMs: number;
  private readonly userAgent: string;

  constructor(
    readonly kubeConfig: KubeConfig,
    opts: KubeHttpOptions = {},
  ) {
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.userAgent = opts.userAgent ?? 'twilld';
  }

  /** One request; the answer's JSON, or a KubeApiError / KubeTransportError. */
  async json<T>(req: KubeRequest): Promise<T> {
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    try {
      const res = await this.send(req, signal);
      const text = await readText(res);
      if ((res.statusCode ?? 0) >= 400) throw apiErrorFrom(req, res.statusCode ?? 0, text);
      return JSON.parse(text) as T;
    } catch (err) {
      if (err instanceof KubeApiError) throw err;
      throw new KubeTransportError({ verb: req.method, path: req.path, cause: err, timedOut: timeout.aborted });
    }
  }

  /** Starts a request whose body the caller streams (watches). Failures are transport errors. */
  async open(req: KubeRequest, signal: AbortSignal): Promise<IncomingMessage> {
    try {
      return await this.send(req, signal);
    } catch (err) {
      throw new KubeTransportError({ verb: req.method, path: req.path, cause: err });
    }
  }

  private async send(req: KubeRequest, signal: AbortSignal): Promise<IncomingMessage> {
    const conn = await connectionFor(this.kubeConfig);
    const url = new URL(conn.server + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { ...conn.headers, Accept: 'application/json', 'User-Agent': this.userAgent };
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    if (body !== undefined) {
      // explicit: node:http sends a DELETE's body without a length otherwise (the server would read it as the next request)
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    return sendRequest({ url, method: req.method, headers, body, signal, options: conn.options });
  }
}
