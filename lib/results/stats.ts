/**
 * Descriptive statistics of one figure across a configuration's cycles: n, mean, median,
 * sample standard deviation, coefficient of variation, range, a percentile-bootstrap 95 %
 * interval of the mean, and a flag when the runs disagree more than a threshold.
 */
import { bootstrapMeanInterval, quantileSorted } from "./bootstrap.js";

export interface DescribeOptions {
  /** Seed of the bootstrap; default 1. */
  seed?: number;
  /** Bootstrap resamples; default 10000. */
  resamples?: number;
  /** Interval coverage; default 0.95. */
  confidence?: number;
  /** `highVariation` when cv exceeds this; default 0.05. */
  cvThreshold?: number;
}

export interface Statistic {
  /** Finite values counted (NaN, null and infinities are left out). */
  n: number;
  mean: number | null;
  median: number | null;
  /** Sample standard deviation (n - 1); null when n < 2. */
  std: number | null;
  /** std / |mean|; null when std is null or the mean is 0. */
  cv: number | null;
  min: number | null;
  max: number | null;
  /** Percentile bootstrap interval of the mean (at `confidence`, 95 % by default); null when n < 2. */
  ci95: { low: number; high: number } | null;
  /** cv > cvThreshold. */
  highVariation: boolean;
}

export const DEFAULT_CV_THRESHOLD = 0.05;
export const DEFAULT_RESAMPLES = 10_000;
export const DEFAULT_BOOTSTRAP_SEED = 1;

export function describe(values: readonly (number | null | undefined)[], options: DescribeOptions = {}): Statistic {
  const xs = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const n = xs.length;
  const threshold = options.cvThreshold ?? DEFAULT_CV_THRESHOLD;
  if (n === 0) {
    return { n: 0, mean: null, median: null, std: null, cv: null, min: null, max: null, ci95: null, highVariation: false };
  }
  const sorted = xs.slice().sort((a, b) => a - b);
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? null : Math.sqrt(xs.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const cv = std === null || mean === 0 ? null : std / Math.abs(mean);
  const ci95 =
    n < 2
      ? null
      : bootstrapMeanInterval(xs, {
          seed: options.seed ?? DEFAULT_BOOTSTRAP_SEED,
          resamples: options.resamples ?? DEFAULT_RESAMPLES,
          confidence: options.confidence ?? 0.95,
        });
  return {
    n,
    mean,
    median: quantileSorted(sorted, 0.5),
    std,
    cv,
    min: sorted[0]!,
    max: sorted[n - 1]!,
    ci95,
    highVariation: cv !== null && cv > threshold,
  };
}
