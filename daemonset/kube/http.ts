// Raw JSON over client-node's KubeConfig: its authentication (tokens, token files, exec
// plugins, client certificates, proxies) and its fetch, without its model (de)serializers.
// Why raw: the agent keeps a slice of each Node, and client-node's deserializer turns a
// 5,000-node list into full model objects first (seconds of CPU and the whole list's models
// in memory at once); JSON.parse of a page, then slimming, is several times cheaper.
import * as k8s from '@kubernetes/client-node';
import { KubeApiError, KubeTransportError } from './errors';

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

export class KubeHttp {
  private readonly library = new k8s.IsomorphicFetchHttpLibrary();
  private readonly requestTimeoutMs: number;
  private readonly userAgent: string;

  constructor(
    readonly kubeConfig: k8s.KubeConfig,
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
      const text = await res.body.text();
      if (res.httpStatusCode >= 400) throw apiErrorFrom(req, res.httpStatusCode, text);
      return JSON.parse(text) as T;
    } catch (err) {
      if (err instanceof KubeApiError) throw err;
      throw new KubeTransportError({ verb: req.method, path: req.path, cause: err, timedOut: timeout.aborted });
    }
  }

  /** Starts a request whose body the caller streams (watches). Failures are transport errors. */
  async open(req: KubeRequest, signal: AbortSignal): Promise<k8s.ResponseContext> {
    try {
      return await this.send(req, signal);
    } catch (err) {
      throw new KubeTransportError({ verb: req.method, path: req.path, cause: err });
    }
  }

  private async send(req: KubeRequest, signal: AbortSignal): Promise<k8s.ResponseContext> {
    const ctx = await this.context(req);
    ctx.setSignal(signal);
    return this.library.send(ctx).toPromise();
  }

  private async context(req: KubeRequest): Promise<k8s.RequestContext> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const ctx = new k8s.RequestContext(url.toString(), req.method);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    ctx.setHeaderParam('Accept', 'application/json');
    ctx.setHeaderParam('User-Agent', this.userAgent);
    if (req.body !== undefined) {
      ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(req.body));
    }
    return ctx;
  }
}
