/**
 * The study's merge job (slurm/merge.sbatch runs `lem merge DIR --slurm-merge-job`). Slurm
 * satisfies `afterany` when a task is requeued, so the merge job can start while requeued
 * tasks are still to run: then it merges nothing, submits itself again after exactly those
 * tasks, and says so in its marker (`deferredTo`), which lem run --wait and lem status follow.
 */
import { join } from "node:path";
import { mergeStudy, type StudyResultsOutcome } from "../../study/merge-study.js";
import { writeMergeMarker } from "./merge-marker.js";
import { submitBatch } from "./slurm-cli.js";
import { activeJobsOf } from "./study-jobs.js";
import { readSubmissions } from "./submissions.js";

export type MergeJobOutcome = ({ dir: string } & StudyResultsOutcome) | { deferredTo: string; waitingFor: string[] };

export async function runMergeJob(dir: string, jobId: string, warn: (message: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<MergeJobOutcome> {
  const endedAt = () => new Date().toISOString();
  try {
    const latest = readSubmissions(dir).at(-1);
    const arrays = new Set(latest?.arrays.map((a) => a.jobId) ?? []);
    const waiting = latest ? (await activeJobsOf(dir, env)).filter((j) => j.id !== jobId && (arrays.has(j.arrayJobId ?? "") || arrays.has(j.id))).map((j) => j.id) : [];
    if (latest && waiting.length > 0) {
      const args = latest.mergeArgs.map((a) => (a.startsWith("--dependency=") ? `--dependency=afterany:${waiting.join(":")}` : a));
      const next = await submitBatch(join(dir, "slurm", "merge.sbatch"), { env, sbatchArgs: args });
      writeMergeMarker(dir, { jobId, endedAt: endedAt(), status: null, counts: null, report: null, error: null, deferredTo: next });
      return { deferredTo: next, waitingFor: waiting };
    }
    const outcome = await mergeStudy(dir, warn);
    writeMergeMarker(dir, { jobId, endedAt: endedAt(), status: outcome.status, counts: outcome.counts, report: outcome.report, error: null });
    return outcome;
  } catch (error) {
    writeMergeMarker(dir, { jobId, endedAt: endedAt(), status: null, counts: null, report: null, error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}
