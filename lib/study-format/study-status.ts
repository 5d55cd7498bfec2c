/** How a study ended, as study.json and `lem run` report it. */
export type StudyStatus = "completed" | "completed-with-failures" | "interrupted" | "stopped";

/** The status of a study from its runs' counts, when no process watched it end (a merge job). */
export function statusFromCounts(counts: Record<string, number>): StudyStatus {
  const unfinished = (counts.pending ?? 0) + (counts.running ?? 0) + (counts.interrupted ?? 0);
  if (unfinished > 0) return "interrupted";
  return (counts.failed ?? 0) > 0 ? "completed-with-failures" : "completed";
}
