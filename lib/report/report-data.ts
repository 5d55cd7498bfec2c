/**
 * Everything the report shows, gathered from a study directory and shaped for the page: the
 * study's facts, the environment, each configuration's statistics (the bootstrap intervals
 * study.json holds) and place on the Pareto front, each run with its downsampled timeline,
 * and the warnings grouped by code. Plain JSON: the page embeds it as is.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentSnapshotSchema, type EnvironmentSnapshot } from "../environment/schema.js";
import { InvalidOptionsError } from "../errors.js";
import { runPaths, studyPaths } from "../study-format/layout.js";
import type { RunResult } from "../results/result-schema.js";
import type { Statistic } from "../results/stats.js";
import { readStudy, type StudyOnDisk, type StudyRunOnDisk } from "../results/study-reader.js";
import { hardwareOf, hardwareWarnings } from "../results/hardware-strata.js";
import type { RunStatus } from "../study-format/run-status.js";
import { version } from "../version.js";
import { paretoFront } from "./pareto.js";
import { readRunTimeline, type RunTimeline } from "./run-timeline.js";
import { assertInsideDir } from "../fs/inside-dir.js";

export const DEFAULT_MAX_POINTS_PER_RUN = 2000;

/** A figure of a configuration across its completed cycles. */
export interface FigureSummary {
  /** Completed runs with a value. */
  n: number;
  mean: number | null;
  /** 95 % percentile-bootstrap interval of the mean; null below 2 runs. */
  ci95: { low: number; high: number } | null;
  /** Coefficient of variation between cycles. */
  cv: number | null;
}

export interface ReportConfiguration {
  configHash: string;
  slug: string;
  name: string;
  /** The hardware of these runs (GPU model · driver · power limit): one row per configuration and hardware. */
  hardware: string;
  /** The name in the charts: the slug, with the GPU model where the study ran on several kinds of hardware. */
  label: string;
  /** Swept keys (dotted) and this configuration's values. */
  sweepValues: Record<string, unknown>;
  runsCompleted: number;
  /** Failed and interrupted runs. */
  runsFailed: number;
  energyPerOutputTokenJ: FigureSummary;
  outputTokensPerS: FigureSummary;
  energyPerRequestJ: FigureSummary;
  energyJ: FigureSummary;
  /** The cycles disagree by more than the CV threshold on some figure. */
  highVariation: boolean;
  /** No other configuration has both lower energy per output token and higher throughput. */
  onParetoFront: boolean;
  /** Each completed run's own figures (dots beside the mean). */
  runValues: { position: number; cycle: number; energyPerOutputTokenJ: number | null; outputTokensPerS: number | null }[];
}

export interface ReportWarning {
  code: string;
  message: string;
  device?: number;
}

export interface ReportRun {
  /** 0-based execution order. */
  position: number;
  /** The run directory's name, or `NNN_c{cycle}_{slug}` when it has none. */
  label: string;
  configHash: string;
  slug: string;
  /** 0-based. */
  cycle: number;
  status: RunStatus;
  /** The manifest's error, or the result's failure message. */
  error: string | null;
  /** Attempts so far (a failed or interrupted run is measured again on resume). */
  attempts: number;
  /** The earlier attempts, how each ended, and where their files are kept. */
  earlierAttempts: { attempt: number; status: RunStatus; error: string | null; evidence: string | null }[];
  startedAt: string | null;
  endedAt: string | null;
  energyJ: number | null;
  energyPerOutputTokenJ: number | null;
  outputTokensPerS: number | null;
  windowS: number | null;
  warnings: ReportWarning[];
  timeline: RunTimeline | null;
  /** Why there is no timeline (no result, no timeseries.parquet, unreadable). */
  timelineNote: string | null;
}

export interface WarningGroup {
  code: string;
  /** Each run that raised it, with its message(s). */
  runs: { position: number; label: string; messages: string[] }[];
}

