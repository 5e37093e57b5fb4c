// Runs the reconciler: at most one pass at a time, requests arriving meanwhile coalesced into
// one more pass; a full pass every period (the timer is what heals manual damage and missed
// events), and after a failure a full retry with capped exponential backoff, never a crash.
// The timer's full pass is held while events keep coming (until `quietMs` without one, at most
// one period): merged with an event, a 5,000-peer full pass would make that event, and every
// event behind it, wait for it.
import { Backoff, type BackoffOptions } from '../kube/backoff';
import { errorMessage, type Logger } from '../kube/log';

export interface LoopOptions {
  reconcile(full: boolean): Promise<unknown>;
  periodMs: number;
  logger: Logger;
  backoff?: BackoffOptions;
  /** How long without an event before a due timer pass runs (default 1 s, at most the period). */
  quietMs?: number;
  /** A pass ended (either way): the liveness heartbeat. */
  onPass?(o: { ok: boolean; full: boolean }): void;
  /** Seconds from the earliest event a pass covered to the end of that pass. */
  onEventProgrammed?(seconds: number): void;
}

export class ReconcileLoop {
  private pending: { full: boolean; eventAt?: number } | undefined;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** When the timer's full pass fell due, while it is held. */
  private fullDueAt: number | undefined;
  private hold: NodeJS.Timeout | undefined;
  private lastEventAt = -Infinity;
  private stopped = false;
  private readonly backoff: Backoff;

  constructor(private readonly opts: LoopOptions) {
    this.backoff = new Backoff(opts.backoff ?? { initialMs: 500, maxMs: opts.periodMs });
  }

  start(): void {
    this.timer = setInterval(() => {
      this.fullDueAt ??= performance.now();
      this.releaseHeld();
    }, this.opts.periodMs);
    this.trigger({ full: true });
  }

  /** Asks for a pass; `eventAt` (performance.now()) when an API event caused it. */
  trigger(o: { full?: boolean; eventAt?: number } = {}): void {
    if (this.stopped) return;
    if (o.eventAt !== undefined) this.lastEventAt = Math.max(this.lastEventAt, o.eventAt);
    const p = this.pending;
    const eventAt = p?.eventAt === undefined ? o.eventAt : o.eventAt === undefined ? p.eventAt : Math.min(p.eventAt, o.eventAt);
    this.pending = { full: (p?.full ?? false) || (o.full ?? false), eventAt };
    this.running ??= this.drain();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    clearTimeout(this.hold);
    await this.running;
  }

  /** Runs the held timer pass once events went quiet, or when it has waited a whole period. */
  private releaseHeld(): void {
    clearTimeout(this.hold);
    if (this.fullDueAt === undefined || this.stopped) return;
    const now = performance.now();
    const quietAt = this.lastEventAt + Math.min(this.opts.quietMs ?? 1000, this.opts.periodMs);
    const deadline = this.fullDueAt + this.opts.periodMs;
    if (now < quietAt && now < deadline) {
      this.hold = setTimeout(() => this.releaseHeld(), Math.min(quietAt, deadline) - now);
      return;
    }
    this.fullDueAt = undefined;
    this.trigger({ full: true });
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.stopped) {
      const request = this.pending;
      this.pending = undefined;
      await this.pass(request);
    }
    this.running = undefined;
  }

  private async pass(request: { full: boolean; eventAt?: number }): Promise<void> {
    try {
      await this.opts.reconcile(request.full);
      this.backoff.reset();
      if (request.eventAt !== undefined) this.opts.onEventProgrammed?.((performance.now() - request.eventAt) / 1000);
      this.opts.onPass?.({ ok: true, full: request.full });
    } catch (err) {
      const delay = this.backoff.next();
      this.opts.logger.error('reconcile failed', { full: request.full, error: errorMessage(err), retryInMs: Math.round(delay) });
      this.opts.onPass?.({ ok: false, full: request.full });
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.trigger({ full: true, eventAt: request.eventAt }), delay);
    }
  }
}
