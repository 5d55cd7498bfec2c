/**
 * Percentile bootstrap of the mean: resample the values with replacement, take the mean of
 * each resample, and read the interval off the sorted means. Seeded, so reproducible.
 */
import { randomInt, seededRandom } from "../random/seeded-random.js";

/** Quantile `p` (0..1) of sorted values, linear interpolation between order statistics. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError("quantile of no values");
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (h - lo) * (b - a);
}

export interface BootstrapOptions {
  seed: number;
  resamples: number;
  /** 0.95 for a 95 % interval. */
  confidence: number;
}

/** Percentile bootstrap interval of the mean of `values` (at least two finite values). */
export function bootstrapMeanInterval(values: readonly number[], o: BootstrapOptions): { low: number; high: number } {
  const n = values.length;
  if (n < 2) throw new RangeError("a bootstrap interval needs at least two values");
  if (!(o.confidence > 0 && o.confidence < 1)) throw new RangeError(`confidence must lie in (0, 1), got ${o.confidence}`);
  if (!Number.isInteger(o.resamples) || o.resamples < 1) throw new RangeError(`resamples must be a whole number >= 1, got ${o.resamples}`);
  const random = seededRandom(o.seed);
  const means = new Float64Array(o.resamples);
  for (let r = 0; r < o.resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[randomInt(random, n)]!;
    means[r] = sum / n;
  }
  means.sort();
  const alpha = 1 - o.confidence;
  return { low: quantileSorted(means, alpha / 2), high: quantileSorted(means, 1 - alpha / 2) };
}
