// A ping running in the background (e.g. across an agent's kill -9 and restart): `ping -i`
// until stopped with SIGINT, then its own summary says how many replies came back.
import { inNs, PATH } from './exec';
import { nsOf, type Pod } from './pods';
import { ManagedProcess } from './process';

export interface PingSummary {
  transmitted: number;
  received: number;
  lost: number;
  /**
   * icmp_seq numbers that got no reply although a later one did: packets really lost, unlike
   * `lost`, which also counts the request in flight when SIGINT came.
   */
  missing: number[];
}

/** The sequence numbers below the highest replied one that never got a reply. */
export function missingReplies(lines: string[]): number[] {
  const seqs = new Set(lines.map((l) => / bytes from .*icmp_seq=(\d+)/.exec(l)?.[1]).filter(Boolean).map(Number));
  const last = Math.max(0, ...seqs);
  return Array.from({ length: last }, (_, k) => k + 1).filter((n) => !seqs.has(n));
}

export class PingLoop {
  readonly process: ManagedProcess;

  constructor(o: { from: Pod | string; to: string; intervalMs?: number }) {
    const interval = ((o.intervalMs ?? 100) / 1000).toFixed(3);
    this.process = new ManagedProcess(`ping ${o.to}`, inNs(nsOf(o.from), ['ping', '-n', '-i', interval, '-W', '1', o.to]), { env: { PATH } });
  }

  /** Replies so far (lines "… bytes from …"). */
  get replies(): number {
    return this.process.lines.filter((l) => / bytes from /.test(l.line)).length;
  }

  /** SIGINT (ping prints its summary), and the counts from that summary. */
  async stop(): Promise<PingSummary> {
    await this.process.stop('SIGINT', 3000);
    const summary = this.process.lines.map((l) => /(\d+) packets transmitted, (\d+) received/.exec(l.line)).find(Boolean);
    if (!summary) throw new Error(`ping printed no summary:\n${this.process.output()}`);
    const transmitted = Number(summary[1]);
    const received = Number(summary[2]);
    return { transmitted, received, lost: transmitted - received, missing: missingReplies(this.process.lines.map((l) => l.line)) };
  }
}