export interface ReportGpu {
  index: number;
  name: string;
  uuid: string;
  architecture: string | null;
  memoryTotalMiB: number | null;
  powerLimitW: number | null;
  persistenceMode: boolean | null;
  migEnabled: boolean | null;
}

export interface ReportEnvironment {
  /** Where the snapshot came from. */
  source: "environment.json" | "result.json";
  takenAt: string;
  lemVersion: string;
  /** "simulated:<scenario>" or the NVML library; null when NVML was unavailable. */
  gpuSource: string | null;
  gpuUnavailableReason: string | null;
  driverVersion: string | null;
  nvmlVersion: string | null;
  cudaDriverVersion: string | null;
  cudaRuntimeVersion: string | null;
  cudaRuntimeSource: string;
  gpus: ReportGpu[];
  node: string;
  os: string;
  cpu: string;
  memoryTotalMiB: number;
  python: string | null;
  /** Python packages of inference engines and their stack, where the snapshot lists them. */
  enginePackages: { name: string; version: string | null }[];
}

export interface ReportStudy {
  name: string;
  studyHash: string;
  dir: string;
  file: string;
  /** completed, completed-with-failures, interrupted, stopped, or incomplete (no study.json). */
  status: string;
  createdAt: string;
  /** First run's start and last run's end (ISO 8601), when any run ran. */
  startedAt: string | null;
  endedAt: string | null;
  counts: Record<RunStatus, number>;
  plannedRuns: number;
  configurations: number;
  cycles: number | null;
  order: string | null;
  /** The lem version that wrote study.json (or the first result). */
  lemVersion: string | null;
  /** How the intervals were computed (from study.json), e.g. "percentile bootstrap of the mean, 95 %, 10000 resamples". */
  intervalMethod: string;
  /** study.json is absent: the statistics were computed from the results on disk. */
  statisticsFromResults: boolean;
  /** Warnings of the study as a whole (sweep expansion, pre-flight). */
  warnings: string[];
  invalidPoints: { sweepValues: Record<string, unknown>; reason: string }[];
  /** Backends and engine versions of the runs, with how many runs used each. */
  engines: { backend: string; engineVersion: string | null; model: string; runs: number }[];
}

export interface ReportData {
  schemaVersion: 1;
  generatedAt: string;
  /** The lem that wrote the report. */
  reportLemVersion: string;
  /** Any run was measured on the simulated GPU. */
  simulated: boolean;
  /** The simulated GPU's scenario, when known. */
  scenario: string | null;
  study: ReportStudy;
  environment: ReportEnvironment | null;
  configurations: ReportConfiguration[];
  runs: ReportRun[];
  warningGroups: WarningGroup[];
  maxPointsPerRun: number;
}

export interface GatherOptions {
  /** Points per run for each of power and temperature (all GPUs together); default 2000. */
  maxPointsPerRun?: number;
}

/** Python packages worth showing beside the engines' own versions. */
const ENGINE_PACKAGES = new Set([
  "vllm",
  "sglang",
  "tensorrt-llm",
  "tensorrt_llm",
  "text-generation-inference",
  "transformers",
  "accelerate",
  "torch",
  "flash-attn",
  "flash_attn",
  "xformers",
  "triton",
  "bitsandbytes",
  "llama-cpp-python",
  "llama_cpp_python",
  "optimum",
  "auto-gptq",
  "autoawq",
]);

function figure(s: Statistic): FigureSummary {
  return { n: s.n, mean: s.mean, ci95: s.ci95, cv: s.cv };
}

function runLabel(r: StudyRunOnDisk): string {
  if (r.dirName) return r.dirName;
  return `${String(r.manifest.position + 1).padStart(3, "0")}_c${r.manifest.cycle + 1}_${r.manifest.slug}`;
}

