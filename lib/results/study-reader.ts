/**
 * Reading a study directory back: its manifest, study.json, the resolved configuration's swept
 * values and every run's result; and listing the studies in a results directory.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { LemError } from "../errors.js";
import { assertInsideDir } from "../fs/inside-dir.js";
import { Manifest, manifestPath, type ManifestData, type ManifestRun, type RunStatus } from "../study-format/manifest.js";
import { HARDWARE_NOT_RECORDED } from "./hardware-strata.js";
import { seedFromHash } from "../random/seed-from-hash.js";
import { studyPaths } from "../study-format/layout.js";
import type { RunResult } from "./result-schema.js";
import { type ConfigSummary, summarizeConfigs } from "./summary-csv.js";
import { readRunResult } from "./write-result.js";

/** A study directory that cannot be read (missing, not a study, damaged). */
export class StudyReadError extends LemError {
  constructor(message: string) {
    super("LEM_STUDY_READ", message);
  }
}

const nullableNumber = z.number().nullable();
const StatisticSchema = z.object({
  n: z.number().int().nonnegative(),
  mean: nullableNumber,
  median: nullableNumber,
  std: nullableNumber,
  cv: nullableNumber,
  min: nullableNumber,
  max: nullableNumber,
  ci95: z.object({ low: z.number(), high: z.number() }).nullable(),
  highVariation: z.boolean(),
});

const ConfigSummarySchema = z.object({
  configHash: z.string(),
  slug: z.string(),
  name: z.string(),
  /** Absent in study.json written before lem stratified by hardware: one group then. */
  hardware: z.string().default(HARDWARE_NOT_RECORDED),
  gpuModel: z.string().nullable().default(null),
  sweepValues: z.record(z.string(), z.unknown()),
  runs: z.object({ completed: z.number().int().nonnegative(), failed: z.number().int().nonnegative() }),
  stats: z.object({
    energyPerOutputTokenJ: StatisticSchema,
    energyPerRequestJ: StatisticSchema,
    outputTokensPerS: StatisticSchema,
    energyJ: StatisticSchema,
    adjustedEnergyJ: StatisticSchema,
  }),
  highVariation: z.boolean(),
});

/** study.json as `writeStudySummary` writes it (unknown members kept). */
export const StudyJsonSchema = z
  .object({
    schemaVersion: z.literal(1),
    lemVersion: z.string(),
    generatedAt: z.string(),
    study: z.record(z.string(), z.unknown()).optional(),
    statistics: z.record(z.string(), z.unknown()),
    configurations: z.array(ConfigSummarySchema),
  })
  .passthrough();

export type StudyJson = z.output<typeof StudyJsonSchema>;

/** One configuration of the study, as planned. */
export interface StudyExperiment {
  hash: string;
  slug: string;
  name: string;
  /** The swept keys (dotted) and this configuration's values; {} when the study swept nothing. */
  sweepValues: Record<string, unknown>;
}

export interface StudyRunOnDisk {
  /** The manifest's entry (status, attempts, times, error). */
  manifest: ManifestRun;
  /** The run's directory name (e.g. `001_c1_bs8_3fa2b1c0`), or null when it has no result. */
  dirName: string | null;
  /** The run's result.json, or null when the run has none (pending, skipped, ...). */
  result: RunResult | null;
}

export interface StudyOnDisk {
  /** Absolute path of the study directory. */
  dir: string;
  manifest: ManifestData;
  /** study.json, or null when lem has not written it (a study stopped before its end). */
  studyJson: StudyJson | null;
  /** The planned configurations, in the manifest's order, with their swept values. */
  experiments: StudyExperiment[];
  /** Every planned run in execution order. */
  runs: StudyRunOnDisk[];
  /** The results of the runs that have one. */
  results: RunResult[];
  /** Every configuration's statistics: study.json's, or computed from the results when it is absent. */
  configurations: ConfigSummary[];
  /** Any result was measured on the simulated GPU. */
  simulated: boolean;
  /** "completed", "completed-with-failures", "interrupted", "stopped" (from study.json), or "incomplete" without it. */
  status: string;
}

