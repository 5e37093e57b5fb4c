// Small statistics over latency samples (milliseconds). Percentiles use the nearest-rank
// method: p99 of 200 samples is the 198th smallest, a value that really occurred.

/** The nearest-rank percentile `p` (0–100) of `samples`. */
export function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export function median(samples) {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(samples) {
  return samples.length ? samples.reduce((s, x) => s + x, 0) / samples.length : NaN;
}

/** The usual figures of one series. */
export function summarize(samples) {
  return {
    n: samples.length,
    min: Math.min(...samples),
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: Math.max(...samples),
    mean: mean(samples),
  };
}

/** subject / reference; below 1 means the subject is faster. */
export function ratio(subject, reference) {
  return reference > 0 ? subject / reference : NaN;
}