function environmentOf(dir: string, results: readonly RunResult[]): ReportEnvironment | null {
  const file = studyPaths(dir).environmentJson;
  const candidates: { source: ReportEnvironment["source"]; value: unknown }[] = [];
  assertInsideDir(dir, file);
  if (existsSync(file)) {
    try {
      candidates.push({ source: "environment.json", value: JSON.parse(readFileSync(file, "utf8")) });
    } catch {
      // a damaged environment.json: fall back on a result's copy of the snapshot
    }
  }
  for (const r of results) if (r.environment) candidates.push({ source: "result.json", value: r.environment });
  for (const c of candidates) {
    const parsed = EnvironmentSnapshotSchema.safeParse(c.value);
    if (parsed.success) return shapeEnvironment(parsed.data, c.source);
  }
  return null;
}

function shapeEnvironment(e: EnvironmentSnapshot, source: ReportEnvironment["source"]): ReportEnvironment {
  const gpu = e.gpu;
  const packages = e.python && "packages" in e.python ? e.python.packages : [];
  return {
    source,
    takenAt: e.takenAt,
    lemVersion: e.lem.version,
    gpuSource: gpu.available ? gpu.source : null,
    gpuUnavailableReason: gpu.available ? null : gpu.reason,
    driverVersion: gpu.available ? (gpu.driverVersion ?? null) : null,
    nvmlVersion: gpu.available ? (gpu.nvmlVersion ?? null) : null,
    cudaDriverVersion: gpu.available ? (gpu.cudaDriverVersion ?? null) : null,
    cudaRuntimeVersion: e.cudaRuntime.version,
    cudaRuntimeSource: e.cudaRuntime.source,
    gpus: gpu.available
      ? gpu.devices.map((d) => ({
          index: d.index,
          name: d.name,
          uuid: d.uuid,
          architecture: d.architecture ?? null,
          memoryTotalMiB: d.memoryTotalMiB ?? null,
          powerLimitW: d.enforcedPowerLimitW ?? d.powerLimitW ?? null,
          persistenceMode: d.persistenceMode ?? null,
          migEnabled: d.migEnabled ?? null,
        }))
      : [],
    node: `${e.node.version} (${e.node.platform}-${e.node.arch})`,
    os: `${e.os.distribution ?? e.os.type} (kernel ${e.os.release})`,
    cpu: `${e.cpu.model}, ${e.cpu.cores} cores`,
    memoryTotalMiB: e.memory.totalMiB,
    python: e.python?.version ?? null,
    enginePackages: packages.filter((p) => ENGINE_PACKAGES.has(p.name.toLowerCase())).map((p) => ({ name: p.name, version: p.version })),
  };
}

function enginesOf(results: readonly RunResult[]): ReportStudy["engines"] {
  const byKey = new Map<string, ReportStudy["engines"][number]>();
  for (const r of results) {
    const key = JSON.stringify([r.identity.backend, r.identity.engineVersion, r.identity.model]);
    const e = byKey.get(key) ?? { backend: r.identity.backend, engineVersion: r.identity.engineVersion, model: r.identity.model, runs: 0 };
    e.runs++;
    byKey.set(key, e);
  }
  return [...byKey.values()];
}

function stringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function invalidPointsOf(v: unknown): ReportStudy["invalidPoints"] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((p: unknown) => {
    if (typeof p !== "object" || p === null) return [];
    const o = p as { sweepValues?: unknown; reason?: unknown };
    const sweepValues = typeof o.sweepValues === "object" && o.sweepValues !== null ? (o.sweepValues as Record<string, unknown>) : {};
    return typeof o.reason === "string" ? [{ sweepValues, reason: o.reason }] : [];
  });
}

function intervalMethodOf(statistics: Record<string, unknown> | undefined): string {
  if (!statistics) return "percentile bootstrap of the mean, 95 %";
  const parts: string[] = [];
  if (typeof statistics["interval"] === "string") parts.push(statistics["interval"]);
  if (typeof statistics["confidence"] === "number") parts.push(`${Math.round(statistics["confidence"] * 1000) / 10} %`);
  if (typeof statistics["resamples"] === "number") parts.push(`${statistics["resamples"]} resamples`);
  return parts.length ? parts.join(", ") : "percentile bootstrap of the mean, 95 %";
}

