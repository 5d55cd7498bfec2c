/** The sbatch arguments of a study's array and merge job: argument arrays from execution.slurm, never a shell string. */
import { join } from "node:path";
import type { SlurmSettings } from "../../config/slurm-schema.js";

/** Pre-flight, baseline and thermal settling on the node, on top of the run's own time limit. */
export const TASK_MARGIN_S = 600;

/** Slurm's D-HH:MM:SS for a number of seconds, rounded up to whole minutes. */
export function slurmTime(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return `${d}-${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:00`;
}

/** execution.slurm.timeLimit, else the run's time limit plus the node's margin and the signal's lead. */
export function taskTimeLimit(settings: SlurmSettings, runTimeoutS: number): string {
  return settings.timeLimit ?? slurmTime(runTimeoutS + TASK_MARGIN_S + settings.signalLeadS);
}

/** A path in an sbatch filename pattern: its own '%' doubled, so that only lem's %A/%a/%j expand. */
function literalPattern(path: string): string {
  return path.replace(/%/g, "%%");
}

function placementArgs(settings: SlurmSettings): string[] {
  return [
    ...(settings.partition ? [`--partition=${settings.partition}`] : []),
    ...(settings.account ? [`--account=${settings.account}`] : []),
    ...(settings.qos ? [`--qos=${settings.qos}`] : []),
  ];
}

export interface TaskArgsOptions {
  settings: SlurmSettings;
  studyName: string;
  studyDir: string;
  /** sbatch --array value without the throttle, e.g. "0-9,12". */
  arraySpec: string;
  gpusPerRun: number;
  timeLimit: string;
}

export function taskSbatchArgs(o: TaskArgsOptions): string[] {
  const s = o.settings;
  return [
    "--parsable",
    `--job-name=lem-${o.studyName}`,
    `--array=${o.arraySpec}${s.maxParallel ? `%${s.maxParallel}` : ""}`,
    // %A_%a: one log per task; append, so that a requeued task's earlier output is kept.
    `--output=${literalPattern(join(o.studyDir, "slurm", "logs"))}/%A_%a.out`,
    "--open-mode=append",
    `--time=${o.timeLimit}`,
    `--signal=B:USR1@${s.signalLeadS}`,
    "--requeue",
    `--gres=gpu:${s.gpuType ? `${s.gpuType}:` : ""}${o.gpusPerRun}`,
    ...(s.exclusive ? ["--exclusive"] : []),
    ...(s.constraint ? [`--constraint=${s.constraint}`] : []),
    ...placementArgs(s),
    ...s.sbatchArgs,
  ];
}

export interface MergeArgsOptions {
  settings: SlurmSettings;
  studyName: string;
  studyDir: string;
  /** The arrays it waits for (afterany: it runs however they end). */
  afterJobIds: readonly string[];
}

export function mergeSbatchArgs(o: MergeArgsOptions): string[] {
  return [
    "--parsable",
    `--job-name=lem-${o.studyName}-merge`,
    `--output=${literalPattern(join(o.studyDir, "slurm", "logs"))}/merge_%j.out`,
    "--open-mode=append",
    `--time=${o.settings.mergeTimeLimit}`,
    `--dependency=afterany:${o.afterJobIds.join(":")}`,
    // The merge reads files and writes a report: no GPU, one CPU.
    "--ntasks=1",
    ...placementArgs(o.settings),
  ];
}
