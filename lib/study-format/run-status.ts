/** Where a planned run of a study stands. */
export const RUN_STATUSES = ["pending", "running", "completed", "failed", "interrupted", "skipped"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A run that needs no more work: resume and the Slurm tasks leave it alone. */
export function isRunDone(status: RunStatus): boolean {
  return status === "completed" || status === "skipped";
}
