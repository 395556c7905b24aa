// Figures over lists of numbers for the soak's checks and report (tests/soak/checks.js,
// tests/soak/report.js, tests/soak/accounting.js); the benchmarks' `median` too
// (bench/run.js, bench/connect.js, bench/tabs.js).

export const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
export const quantile = (xs, p) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)];
};
export const stats = (xs) => ({ n: xs.length, min: quantile(xs, 0.0001), median: median(xs), p95: quantile(xs, 0.95), max: quantile(xs, 1) });

/** Least-squares slope of `key` over time (per second). */
export function slope(xs, key) {
  if (xs.length < 2) return 0;
  const mt = xs.reduce((a, x) => a + x.t, 0) / xs.length;
  const mv = xs.reduce((a, x) => a + x[key], 0) / xs.length;
  let num = 0;
  let den = 0;
  for (const x of xs) {
    num += (x.t - mt) * (x[key] - mv);
    den += (x.t - mt) ** 2;
  }
  return den ? num / den : 0;
}