function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new StudyReadError(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StudyReadError(`${what} ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function requireDirectory(dir: string, what: string): void {
  if (!existsSync(dir)) throw new StudyReadError(`${dir} does not exist. Give ${what}.`);
  if (!statSync(dir).isDirectory()) throw new StudyReadError(`${dir} is not a directory. Give ${what}.`);
}

/** The swept values per configuration hash, from config.resolved.json (or study.json). */
function sweepValuesOf(dir: string, studyJson: StudyJson | null): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const c of studyJson?.configurations ?? []) out.set(c.configHash, c.sweepValues);
  const file = studyPaths(dir).configJson;
  if (!existsSync(file)) return out;
  try {
    const parsed = z
      .object({ experiments: z.array(z.object({ hash: z.string(), sweepValues: z.record(z.string(), z.unknown()).optional() }).passthrough()) })
      .passthrough()
      .safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (parsed.success) for (const e of parsed.data.experiments) if (e.sweepValues) out.set(e.hash, e.sweepValues);
  } catch {
    // config.resolved.json is informative only: study.json's values stand
  }
  return out;
}

function loadManifest(dir: string): Manifest {
  try {
    return Manifest.load(dir);
  } catch (error) {
    if (error instanceof LemError) throw new StudyReadError(error.message);
    if (error instanceof SyntaxError) throw new StudyReadError(`${manifestPath(dir)} is not valid JSON: ${error.message}`);
    throw error;
  }
}

/**
 * Reads the study in `dir`: manifest.json, study.json (when written), the swept values and every
 * run's result.json. Throws StudyReadError, saying what is wrong, for a directory that is not a
 * lem study or a result that cannot be read.
 */
export function readStudy(dir: string): StudyOnDisk {
  const abs = resolve(dir);
  requireDirectory(abs, 'a study directory written by "lem run" (one containing manifest.json)');
  const manifest = loadManifest(abs).data;
  const paths = studyPaths(abs);
  for (const file of [paths.studyJson, paths.configJson]) assertInsideDir(abs, file);
  let studyJson: StudyJson | null = null;
  if (existsSync(paths.studyJson)) {
    const parsed = StudyJsonSchema.safeParse(readJsonFile(paths.studyJson, "the study summary"));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StudyReadError(
        `${paths.studyJson} is not a study summary this lem can read (${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid"}).`,
      );
    }
    studyJson = parsed.data;
  }
  const runs: StudyRunOnDisk[] = [...manifest.runs]
    .sort((a, b) => a.position - b.position)
    .map((r) => {
      if (r.resultPath === null) return { manifest: r, dirName: null, result: null };
      const file = join(abs, r.resultPath);
      const runDir = r.resultPath.replace(/[/\\]?result\.json$/, "");
      assertInsideDir(abs, file);
      if (!existsSync(file)) {
        // A run whose result was never written (killed mid-run) has no result to read.
        if (r.status === "running" || r.status === "interrupted" || r.status === "pending") return { manifest: r, dirName: runDir || null, result: null };
        throw new StudyReadError(`run ${r.position + 1} (${r.slug}, ${r.status}) has no result: ${file} is missing. The study directory is incomplete.`);
      }
      let result: RunResult;
      try {
        result = readRunResult(file);
      } catch (error) {
        const detail =
          error instanceof z.ZodError
            ? error.issues
                .slice(0, 3)
                .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
                .join("; ")
            : (error as Error).message;
        throw new StudyReadError(`cannot read the result of run ${r.position + 1} (${r.slug}): ${file}: ${detail}`);
      }
      return { manifest: r, dirName: runDir || null, result };
    });
  const results = runs.flatMap((r) => (r.result ? [r.result] : []));
  const sweep = sweepValuesOf(abs, studyJson);
  const experiments: StudyExperiment[] = manifest.experiments.map((e) => ({ hash: e.hash, slug: e.slug, name: e.name, sweepValues: sweep.get(e.hash) ?? {} }));
  let configurations: ConfigSummary[];
  if (studyJson) configurations = studyJson.configurations;
  else {
    let seed: number | undefined;
    try {
      seed = seedFromHash(manifest.study.studyHash);
    } catch {
      seed = undefined;
    }
    configurations = summarizeConfigs(results, {
      ...(seed !== undefined ? { seed } : {}),
      experiments: experiments.map((e) => ({ hash: e.hash, slug: e.slug, name: e.name, sweepValues: e.sweepValues })),
    });
  }
  const recordedStatus = studyJson?.study?.["status"];
  return {
    dir: abs,
    manifest,
    studyJson,
    experiments,
    runs,
    results,
    configurations,
    simulated: results.some((r) => r.simulated),
    status: typeof recordedStatus === "string" ? recordedStatus : "incomplete",
  };
}

