/**
 * Where a study's files go:
 *
 *   <output>/<study>/
 *     study.json               every configuration's statistics
 *     summary.csv              the same, one row per configuration
 *     config.resolved.json     the resolved study configuration
 *     environment.json         the environment snapshot
 *     manifest.json            the planned runs and their state
 *     001_c1_bs8_3fa2b1c0/     one directory per run: NNN_c{cycle}_{slug}_{hash8}
 *       state.json             the run's own state, written only by the process running it
 *       result.json
 *       timeseries.parquet
 *       attempt-N/             an earlier attempt's files, kept when the run is measured again
 *     slurm/                   batch scripts, submissions and logs of a study on Slurm
 *
 * This module (lib/study-format) is the one definition of that format: the runner, the
 * executors and every reader (status, results, report, merge) use it, and it uses none of them.
 */
import { join } from "node:path";
import { InvalidOptionsError } from "../errors.js";

export const RUN_FILES = {
  stateJson: "state.json",
  resultJson: "result.json",
  timeseriesParquet: "timeseries.parquet",
} as const;

export const STUDY_FILES = {
  studyJson: "study.json",
  summaryCsv: "summary.csv",
  configJson: "config.resolved.json",
  environmentJson: "environment.json",
  manifestJson: "manifest.json",
  slurmDir: "slurm",
} as const;

/**
 * A run's directory name: position + 1 padded to 3 digits (more beyond 999), the cycle
 * 1-based, the slug and the first 8 characters of the configuration hash,
 * e.g. `001_c1_bs8_3fa2b1c0`. `position` and `cycle` are 0-based.
 */
export function runDirName(position: number, cycle: number, slug: string, hash: string): string {
  if (!Number.isInteger(position) || position < 0) throw new InvalidOptionsError(`a run position must be a whole number >= 0, got ${position}`);
  if (!Number.isInteger(cycle) || cycle < 0) throw new InvalidOptionsError(`a cycle must be a whole number >= 0, got ${cycle}`);
  if (slug === "" || /[/\\]|^\.\.?$/.test(slug)) throw new InvalidOptionsError(`a run slug must be a non-empty name without path separators, got "${slug}"`);
  if (hash.length < 8) throw new InvalidOptionsError(`a configuration hash needs at least 8 characters, got "${hash}"`);
  return `${String(position + 1).padStart(3, "0")}_c${cycle + 1}_${slug}_${hash.slice(0, 8)}`;
}

/** The directory of a planned run, from what the manifest records of it. */
export function runDirOf(run: { position: number; cycle: number; slug: string; configHash: string }): string {
  return runDirName(run.position, run.cycle, run.slug, run.configHash);
}

export interface RunPaths {
  dir: string;
  resultJson: string;
  timeseriesParquet: string;
}

/** The files of one run inside `runDir`. */
export function runPaths(runDir: string): RunPaths {
  return { dir: runDir, resultJson: join(runDir, RUN_FILES.resultJson), timeseriesParquet: join(runDir, RUN_FILES.timeseriesParquet) };
}

export interface StudyPaths {
  dir: string;
  studyJson: string;
  summaryCsv: string;
  configJson: string;
  environmentJson: string;
  manifestJson: string;
}

/** The study-level files inside the study's directory. */
export function studyPaths(dir: string): StudyPaths {
  return {
    dir,
    studyJson: join(dir, STUDY_FILES.studyJson),
    summaryCsv: join(dir, STUDY_FILES.summaryCsv),
    configJson: join(dir, STUDY_FILES.configJson),
    environmentJson: join(dir, STUDY_FILES.environmentJson),
    manifestJson: join(dir, STUDY_FILES.manifestJson),
  };
}
