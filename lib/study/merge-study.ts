/**
 * A study's results from its runs' files: the manifest index, study.json, summary.csv and the
 * HTML report. The local runner calls it at the end of a study; on Slurm the merge job
 * (`lem merge`) does, once every task of the study has ended.
 */
import { loadStudy, type LoadedStudy } from "../config/load.js";
import { redactRecordedConfig, redactText } from "../redact/index.js";
import { writeReport } from "../report/index.js";
import type { RunResult } from "../results/result-schema.js";
import { summarizeConfigs, writeStudySummary } from "../results/summary-csv.js";
import { hardwareWarnings } from "../results/hardware-strata.js";
import { seedFromHash } from "../random/seed-from-hash.js";
import { Manifest, studyDifferences } from "../study-format/manifest.js";
import { statusFromCounts, type StudyStatus } from "../study-format/study-status.js";
import { readableResults } from "./damaged-results.js";
import { requireStudyFile } from "./resume-study-file.js";
import { StudyChangedError } from "./study-changed.js";

export interface StudyResultsOutcome {
  status: StudyStatus;
  counts: Record<string, number>;
  /** The HTML report written beside the results; null with the reason when it could not be. */
  report: { path: string } | { error: string };
}

/** Writes study.json, summary.csv and report.html from every readable result of the study. */
export async function writeStudyResults(dir: string, manifest: Manifest, loaded: LoadedStudy, status: StudyStatus, warn: (message: string) => void): Promise<StudyResultsOutcome> {
  const results: RunResult[] = readableResults(
    dir,
    manifest.data.runs.filter((r) => r.resultPath && (r.status === "completed" || r.status === "failed" || r.status === "interrupted")),
    warn,
  );
  const seed = seedFromHash(loaded.studyHash);
  const experiments = loaded.expansion.experiments.map((e) => ({
    hash: e.hash,
    slug: e.slug,
    name: e.config.name ?? e.slug,
    sweepValues: redactRecordedConfig(e.sweepValues),
  }));
  const rows = summarizeConfigs(results, { seed, experiments });
  const counts = manifest.counts();
  // Runs of one configuration on different hardware are separate rows; say so where it happened.
  const strata = hardwareWarnings(results, new Map(experiments.map((e) => [e.hash, e.slug])));
  for (const w of strata) warn(w);
  writeStudySummary(dir, rows, {
    seed,
    study: {
      name: loaded.study.name,
      file: loaded.file,
      studyHash: loaded.studyHash,
      status,
      counts,
      execution: loaded.study.execution,
      invalidPoints: redactRecordedConfig(loaded.expansion.invalid),
      duplicates: loaded.expansion.duplicates,
      warnings: [...loaded.expansion.warnings.map(redactText), ...strata],
    },
  });
  // The results are safe on disk already: a report that cannot be written never fails the study.
  let report: StudyResultsOutcome["report"];
  try {
    report = { path: (await writeReport(dir)).path };
  } catch (error) {
    report = { error: `the HTML report could not be written (${error instanceof Error ? error.message : String(error)}); try lem report ${dir}` };
  }
  return { status, counts, report };
}

/**
 * The merge step of a study whose runs other processes measured: reads every run's state
 * file, writes the manifest index, then the study's results. The study's status follows from
 * its runs (any not finished: interrupted, to be resumed).
 */
export async function mergeStudy(dir: string, warn: (message: string) => void = () => {}): Promise<StudyResultsOutcome & { dir: string }> {
  const manifest = Manifest.load(dir);
  for (const w of manifest.warnings) warn(w);
  requireStudyFile(dir, manifest.data.study.file);
  const loaded = await loadStudy(manifest.data.study.file);
  const diffs = studyDifferences(manifest.data, {
    experiments: loaded.expansion.experiments.map((e) => ({ hash: e.hash, slug: e.slug })),
    execution: loaded.study.execution as unknown as Record<string, unknown>,
  });
  if (diffs.length) throw new StudyChangedError(dir, diffs);
  manifest.save();
  const outcome = await writeStudyResults(dir, manifest, loaded, statusFromCounts(manifest.counts()), warn);
  return { dir, ...outcome };
}
