// Knobs, from the environment. The defaults keep `make bench` near two minutes on a 2-core machine.

/** The positive integer in environment variable `name`, or `fallback` when unset or empty. */
export function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${raw}: want a positive integer`);
  return n;
}

export function loadSettings() {
  return {
    /** Timed calls per plugin and per series (ADD latency, DEL latency, ...). */
    samples: positiveInt('BENCH_SAMPLES', 200),
    /** Untimed calls per plugin before each series (page cache, dentry cache). */
    warmup: positiveInt('BENCH_WARMUP', 5),
    /** Existing allocations for the "full store" series. */
    allocations: positiveInt('BENCH_ALLOCATIONS', 10000),
    /** Processes launched at once in the concurrency series. */
    concurrency: positiveInt('BENCH_CONCURRENCY', 50),
    /** Repetitions of the concurrency series (the median is reported). */
    repeats: positiveInt('BENCH_REPEATS', 5),
    /** Comma-separated module names to run (default: all). */
    only: (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  };
}

/** 10000 → "10k", 1500 → "1.5k", 200 → "200". */
export function countLabel(n) {
  return n >= 1000 ? `${+(n / 1000).toFixed(1)}k` : String(n);
}
