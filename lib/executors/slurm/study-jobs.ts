/** The Slurm jobs of a study (from its submissions.json) as Slurm sees them now. */
import { jobStates, type SlurmJobState } from "./slurm-cli.js";
import { readSubmissions, type Submission } from "./submissions.js";
import { finalMergeJob } from "./merge-marker.js";

/** States after which a job does nothing more (squeue shows them for MinJobAge seconds after the end). */
export const FINAL_JOB_STATES = new Set(["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT"]);

export function isActiveJobState(state: string): boolean {
  return !FINAL_JOB_STATES.has(state.replace(/\+$/, "").split(" ")[0]!);
}

/** Every job id a study's submissions name: its arrays and merge jobs. */
export function jobIdsOf(submissions: readonly Submission[]): string[] {
  return submissions.flatMap((s) => [...s.arrays.map((a) => a.jobId), s.mergeJobId]);
}

/** The study's jobs Slurm still knows, array tasks one by one. */
export async function studyJobStates(dir: string, env: NodeJS.ProcessEnv): Promise<Map<string, SlurmJobState>> {
  const submissions = readSubmissions(dir);
  // With the merge jobs that a deferring merge job submitted after requeued tasks.
  const ids = [...new Set([...jobIdsOf(submissions), ...submissions.map((s) => finalMergeJob(dir, s.mergeJobId).jobId)])];
  return ids.length === 0 ? new Map() : jobStates(ids, { env });
}

/** The study's jobs and tasks that are still pending, running or about to be requeued. */
export async function activeJobsOf(dir: string, env: NodeJS.ProcessEnv): Promise<SlurmJobState[]> {
  return [...(await studyJobStates(dir, env)).values()].filter((j) => isActiveJobState(j.state));
}
