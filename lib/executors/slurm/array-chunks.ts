/**
 * Planned runs to job arrays. Task i of an array runs planned run offset + i, so that Slurm,
 * which starts tasks in index order, keeps the study's balanced order. Array indices must be
 * below the cluster's MaxArraySize (scontrol show config; 1001 by default): a larger study is
 * split into arrays of MaxArraySize positions each, submitted in order.
 */
export interface ArrayChunk {
  /** Added to SLURM_ARRAY_TASK_ID to get the run's position (the batch script's argument). */
  offset: number;
  /** The positions of the planned runs this array runs, ascending. */
  positions: number[];
  /** sbatch --array value, without the %N throttle: e.g. "0-9,12,15-20". */
  spec: string;
}

/** The arrays that run `positions` (0-based, any order), none with an index >= maxArraySize. */
export function arrayChunks(positions: readonly number[], maxArraySize: number): ArrayChunk[] {
  if (!Number.isInteger(maxArraySize) || maxArraySize < 1) throw new RangeError(`MaxArraySize must be a whole number >= 1, got ${maxArraySize}`);
  const byOffset = new Map<number, number[]>();
  for (const p of [...new Set(positions)].sort((a, b) => a - b)) {
    const offset = Math.floor(p / maxArraySize) * maxArraySize;
    const list = byOffset.get(offset) ?? [];
    list.push(p);
    byOffset.set(offset, list);
  }
  return [...byOffset].map(([offset, list]) => ({ offset, positions: list, spec: rangeSpec(list.map((p) => p - offset)) }));
}

/** Ascending whole numbers as Slurm's index list: runs of consecutive numbers as "a-b". */
export function rangeSpec(sorted: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}
