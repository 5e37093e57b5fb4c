// /healthz answers "is the reconcile loop still turning", not "does it succeed": the loop
// beats on every tick, failed or not, and a stalled loop (a hung exec, a deadlocked await)
// fails the probe so the kubelet restarts the agent. Creation counts as the first beat, so a
// loop that never ticks at all fails too, after the same grace.
export interface Probe {
  ok: boolean;
  detail: string;
}

export interface HeartbeatOptions {
  /** Milliseconds clock (default performance.now: immune to wall-clock jumps). */
  now?: () => number;
}

export class Heartbeat {
  private readonly now: () => number;
  private last: number;
  private beats = 0;

  constructor(opts: HeartbeatOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.last = this.now();
  }

  beat(): void {
    this.last = this.now();
    this.beats += 1;
  }

  /** Fails once the last beat (or the start, before any) is more than `maxAgeMs` old. */
  probe(maxAgeMs: number): Probe {
    const age = this.now() - this.last;
    const since = this.beats ? `last reconcile tick ${seconds(age)} ago` : `no reconcile tick since start ${seconds(age)} ago`;
    if (age > maxAgeMs) return { ok: false, detail: `reconcile loop stalled: ${since} (limit ${seconds(maxAgeMs)})` };
    return { ok: true, detail: since };
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
