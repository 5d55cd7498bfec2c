/**
 * Which part of a window one reading really covers. A reading whose NVML call failed leaves
 * samples without it; lem never bridges such a gap by carrying or interpolating a value across
 * it. A span between consecutive samples of the reading is missing when it is longer than
 * `maxGapNs` and the sampler took samples inside it that lack the reading; a span with no
 * samples at all is a stall of the sampler, flagged by `sample-gaps` instead.
 */
import type { PiecewiseLinear } from "./piecewise-linear.js";

/** Above this share of the window missing, a figure from that reading is withheld (null). */
export const MAX_MISSING_SHARE = 0.05;

export interface ReadingCoverage {
  /** Covered spans [a, b] in the series' time unit, inside [0, D], in order. */
  spans: [number, number][];
  coveredNs: number;
  missingNs: number;
  longestMissingNs: number;
}

/** Coverage of [0, D] by the samples of `series` (times in ns from the window start). */
/** `ticks`: every sample's time (ns from the window start), ascending. */
export function coverageOf(series: PiecewiseLinear, D: number, maxGapNs: number, ticks: readonly number[]): ReadingCoverage {
  const { x } = series;
  const spans: [number, number][] = [];
  const tickInside = (a: number, b: number) => {
    let lo = 0;
    let hi = ticks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ticks[mid]! <= a) lo = mid + 1;
      else hi = mid;
    }
    return lo < ticks.length && ticks[lo]! < b;
  };
  for (let i = 1; i < x.length; i++) {
    const a = Math.max(0, x[i - 1]!);
    const b = Math.min(D, x[i]!);
    if (b <= a || (x[i]! - x[i - 1]! > maxGapNs && tickInside(x[i - 1]!, x[i]!))) continue;
    const last = spans[spans.length - 1];
    if (last && last[1] === a) last[1] = b;
    else spans.push([a, b]);
  }
  let coveredNs = 0;
  let longestMissingNs = 0;
  let prevEnd = 0;
  for (const [a, b] of spans) {
    coveredNs += b - a;
    longestMissingNs = Math.max(longestMissingNs, a - prevEnd);
    prevEnd = b;
  }
  longestMissingNs = Math.max(longestMissingNs, D - prevEnd);
  return { spans, coveredNs, missingNs: Math.max(0, D - coveredNs), longestMissingNs };
}

/** Trapezoid integral of `series` over the covered spans only (value x ns). */
export function coveredIntegral(series: PiecewiseLinear, coverage: ReadingCoverage): number {
  return coverage.spans.reduce((sum, [a, b]) => sum + series.integral(a, b), 0);
}

/**
 * The integral of a power series over [0, D] in J: the whole integral when nothing is missing,
 * the covered spans only when at most MAX_MISSING_SHARE is missing, else null (withheld).
 */
export function energyOverCoverageJ(series: PiecewiseLinear, coverage: ReadingCoverage, D: number): number | null {
  if (coverage.missingNs <= 0) return series.integral(0, D) * 1e-9;
  if (coverage.missingNs > MAX_MISSING_SHARE * D) return null;
  return coveredIntegral(series, coverage) * 1e-9;
}

/** Share covered, seconds missing and the longest gap, for the result. */
export function coverageSummary(c: ReadingCoverage, D: number): { share: number; missingS: number; longestMissingS: number } {
  return { share: D > 0 ? c.coveredNs / D : 0, missingS: c.missingNs / 1e9, longestMissingS: c.longestMissingNs / 1e9 };
}
