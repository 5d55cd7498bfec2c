/**
 * A Slurm array task (`lem run-one`): runs its planned run with the Slurm meanings of the
 * study's controls.
 * - USR1 (`--signal=B:USR1@signalLeadS`: time limit near, or preemption where the site sends
 *   it) and SIGTERM (scancel, requeue, node shutdown) stop the run at once; it is recorded
 *   interrupted, never continued half-way. After USR1 the task requeues itself (up to
 *   maxRequeues), so that Slurm starts the run again from scratch; its attempt's files stay.
 * - fail-fast: the first failed run cancels the study's arrays; the merge job still runs.
 * - the circuit breaker: maxConsecutiveFailures runs failed in a row (by end time) cancel the
 *   tasks still pending; running ones finish. There is no pause: Slurm holds the queue.
 */
import { loadStudy } from "../../config/load.js";
import { Manifest } from "../../study-format/manifest.js";
import { slurmPlacementFromEnv } from "../../study-format/placement.js";
import { runTask, type RunTaskOutcome } from "../task/run-task.js";
import { cancelJob, requeueJob } from "./slurm-cli.js";
import { readSubmissions } from "./submissions.js";
import { slurmSettingsOf } from "./submit-study.js";

export interface SlurmTaskOptions {
  dir: string;
  index: number;
  failFast: boolean;
  skipPreflight: boolean;
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export interface SlurmTaskOutcome extends Omit<RunTaskOutcome, "manifest"> {
  requeued: boolean;
  cancelled: string[];
}

/** How many of the most recently ended runs failed in a row. */
export function trailingFailures(manifest: Manifest): number {
  const ended = manifest.data.runs.filter((r) => r.endedAt !== null && (r.status === "completed" || r.status === "failed")).sort((a, b) => (a.endedAt! < b.endedAt! ? 1 : -1));
  let n = 0;
  for (const r of ended) {
    if (r.status !== "failed") break;
    n++;
  }
  return n;
}

export async function runSlurmTask(o: SlurmTaskOptions): Promise<SlurmTaskOutcome> {
  const env = o.env ?? process.env;
  const controller = new AbortController();
  let stopSignal: "SIGUSR1" | "SIGTERM" | null = null;
  const onSignal = (signal: "SIGUSR1" | "SIGTERM") => () => {
    if (stopSignal !== null) return;
    stopSignal = signal;
    o.log(signal === "SIGUSR1" ? "Slurm signalled the end of the time limit or a preemption (USR1): stopping the run" : "stopped by SIGTERM (scancel, requeue or node shutdown): stopping the run");
    controller.abort();
  };
  const usr1 = onSignal("SIGUSR1");
  const term = onSignal("SIGTERM");
  process.on("SIGUSR1", usr1);
  process.on("SIGTERM", term);
  try {
    const outcome = await runTask({ dir: o.dir, index: o.index, executor: "slurm", signal: controller.signal, skipPreflight: o.skipPreflight, env, log: o.log });
    const result: SlurmTaskOutcome = { position: outcome.position, status: outcome.status, error: outcome.error, requeued: false, cancelled: [] };
    if (outcome.status === "already-done") return result;
    const manifest = outcome.manifest;
    const loaded = await loadStudy(manifest.data.study.file);
    const settings = slurmSettingsOf(loaded);
    const me = slurmPlacementFromEnv(env);
    if (outcome.status === "interrupted" && stopSignal === "SIGUSR1" && me) {
      const task = me.arrayJobId !== null && me.arrayTaskId !== null ? `${me.arrayJobId}_${me.arrayTaskId}` : me.jobId;
      if (me.restartCount < settings.maxRequeues) {
        manifest.update(outcome.position, { error: `${outcome.error ?? "interrupted"}; Slurm's USR1 (time limit near, or preemption): requeued as ${task} (restart ${me.restartCount + 1} of at most ${settings.maxRequeues})` });
        await requeueJob(task, { env });
        result.requeued = true;
        o.log(`requeued ${task}: the run starts again from scratch`);
      } else {
        manifest.update(outcome.position, { error: `${outcome.error ?? "interrupted"}; Slurm's USR1 again after ${me.restartCount} requeue(s) (execution.slurm.maxRequeues ${settings.maxRequeues}): not requeued; lem run --resume ${o.dir} measures it again` });
      }
      return result;
    }
    if (outcome.status === "interrupted" && stopSignal === "SIGTERM") {
      manifest.update(outcome.position, { error: `${outcome.error ?? "interrupted"}; stopped by SIGTERM (scancel, scontrol requeue or a node shutdown): if Slurm requeues the task, it measures the run again from scratch` });
      return result;
    }
    if (outcome.status !== "failed") return result;
    const latest = readSubmissions(o.dir).at(-1);
    if (!latest) return result;
    if (o.failFast || loaded.study.execution.failFast) {
      o.log("fail-fast: cancelling the study's arrays (the merge job still writes the results)");
      for (const a of latest.arrays) {
        await cancelJob(a.jobId, { env }).catch((error: unknown) => o.log(`could not cancel ${a.jobId}: ${(error as Error).message}`));
        result.cancelled.push(a.jobId);
      }
      return result;
    }
    const failures = trailingFailures(Manifest.load(o.dir, { writeIndex: false }));
    if (failures >= loaded.study.execution.maxConsecutiveFailures) {
      o.log(`${failures} runs failed in a row (execution.maxConsecutiveFailures ${loaded.study.execution.maxConsecutiveFailures}): cancelling the study's pending tasks; running ones finish`);
      for (const a of latest.arrays) {
        await cancelJob(a.jobId, { env, pendingOnly: true }).catch((error: unknown) => o.log(`could not cancel ${a.jobId}: ${(error as Error).message}`));
        result.cancelled.push(a.jobId);
      }
    }
    return result;
  } finally {
    process.off("SIGUSR1", usr1);
    process.off("SIGTERM", term);
  }
}
