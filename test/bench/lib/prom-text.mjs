// Just enough of the Prometheus text exposition format to read an agent's /metrics: samples
// with labels, and histograms folded into count, sum and cumulative buckets.

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** [{ name, labels, value }] for every sample line. */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map(([, k, v]) => [k, v]));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The samples of `name` whose labels include `match`. */
export function samplesOf(samples, name, match = {}) {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** Histogram `name` (series matching `match` summed): { count, sum, buckets: [{ le, count }] } or undefined. */
export function histogramOf(samples, name, match = {}) {
  const count = samplesOf(samples, `${name}_count`, match).reduce((a, s) => a + s.value, 0);
  if (!samplesOf(samples, `${name}_count`, match).length) return undefined;
  const sum = samplesOf(samples, `${name}_sum`, match).reduce((a, s) => a + s.value, 0);
  const byLe = new Map();
  for (const s of samplesOf(samples, `${name}_bucket`, match)) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  const buckets = [...byLe].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le);
  return { count, sum, buckets };
}

/** The smallest bucket bound holding quantile q (0–1) of the observations: an upper bound on it. */
export function bucketQuantile(h, q) {
  if (!h?.count) return NaN;
  const rank = Math.ceil(q * h.count);
  return h.buckets.find((b) => b.count >= rank)?.le ?? Infinity;
}

/** The observations made between two scrapes of one histogram: `after` minus `before`. */
export function histogramDelta(after, before) {
  if (!after) return undefined;
  if (!before) return after;
  const was = new Map(before.buckets.map((b) => [b.le, b.count]));
  return { count: after.count - before.count, sum: after.sum - before.sum, buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (was.get(b.le) ?? 0) })) };
}
