// Failure injection for tests: make chosen requests slow, fail with a status, hang without an
// answer, or lose their connection, for a number of times or until removed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failure, type Status } from './errors';
import { sendStatus } from './respond';
import type { RequestInfo, Verb } from './router';

export interface FaultMatch {
  verb?: Verb | Verb[];
  /** "nodes", "nodes/status", "leases"… */
  resource?: string;
  name?: string;
  namespace?: string;
}

export type FaultAction =
  | { delayMs: number }
  | { status: number; message?: string; retryAfterSeconds?: number }
  | { hang: true }
  | { drop: true };

export type Fault = FaultMatch & FaultAction & { times?: number };

interface Armed {
  fault: Fault;
  left: number;
}

const REASONS: Record<number, string> = {
  429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout', 409: 'Conflict', 403: 'Forbidden',
};

function matches(f: FaultMatch, info: RequestInfo): boolean {
  if (info.type !== 'resource') return !f.verb && !f.resource && !f.name && !f.namespace;
  const resource = info.subresource ? `${info.def.plural}/${info.subresource}` : info.def.plural;
  const verbs = f.verb === undefined ? undefined : Array.isArray(f.verb) ? f.verb : [f.verb];
  return (!verbs || verbs.includes(info.verb)) && (!f.resource || f.resource === resource) && (!f.name || f.name === info.name) && (!f.namespace || f.namespace === info.namespace);
}

function statusFor(f: { status: number; message?: string; retryAfterSeconds?: number }): Status {
  const details = f.retryAfterSeconds ? { retryAfterSeconds: f.retryAfterSeconds } : undefined;
  return failure(f.status, REASONS[f.status] ?? 'InternalError', f.message ?? `injected failure (${f.status})`, details);
}

export class Faults {
  private armed: Armed[] = [];
  private readonly hanging = new Set<ServerResponse>();

  /** Arms a fault; the returned function disarms it. */
  inject(fault: Fault): () => void {
    const entry = { fault, left: fault.times ?? Infinity };
    this.armed.push(entry);
    return () => {
      this.armed = this.armed.filter((a) => a !== entry);
    };
  }

  /** Disarms everything and drops the connections of hanging requests. */
  clear(): void {
    this.armed = [];
    this.releaseHanging();
  }

  /** Drops the connections of hanging requests (a stopping server does); armed faults stay. */
  releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  /** Applies the first matching fault; true when the request was answered (or dropped) here. */
  async apply(info: RequestInfo, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const entry = this.armed.find((a) => a.left > 0 && matches(a.fault, info));
    if (!entry) return false;
    if (--entry.left <= 0) this.armed = this.armed.filter((a) => a !== entry);
    const f = entry.fault;
    if ('delayMs' in f) {
      await new Promise((resolve) => setTimeout(resolve, f.delayMs));
      return req.destroyed;
    }
    if ('status' in f) sendStatus(res, statusFor(f));
    else if ('drop' in f) req.socket.destroy();
    else {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
    }
    return true;
  }
}
