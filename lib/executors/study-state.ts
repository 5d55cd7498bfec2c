/**
 * Where a study stands, from lem's own files (each run's state file), with Slurm's view of
 * its jobs beside it where Slurm still knows them. lem's files are the truth: Slurm forgets
 * jobs MinJobAge after their end, and accounting (sacct) is often off.
 */
import { Manifest } from "../study-format/manifest.js";
import type { RunStatus } from "../study-format/run-status.js";
import { finalMergeJob } from "./slurm/merge-marker.js";
import type { SlurmJobState } from "./slurm/slurm-cli.js";
import { studyJobStates } from "./slurm/study-jobs.js";
import { readSubmissions, taskIdOf } from "./slurm/submissions.js";

export interface RunState {
  position: number;
  cycle: number;
  slug: string;
  status: RunStatus;
  attempts: number;
  hostname: string | null;
  error: string | null;
  /** The array task that runs it in the latest submission ("123_4"), and what Slurm says of it. */
  slurmTask: string | null;
  slurmState: string | null;
  slurmNode: string | null;
}

export interface StudyState {
  dir: string;
  name: string;
  executor: "local" | "slurm";
  counts: Record<RunStatus, number>;
  runs: RunState[];
  merge: { jobId: string; state: string | null; ended: boolean; status: string | null } | null;
  /** Why Slurm's view is missing, when it is. */
  slurmNote: string | null;
  warnings: string[];
}

export async function studyState(dir: string, o: { env?: NodeJS.ProcessEnv; askSlurm?: boolean } = {}): Promise<StudyState> {
  const manifest = Manifest.load(dir, { writeIndex: false });
  const executor = manifest.data.execution.executor === "slurm" ? "slurm" : "local";
  const submissions = executor === "slurm" ? readSubmissions(dir) : [];
  const latest = submissions.at(-1);
  let jobs = new Map<string, SlurmJobState>();
  let slurmNote: string | null = null;
  if (latest && (o.askSlurm ?? true)) {
    try {
      jobs = await studyJobStates(dir, o.env ?? process.env);
    } catch (error) {
      slurmNote = `Slurm's job states are not shown: ${(error as Error).message}`;
    }
  }
  const runs = manifest.data.runs.map((r) => {
    const task = latest ? taskIdOf(latest, r.position) : null;
    const job = task ? jobs.get(task) : undefined;
    return {
      position: r.position,
      cycle: r.cycle,
      slug: r.slug,
      status: r.status,
      attempts: r.attempts,
      hostname: r.placement?.hostname ?? null,
      error: r.error,
      slurmTask: task,
      slurmState: job?.state ?? null,
      slurmNode: job?.node ?? null,
    };
  });
  const final = latest ? finalMergeJob(dir, latest.mergeJobId) : null;
  const marker = final?.marker ?? null;
  return {
    dir,
    name: manifest.data.study.name,
    executor,
    counts: manifest.counts(),
    runs,
    merge: final ? { jobId: final.jobId, state: jobs.get(final.jobId)?.state ?? null, ended: marker !== null, status: marker?.status ?? null } : null,
    slurmNote,
    warnings: manifest.warnings,
  };
}