function studyOf(s: StudyOnDisk): ReportStudy {
  const m = s.manifest;
  const counts = { pending: 0, running: 0, completed: 0, failed: 0, interrupted: 0, skipped: 0 } satisfies Record<RunStatus, number>;
  for (const r of m.runs) counts[r.status]++;
  const started = m.runs.map((r) => r.startedAt).filter((t): t is string => t !== null).sort();
  const ended = m.runs.map((r) => r.endedAt).filter((t): t is string => t !== null).sort();
  const recorded = s.studyJson?.study ?? {};
  const preflight = new Set<string>();
  for (const r of s.results) for (const w of r.preflight.warnings) preflight.add(w);
  const cycles = m.execution["cycles"];
  const order = m.execution["order"];
  return {
    name: m.study.name,
    studyHash: m.study.studyHash,
    dir: s.dir,
    file: m.study.file,
    status: s.status,
    createdAt: m.study.createdAt,
    startedAt: started[0] ?? null,
    endedAt: ended[ended.length - 1] ?? null,
    counts,
    plannedRuns: m.runs.length,
    configurations: m.experiments.length,
    cycles: typeof cycles === "number" ? cycles : null,
    order: typeof order === "string" ? order : null,
    lemVersion: s.studyJson?.lemVersion ?? s.results[0]?.identity.lemVersion ?? null,
    intervalMethod: intervalMethodOf(s.studyJson?.statistics),
    statisticsFromResults: s.studyJson === null,
    warnings: [...new Set([...stringArray(recorded["warnings"]), ...hardwareWarnings(s.results, new Map(s.experiments.map((e) => [e.hash, e.slug])))])].concat([...preflight].map((w) => `pre-flight: ${w}`)),
    invalidPoints: invalidPointsOf(recorded["invalidPoints"]),
    engines: enginesOf(s.results),
  };
}

function configurationsOf(s: StudyOnDisk): ReportConfiguration[] {
  const front = new Set(
    paretoFront(
      s.configurations.map((c) => ({
        energyPerOutputTokenJ: c.stats.energyPerOutputTokenJ.mean ?? Number.NaN,
        outputTokensPerS: c.stats.outputTokensPerS.mean ?? Number.NaN,
      })),
    ),
  );
  const mixed = new Set(s.configurations.map((c) => c.hardware)).size > 1;
  return s.configurations.map((c, i) => ({
    configHash: c.configHash,
    slug: c.slug,
    name: c.name,
    hardware: c.hardware,
    label: mixed ? `${c.slug} @ ${c.gpuModel ?? c.hardware}${s.configurations.filter((o) => o.slug === c.slug && o.gpuModel === c.gpuModel).length > 1 ? ` (${c.hardware})` : ""}` : c.slug,
    sweepValues: c.sweepValues,
    runsCompleted: c.runs.completed,
    runsFailed: c.runs.failed,
    energyPerOutputTokenJ: figure(c.stats.energyPerOutputTokenJ),
    outputTokensPerS: figure(c.stats.outputTokensPerS),
    energyPerRequestJ: figure(c.stats.energyPerRequestJ),
    energyJ: figure(c.stats.energyJ),
    highVariation: c.highVariation,
    onParetoFront: front.has(i),
    runValues: s.results
      .filter((r) => r.identity.configHash === c.configHash && hardwareOf(r) === c.hardware && r.status === "completed")
      .map((r) => ({
        position: r.identity.position,
        cycle: r.identity.cycle,
        energyPerOutputTokenJ: r.perToken.energyPerOutputTokenJ,
        outputTokensPerS: r.throughput.outputTokensPerS,
      })),
  }));
}

