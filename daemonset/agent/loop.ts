// Runs the reconciler in two lanes: events' passes one at a time, and full passes one at a
// time, each lane coalescing requests that arrive while it runs into one more pass. The lanes
// run side by side: a full pass lets events' passes in while it reads the kernel (the controller
// serializes the writes), so an event never waits a whole 5,000-peer pass. A full pass every
// period (the timer is what heals manual damage and missed events), and after a failure a full
// retry with capped exponential backoff, never a crash. The timer's full pass is still held
// while events keep coming (until `quietMs` without one, at most one period): its reading and
// planning share the process's one thread with the events' passes.
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

/** One lane: the pass asked for next (`eventAt`: the earliest event it covers) and the one running. */
interface Lane {
  full: boolean;
  pending?: { eventAt?: number };
  running?: Promise<void>;
}

const earliest = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

export class ReconcileLoop {
  private readonly events: Lane = { full: false };
  private readonly fulls: Lane = { full: true };
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
    const lane = o.full ? this.fulls : this.events;
    lane.pending = { eventAt: earliest(lane.pending?.eventAt, o.eventAt) };
    lane.running ??= this.drain(lane);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    clearTimeout(this.hold);
    await Promise.all([this.events.running, this.fulls.running]);
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

  private async drain(lane: Lane): Promise<void> {
    while (lane.pending && !this.stopped) {
      const { eventAt } = lane.pending;
      lane.pending = undefined;
      await this.pass({ full: lane.full, eventAt });
    }
    lane.running = undefined;
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
