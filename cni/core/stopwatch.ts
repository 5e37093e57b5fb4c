/** Step timings for the debug log: where an ADD's milliseconds go, on the node that spent them. */
export interface Stopwatch {
  /** Records the time since the previous lap under `step`. */
  lap(step: string): void;
  /** "ipam 3.1 ms, host 2.2 ms, …, total 9.8 ms" */
  summary(): string;
}

export function startStopwatch(): Stopwatch {
  const start = process.hrtime.bigint();
  let last = start;
  const laps: string[] = [];
  const ms = (from: bigint, to: bigint) => `${(Number(to - from) / 1e6).toFixed(1)} ms`;
  return {
    lap(step) {
      const now = process.hrtime.bigint();
      laps.push(`${step} ${ms(last, now)}`);
      last = now;
    },
    summary: () => [...laps, `total ${ms(start, process.hrtime.bigint())}`].join(', '),
  };
}
