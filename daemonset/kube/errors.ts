// Errors of the agent's Kubernetes side, with typed fields so callers decide by field, not by
// parsing messages: an API answer (HTTP status + Status reason), a transport failure (no answer:
// refused, reset, timed out), and the subnet pool running dry.

/** The API server answered with a failure (HTTP status >= 400, or a watch ERROR event). */
export class KubeApiError extends Error {
  readonly status: number;
  /** metav1.Status reason: AlreadyExists, Conflict, NotFound, Expired, Gone, ... */
  readonly reason: string;
  readonly verb: string;
  readonly path: string;
  readonly retryAfterSeconds: number | undefined;

  constructor(opts: { status: number; reason?: string; message?: string; verb: string; path: string; retryAfterSeconds?: number }) {
    super(`${opts.verb} ${opts.path}: ${opts.status} ${opts.reason ?? ''}${opts.message ? `: ${opts.message}` : ''}`);
    this.name = 'KubeApiError';
    this.status = opts.status;
    this.reason = opts.reason ?? '';
    this.verb = opts.verb;
    this.path = opts.path;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

/** No answer from the API server: connection refused or dropped, TLS failure, timeout. */
export class KubeTransportError extends Error {
  readonly verb: string;
  readonly path: string;
  readonly timedOut: boolean;

  constructor(opts: { verb: string; path: string; cause: unknown; timedOut?: boolean }) {
    const why = opts.timedOut ? 'timed out' : describeCause(opts.cause);
    super(`${opts.verb} ${opts.path}: ${why}`, { cause: opts.cause });
    this.name = 'KubeTransportError';
    this.verb = opts.verb;
    this.path = opts.path;
    this.timedOut = opts.timedOut ?? false;
  }
}

function describeCause(cause: unknown): string {
  const err = cause as { message?: string; cause?: { code?: string; message?: string } } | undefined;
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(cause);
}

/** Every subnet of a cluster CIDR is claimed by a live node. */
export class SubnetPoolExhaustedError extends Error {
  readonly clusterCidr: string;
  readonly nodePrefixLength: number;
  readonly poolSize: bigint;

  constructor(opts: { clusterCidr: string; nodePrefixLength: number; poolSize: bigint }) {
    super(`no free /${opts.nodePrefixLength} subnet left in cluster CIDR ${opts.clusterCidr}: all ${opts.poolSize} are claimed by live nodes`);
    this.name = 'SubnetPoolExhaustedError';
    this.clusterCidr = opts.clusterCidr;
    this.nodePrefixLength = opts.nodePrefixLength;
    this.poolSize = opts.poolSize;
  }
}

/** The node has no pod subnet for a family yet and the agent may not allocate one itself. */
export class NodeSubnetUnavailableError extends Error {
  readonly node: string;

  constructor(opts: { node: string; detail: string }) {
    super(`node ${opts.node}: ${opts.detail}`);
    this.name = 'NodeSubnetUnavailableError';
    this.node = opts.node;
  }
}

export const isApiError = (err: unknown, status?: number): err is KubeApiError =>
  err instanceof KubeApiError && (status === undefined || err.status === status);

/** 410 Gone / Expired: the resourceVersion left the watch window; only a relist recovers. */
export const isExpired = (err: unknown): boolean => isApiError(err, 410);

/** No usable API credentials: neither KUBECONFIG nor an in-cluster service account. */
export class KubeConfigError extends Error {
  /** The environment variable or file at fault. */
  readonly source: string;

  constructor(opts: { source: string; detail: string }) {
    super(`${opts.source}: ${opts.detail}`);
    this.name = 'KubeConfigError';
    this.source = opts.source;
  }
}

/** A cluster CIDR setting that cannot be a subnet pool; `field` names the setting. */
export class SubnetConfigError extends Error {
  readonly field: string;

  constructor(opts: { field: string; detail: string }) {
    super(`${opts.field}: ${opts.detail}`);
    this.name = 'SubnetConfigError';
    this.field = opts.field;
  }
}
