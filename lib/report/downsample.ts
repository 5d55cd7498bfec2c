/**
 * Downsampling a line for plotting without losing its peaks: M4 aggregation (Jugel et al.,
 * "M4: A Visualization-Oriented Time Series Data Aggregation", VLDB 2014). The time range is
 * cut into equal buckets; from each bucket the first, last, lowest and highest points are kept,
 * in time order. Every maximum and minimum of the series survives (each lies in some bucket),
 * and a line through the kept points looks the same as the full line at the chart's width.
 */
import { InvalidOptionsError } from "../errors.js";

export interface Series {
  /** Time (any unit), non-decreasing. */
  x: number[];
  y: number[];
}

/** Points per bucket: first, last, min, max. */
const POINTS_PER_BUCKET = 4;

/**
 * At most `maxPoints` points (>= 4) of the series (x, y), keeping in each of floor(maxPoints / 4)
 * equal time buckets its first, last, minimum and maximum point. Points whose x or y is not a
 * finite number (an absent reading) are left out. A series already short enough comes back
 * whole (without the non-finite points).
 */
export function downsampleM4(x: ArrayLike<number>, y: ArrayLike<number | null>, maxPoints: number): Series {
  if (!Number.isInteger(maxPoints) || maxPoints < POINTS_PER_BUCKET) {
    throw new InvalidOptionsError(`maxPoints must be a whole number >= ${POINTS_PER_BUCKET}, got ${maxPoints}`);
  }
  if (x.length !== y.length) throw new InvalidOptionsError(`x and y differ in length (${x.length} and ${y.length})`);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const yi = y[i];
    if (typeof yi === "number" && Number.isFinite(yi) && Number.isFinite(xi)) {
      xs.push(xi);
      ys.push(yi);
    }
  }
  const n = xs.length;
  if (n <= maxPoints) return { x: xs, y: ys };
  const buckets = Math.floor(maxPoints / POINTS_PER_BUCKET);
  const x0 = xs[0]!;
  const span = xs[n - 1]! - x0;
  const bucketOf = (v: number) => (span > 0 ? Math.min(buckets - 1, Math.floor(((v - x0) / span) * buckets)) : 0);
  const out: Series = { x: [], y: [] };
  let start = 0;
  while (start < n) {
    const b = bucketOf(xs[start]!);
    let end = start + 1;
    while (end < n && bucketOf(xs[end]!) === b) end++;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (ys[i]! < ys[lo]!) lo = i;
      if (ys[i]! > ys[hi]!) hi = i;
    }
    const keep = [...new Set([start, lo, hi, end - 1])].sort((a, b2) => a - b2);
    for (const i of keep) {
      out.x.push(xs[i]!);
      out.y.push(ys[i]!);
    }
    start = end;
  }
  return out;
}
