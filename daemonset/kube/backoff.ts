// Capped exponential backoff with jitter, for reconnecting to the API server: thousands of
// agents losing the same server must not come back in step. The delay starts over once no
// failure happened for `resetAfterMs` (client-go's reflector does the same), so a watch that
// worked for a while retries quickly, and one that fails right after connecting slows down.
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  resetAfterMs?: number;
  random?: () => number;
  now?: () => number;
}

export class Backoff {
  private attempt = 0;
  private lastFailure = -Infinity;
  private readonly opts: Required<BackoffOptions>;

  constructor(opts: BackoffOptions = {}) {
    this.opts = { initialMs: 500, maxMs: 30_000, factor: 2, resetAfterMs: 60_000, random: Math.random, now: Date.now, ...opts };
  }

  /** The delay before the next attempt: half of the capped exponential plus up to the other half. */
  next(): number {
    const now = this.opts.now();
    if (now - this.lastFailure > this.opts.resetAfterMs) this.attempt = 0;
    this.lastFailure = now;
    const base = Math.min(this.opts.maxMs, this.opts.initialMs * this.opts.factor ** this.attempt);
    this.attempt++;
    return Math.round(base / 2 + (this.opts.random() * base) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Waits `ms`, or less when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
