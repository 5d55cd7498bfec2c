/**
 * `lem run --wait` on Slurm: follows a submitted study from lem's own files (the runs' state
 * files, every few seconds) with the usual progress events, until the merge job's marker says
 * the study ended. Slurm is asked rarely (every 30 s, explicit formats), only to notice a merge
 * job that ended without a marker. Ctrl-C stops following; the study goes on in Slurm.
 */
import { join } from "node:path";
import { LemError } from "../../errors.js";
import { readRunResult } from "../../results/write-result.js";
import { Manifest } from "../../study-format/manifest.js";
import type { RunStatus } from "../../study-format/run-status.js";
import type { StudyStatus } from "../../study-format/study-status.js";
import { abortableSleep } from "../../timing/abortable-sleep.js";
import type { StudyEvent, StudyOutcome } from "../study-events.js";
import { finalMergeJob } from "./merge-marker.js";
import { jobStates } from "./slurm-cli.js";
import { isActiveJobState } from "./study-jobs.js";

/** The shortest interval between two questions to Slurm (its controller serves the whole cluster). */
export const SLURM_POLL_S = 30;

export interface FollowOptions {
  dir: string;
  mergeJobId: string;
  submittedAt: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onEvent?: (event: StudyEvent) => void;
}

const FINISHED: RunStatus[] = ["completed", "failed", "interrupted", "skipped"];

export async function followSlurmStudy(o: FollowOptions): Promise<StudyOutcome> {
  const seen = new Map<number, RunStatus>();
  let lastSlurmPollMs = Date.now();
  let mergeGoneSinceMs: number | null = null;
  let first = true;
  let mergeJobId = o.mergeJobId;
  for (;;) {
    const manifest = Manifest.load(o.dir, { writeIndex: false });
    const total = manifest.data.runs.length;
    if (first) {
      const pending = manifest.data.runs.filter((r) => r.status !== "completed" && r.status !== "skipped").length;
      o.onEvent?.({ type: "study-start", dir: o.dir, runs: total, pending, simulated: false, devices: [] });
      for (const r of manifest.data.runs) seen.set(r.position, FINISHED.includes(r.status) ? r.status : "pending");
      first = false;
    }
    for (const r of manifest.data.runs) {
      const before = seen.get(r.position);
      if (r.status === before) continue;
      if (r.status === "running" && before !== "running") {
        o.onEvent?.({ type: "run-start", position: r.position, total, slug: r.slug, cycle: r.cycle, devices: r.placement?.gpus.map((g) => g.index) ?? [] });
      } else if (FINISHED.includes(r.status)) {
        o.onEvent?.(runEndEvent(o.dir, r, total));
      }
      seen.set(r.position, r.status);
    }
    // A merge job that found requeued tasks still to run submitted another after them: follow it.
    const final = finalMergeJob(o.dir, mergeJobId);
    if (final.jobId !== mergeJobId) {
      mergeJobId = final.jobId;
      mergeGoneSinceMs = null;
    }
    const marker = final.marker;
    if (marker) {
      if (marker.error !== null) throw new LemError("LEM_SLURM_MERGE", `the merge job ${mergeJobId} failed: ${marker.error}. Its log: ${join(o.dir, "slurm", "logs", `merge_${mergeJobId}.out`)}; run lem merge ${o.dir} once fixed.`);
      const status = (marker.status ?? "interrupted") as StudyStatus;
      const counts = marker.counts ?? manifest.counts();
      const report = marker.report ?? { error: "the merge job wrote no report" };
      o.onEvent?.({ type: "study-end", dir: o.dir, status, counts, report });
      return { dir: o.dir, status, counts, report };
    }
    if (Date.now() - lastSlurmPollMs >= SLURM_POLL_S * 1000) {
      lastSlurmPollMs = Date.now();
      const merge = (await jobStates([mergeJobId], { env: o.env })).get(mergeJobId);
      if (!merge || !isActiveJobState(merge.state)) mergeGoneSinceMs ??= Date.now();
    }
    // The marker is written just before the job ends: give a shared filesystem time to show it.
    if (mergeGoneSinceMs !== null && Date.now() - mergeGoneSinceMs > 10_000) {
      throw new LemError(
        "LEM_SLURM_MERGE",
        `the merge job ${mergeJobId} ended without writing its outcome. Its log: ${join(o.dir, "slurm", "logs", `merge_${mergeJobId}.out`)}; lem status ${o.dir} shows the runs, and lem merge ${o.dir} writes the results.`,
      );
    }
    await abortableSleep(pollIntervalMs(total), o.signal);
    // Ctrl-C: stop following; Slurm runs the study on.
    if (o.signal?.aborted) {
      o.onEvent?.({ type: "warning", message: `stopped following; the study goes on in Slurm. lem status ${o.dir} shows where it stands.` });
      return { dir: o.dir, status: "submitted", counts: manifest.counts() };
    }
  }
}

/** Reading every state file of a large study costs: look less often the more runs it has. */
function pollIntervalMs(runs: number): number {
  return Math.min(30_000, Math.max(2_000, runs * 2));
}

function runEndEvent(dir: string, r: Manifest["data"]["runs"][number], total: number): StudyEvent {
  let energyJ: number | null = null;
  let perTokenJ: number | null = null;
  let windowS = 0;
  let tps: number | null = null;
  if (r.resultPath) {
    try {
      const res = readRunResult(join(dir, r.resultPath));
      energyJ = res.energy.totalJ;
      perTokenJ = res.perToken.energyPerOutputTokenJ;
      windowS = res.timings.windowS;
      tps = res.throughput.outputTokensPerS;
    } catch {
      // unreadable result: the merge warns about it
    }
  }
  const status = r.status === "skipped" || r.status === "pending" || r.status === "running" ? "failed" : r.status;
  return {
    type: "run-end",
    position: r.position,
    total,
    slug: r.slug,
    cycle: r.cycle,
    status,
    energyJ,
    energyPerOutputTokenJ: perTokenJ,
    windowS,
    outputTokensPerS: tps,
    ...(r.error ? { error: r.error } : {}),
  };
}
