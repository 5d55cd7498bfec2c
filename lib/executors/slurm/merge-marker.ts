/**
 * <study>/slurm/merge-<job>.json: written by the merge job when it ends (its outcome, or why it
 * failed), so that `lem run --wait` learns the end of the study from lem's own files, without
 * polling Slurm often.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../../fs/atomic-write.js";
import { assertInsideDir } from "../../fs/inside-dir.js";

const MergeMarkerSchema = z.object({
  jobId: z.string(),
  endedAt: z.string(),
  status: z.string().nullable(),
  counts: z.record(z.string(), z.number()).nullable(),
  report: z.union([z.object({ path: z.string() }), z.object({ error: z.string() })]).nullable(),
  error: z.string().nullable(),
  /** A merge job that found tasks still to run (requeued ones) submitted this one after them, and merged nothing. */
  deferredTo: z.string().nullable().optional(),
});
export type MergeMarker = z.infer<typeof MergeMarkerSchema>;

export function mergeMarkerPath(dir: string, jobId: string): string {
  return join(dir, "slurm", `merge-${jobId}.json`);
}

export function writeMergeMarker(dir: string, marker: MergeMarker): void {
  const file = mergeMarkerPath(dir, marker.jobId);
  assertInsideDir(dir, file);
  writeFileAtomic(file, `${JSON.stringify(marker, null, 2)}\n`);
}

/** The merge job that really ends the study: follows deferrals from `jobId` as far as they are written. */
export function finalMergeJob(dir: string, jobId: string): { jobId: string; marker: MergeMarker | null } {
  let id = jobId;
  for (let hops = 0; hops < 1000; hops++) {
    const marker = readMergeMarker(dir, id);
    if (!marker?.deferredTo) return { jobId: id, marker };
    id = marker.deferredTo;
  }
  return { jobId: id, marker: null };
}

export function readMergeMarker(dir: string, jobId: string): MergeMarker | null {
  const file = mergeMarkerPath(dir, jobId);
  if (!existsSync(file)) return null;
  try {
    return MergeMarkerSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return null; // being written, or damaged: the caller looks again, then asks Slurm
  }
}