export interface StudyListing {
  /** The study's name (from the study file). */
  name: string;
  /** Absolute path of the study directory. */
  dir: string;
  /** When the study was created (ISO 8601, from the manifest). */
  created: string;
  /** The study's final status from study.json, or "incomplete" when lem has not written it. */
  status: string;
  /** Planned runs. */
  runs: number;
  /** Runs by status, from the manifest. */
  counts: Record<RunStatus, number>;
  /** Planned configurations. */
  configurations: number;
  /** Where the runs execute: this machine (local) or Slurm's nodes (slurm). */
  executor: "local" | "slurm";
  /** Measured on the simulated GPU (from the first result); null when no run has a result yet. */
  simulated: boolean | null;
}

export interface StudyScan {
  studies: StudyListing[];
  /** Directories holding a manifest.json that could not be read. */
  unreadable: { dir: string; reason: string }[];
}

function listingOf(dir: string): StudyListing {
  const m = loadManifest(dir);
  const data = m.data;
  let status = "incomplete";
  const studyJsonFile = studyPaths(dir).studyJson;
  if (existsSync(studyJsonFile)) {
    try {
      const s = (JSON.parse(readFileSync(studyJsonFile, "utf8")) as { study?: { status?: unknown } }).study?.status;
      if (typeof s === "string") status = s;
    } catch {
      // an unreadable study.json leaves the status unknown
    }
  }
  let simulated: boolean | null = null;
  for (const r of [...data.runs].sort((a, b) => a.position - b.position)) {
    if (r.resultPath === null) continue;
    try {
      const parsed = JSON.parse(readFileSync(join(dir, r.resultPath), "utf8")) as { simulated?: unknown };
      if (typeof parsed.simulated === "boolean") {
        simulated = parsed.simulated;
        break;
      }
    } catch {
      // try the next run
    }
  }
  return {
    name: data.study.name,
    dir,
    created: data.study.createdAt,
    status,
    runs: data.runs.length,
    counts: m.counts(),
    configurations: data.experiments.length,
    executor: data.execution.executor === "slurm" ? "slurm" : "local",
    simulated,
  };
}

/**
 * The studies in a results directory (its subdirectories holding a manifest.json, or the
 * directory itself when it is a study), oldest first, and those whose manifest is unreadable.
 */
export function scanStudies(resultsDir: string): StudyScan {
  const abs = resolve(resultsDir);
  requireDirectory(abs, 'a results directory (the output.dir of a study, "results" by default)');
  const candidates = existsSync(manifestPath(abs))
    ? [abs]
    : readdirSync(abs, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(manifestPath(join(abs, e.name))))
        .map((e) => join(abs, e.name));
  const studies: StudyListing[] = [];
  const unreadable: StudyScan["unreadable"] = [];
  for (const dir of candidates) {
    try {
      studies.push(listingOf(dir));
    } catch (error) {
      if (!(error instanceof LemError)) throw error;
      unreadable.push({ dir, reason: error.message });
    }
  }
  studies.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.dir.localeCompare(b.dir)));
  return { studies, unreadable };
}

/** The readable studies in a results directory, oldest first. */
export function listStudies(resultsDir: string): StudyListing[] {
  return scanStudies(resultsDir).studies;
}