async function runOf(s: StudyOnDisk, r: StudyRunOnDisk, maxPointsPerRun: number): Promise<ReportRun> {
  const result = r.result;
  let timeline: RunTimeline | null = null;
  let timelineNote: string | null = null;
  if (!result || !r.dirName) timelineNote = `no result (the run is ${r.manifest.status})`;
  else {
    const file = runPaths(join(s.dir, r.dirName)).timeseriesParquet;
    assertInsideDir(s.dir, file);
    if (!existsSync(file)) timelineNote = `${r.dirName}/timeseries.parquet is missing`;
    else {
      try {
        timeline = await readRunTimeline(file, result.window, maxPointsPerRun);
      } catch (error) {
        timelineNote = `${r.dirName}/timeseries.parquet could not be read: ${(error as Error).message}`;
      }
    }
  }
  return {
    position: r.manifest.position,
    label: runLabel(r),
    configHash: r.manifest.configHash,
    slug: r.manifest.slug,
    cycle: r.manifest.cycle,
    status: r.manifest.status,
    error: r.manifest.error ?? result?.failure?.message ?? null,
    attempts: r.manifest.attempts,
    earlierAttempts: (r.manifest.history ?? []).map((a) => ({ attempt: a.attempt, status: a.status, error: a.error, evidence: a.evidence })),
    startedAt: r.manifest.startedAt,
    endedAt: r.manifest.endedAt,
    energyJ: result?.energy.totalJ ?? null,
    energyPerOutputTokenJ: result?.perToken.energyPerOutputTokenJ ?? null,
    outputTokensPerS: result?.throughput.outputTokensPerS ?? null,
    windowS: result?.timings.windowS ?? null,
    warnings: (result?.warnings ?? []).map((w) => ({ code: w.code, message: w.message, ...(w.device !== undefined ? { device: w.device } : {}) })),
    timeline,
    timelineNote,
  };
}

/** Run warnings by code (most frequent first), each with the runs that raised it. */
export function groupWarnings(runs: readonly Pick<ReportRun, "position" | "label" | "warnings">[]): WarningGroup[] {
  const groups = new Map<string, WarningGroup>();
  for (const run of runs) {
    const byCode = new Map<string, string[]>();
    for (const w of run.warnings) byCode.set(w.code, [...(byCode.get(w.code) ?? []), w.message]);
    for (const [code, messages] of byCode) {
      const g = groups.get(code) ?? { code, runs: [] };
      g.runs.push({ position: run.position, label: run.label, messages });
      groups.set(code, g);
    }
  }
  return [...groups.values()].sort((a, b) => b.runs.length - a.runs.length || a.code.localeCompare(b.code));
}

function scenarioOf(environment: ReportEnvironment | null): string | null {
  const source = environment?.gpuSource;
  return source?.startsWith("simulated:") ? source.slice("simulated:".length) : null;
}

/**
 * Reads the study in `studyDir` (see readStudy: throws StudyReadError, saying what is wrong,
 * for a directory that is not a readable lem study) and shapes everything the report shows.
 */
export async function gatherReportData(studyDir: string, options: GatherOptions = {}): Promise<ReportData> {
  const maxPointsPerRun = options.maxPointsPerRun ?? DEFAULT_MAX_POINTS_PER_RUN;
  if (!Number.isInteger(maxPointsPerRun) || maxPointsPerRun < 4) {
    throw new InvalidOptionsError(`maxPointsPerRun must be a whole number >= 4, got ${maxPointsPerRun}`);
  }
  const s = readStudy(studyDir);
  const environment = environmentOf(s.dir, s.results);
  const runs: ReportRun[] = [];
  // One run at a time: a long study's timeseries files can be large.
  for (const r of s.runs) runs.push(await runOf(s, r, maxPointsPerRun));
  return {
    schemaVersion: 1,
    generatedAt: new Date().toISOString(),
    reportLemVersion: version,
    simulated: s.simulated || environment?.gpuSource?.startsWith("simulated:") === true,
    scenario: scenarioOf(environment),
    study: studyOf(s),
    environment,
    configurations: configurationsOf(s),
    runs,
    warningGroups: groupWarnings(runs),
    maxPointsPerRun,
  };
}
