/**
 * The Pareto front of configurations on energy per output token (lower is better) and
 * throughput in output tokens per second (higher is better).
 */

export interface ParetoPoint {
  energyPerOutputTokenJ: number;
  outputTokensPerS: number;
}

/** `a` dominates `b`: at least as good on both figures and strictly better on one. */
export function dominates(a: ParetoPoint, b: ParetoPoint): boolean {
  const noWorse = a.energyPerOutputTokenJ <= b.energyPerOutputTokenJ && a.outputTokensPerS >= b.outputTokensPerS;
  const better = a.energyPerOutputTokenJ < b.energyPerOutputTokenJ || a.outputTokensPerS > b.outputTokensPerS;
  return noWorse && better;
}

/**
 * Indices of the points no other point dominates, by throughput ascending (so, along the
 * front, energy ascends too). Points with a non-finite figure take no part. Equal points are
 * both on the front when nothing dominates them. O(n log n).
 */
export function paretoFront(points: readonly ParetoPoint[]): number[] {
  const candidates = points
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => Number.isFinite(p.energyPerOutputTokenJ) && Number.isFinite(p.outputTokensPerS));
  // Highest throughput first (ties: lowest energy first); a point is on the front when its
  // energy is below that of every point with higher throughput seen so far.
  candidates.sort(
    (a, b) => b.p.outputTokensPerS - a.p.outputTokensPerS || a.p.energyPerOutputTokenJ - b.p.energyPerOutputTokenJ,
  );
  const front: number[] = [];
  let bestEnergy = Infinity;
  let lastOnFront: ParetoPoint | null = null;
  for (const { p, i } of candidates) {
    // Sorting puts equal points next to each other: a copy of a front point is on it too.
    const copyOfLast =
      lastOnFront !== null &&
      p.outputTokensPerS === lastOnFront.outputTokensPerS &&
      p.energyPerOutputTokenJ === lastOnFront.energyPerOutputTokenJ;
    if (p.energyPerOutputTokenJ < bestEnergy || copyOfLast) {
      front.push(i);
      bestEnergy = p.energyPerOutputTokenJ;
      lastOnFront = p;
    }
  }
  return front.reverse();
}
