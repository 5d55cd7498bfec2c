/**
 * Study-level results: every configuration's statistics across its cycles, as `study.json`
 * and as `summary.csv` (RFC 4180, one row per configuration, plain decimal numbers).
 */
import { mkdirSync } from "node:fs";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { version } from "../version.js";
import { studyPaths } from "../study-format/layout.js";
import type { RunResult } from "./result-schema.js";
import { DEFAULT_CV_THRESHOLD, DEFAULT_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, describe, type Statistic } from "./stats.js";
import { toJson } from "./write-result.js";
import { neutraliseFormula } from "./csv-injection.js";
import { gpuModelOf, hardwareOf } from "./hardware-strata.js";

/** The figures summarised per configuration, in the order of the CSV columns. */
export const SUMMARY_METRICS = [
  { key: "energyPerOutputTokenJ", column: "energy_per_output_token_j" },
  { key: "energyPerRequestJ", column: "energy_per_request_j" },
  { key: "outputTokensPerS", column: "output_tokens_per_s" },
  { key: "energyJ", column: "energy_j" },
  { key: "adjustedEnergyJ", column: "adjusted_energy_j" },
] as const;

export type SummaryMetric = (typeof SUMMARY_METRICS)[number]["key"];

/** The metrics whose spread sets a configuration's `highVariation`. */
export const VARIATION_METRICS: readonly SummaryMetric[] = ["energyPerOutputTokenJ", "energyPerRequestJ", "outputTokensPerS", "energyJ"];

export interface ConfigSummary {
  configHash: string;
  slug: string;
  name: string;
  /** The hardware these runs were measured on (GPU model · driver · power limit); one row per configuration and hardware. */
  hardware: string;
  /** The GPU model(s), or null where results do not record it. */
  gpuModel: string | null;
  /** The swept keys (dotted) and this configuration's values. */
  sweepValues: Record<string, unknown>;
  /** `failed` counts failed and interrupted runs. */
  runs: { completed: number; failed: number };
  /** Over the completed runs. */
  stats: Record<SummaryMetric, Statistic>;
  /** Any of VARIATION_METRICS has a CV above the threshold. */
  highVariation: boolean;
}

export interface ExperimentLabel {
  hash: string;
  slug: string;
  name: string;
  sweepValues?: Record<string, unknown>;
}

export interface SummarizeOptions {
  /** Bootstrap seed; default 1. */
  seed?: number;
  cvThreshold?: number;
  resamples?: number;
  /** Names and swept values per configuration hash, and the row order; default: from the results, by first position. */
  experiments?: ExperimentLabel[];
}

/** A run's value of a summarised figure (null when unknown). */
export function metricOf(r: RunResult, key: SummaryMetric): number | null {
  switch (key) {
    case "energyPerOutputTokenJ":
      return r.perToken.energyPerOutputTokenJ;
    case "energyPerRequestJ":
      return r.perToken.energyPerRequestJ;
    case "outputTokensPerS":
      return r.throughput.outputTokensPerS;
    case "energyJ":
      return r.energy.totalJ;
    case "adjustedEnergyJ":
      return r.energy.adjustedTotalJ;
  }
}

/**
 * Groups results by configuration hash and hardware (never pooling GPU models, drivers or
 * power limits) and describes each figure over the completed runs. Rows follow the
 * experiments' order, then each configuration's hardware by its first run.
 */
export function summarizeConfigs(results: readonly RunResult[], options: SummarizeOptions = {}): ConfigSummary[] {
  const groups = new Map<string, Map<string, RunResult[]>>();
  for (const r of [...results].sort((a, b) => a.identity.position - b.identity.position)) {
    const byHardware = groups.get(r.identity.configHash) ?? new Map<string, RunResult[]>();
    const hw = hardwareOf(r);
    byHardware.set(hw, [...(byHardware.get(hw) ?? []), r]);
    groups.set(r.identity.configHash, byHardware);
  }
  const labels = new Map((options.experiments ?? []).map((e) => [e.hash, e]));
  const order = [...(options.experiments ?? []).map((e) => e.hash).filter((h) => groups.has(h))];
  for (const hash of groups.keys()) if (!labels.has(hash)) order.push(hash);
  const describeOptions = {
    seed: options.seed ?? DEFAULT_BOOTSTRAP_SEED,
    resamples: options.resamples ?? DEFAULT_RESAMPLES,
    ...(options.cvThreshold !== undefined ? { cvThreshold: options.cvThreshold } : {}),
  };
  return order.flatMap((hash) => [...groups.get(hash)!].map(([hardware, runs]) => {
    const completed = runs.filter((r) => r.status === "completed");
    const first = runs[0]!;
    const label = labels.get(hash);
    const configName = first.config["name"];
    const stats = Object.fromEntries(
      SUMMARY_METRICS.map((m) => [m.key, describe(completed.map((r) => metricOf(r, m.key)), describeOptions)]),
    ) as Record<SummaryMetric, Statistic>;
    return {
      configHash: hash,
      slug: label?.slug ?? first.identity.slug,
      name: label?.name ?? (typeof configName === "string" ? configName : first.identity.slug),
      hardware,
      gpuModel: gpuModelOf(first),
      sweepValues: label?.sweepValues ?? {},
      runs: { completed: completed.length, failed: runs.length - completed.length },
      stats,
      highVariation: VARIATION_METRICS.some((k) => stats[k].highVariation),
    };
  }));
}

/**
 * A number in plain decimal notation (no exponent, no locale, shortest round-trip digits);
 * null, undefined and non-finite numbers are empty.
 */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "";
  if (Object.is(x, -0)) return "0";
  const s = String(x);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = "", expText] = m;
  const exp = Number(expText);
  const digits = lead! + frac;
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  return sign + (digits.length > exp + 1 ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}` : digits + "0".repeat(exp + 1 - digits.length));
}

/** One CSV field: a would-be formula neutralised; quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvField(text: string): string {
  const value = neutraliseFormula(text);
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** RFC 4180 text: CRLF line ends, a final CRLF. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

const STAT_COLUMNS = ["n", "mean", "median", "std", "cv", "min", "max", "ci95_low", "ci95_high"] as const;

function statCells(s: Statistic): string[] {
  return [
    String(s.n),
    formatNumber(s.mean),
    formatNumber(s.median),
    formatNumber(s.std),
    formatNumber(s.cv),
    formatNumber(s.min),
    formatNumber(s.max),
    formatNumber(s.ci95?.low),
    formatNumber(s.ci95?.high),
  ];
}

/** summary.csv's text: a header and one row per configuration. */
export function summaryCsv(rows: readonly ConfigSummary[]): string {
  const fixed = ["config_hash", "slug", "name"];
  const sweepKeys: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.sweepValues)) if (!sweepKeys.includes(k)) sweepKeys.push(k);
  const tail = [
    "hardware",
    "runs_completed",
    "runs_failed",
    ...SUMMARY_METRICS.flatMap((m) => STAT_COLUMNS.map((c) => `${m.column}_${c}`)),
    "high_variation",
  ];
  const taken = new Set([...fixed, ...tail]);
  const header = [...fixed, ...sweepKeys.map((k) => (taken.has(k) ? `sweep.${k}` : k)), ...tail];
  const body = rows.map((r) => [
    r.configHash,
    r.slug,
    r.name,
    ...sweepKeys.map((k) => cell(r.sweepValues[k])),
    r.hardware,
    String(r.runs.completed),
    String(r.runs.failed),
    ...SUMMARY_METRICS.flatMap((m) => statCells(r.stats[m.key])),
    String(r.highVariation),
  ]);
  return toCsv([header, ...body]);
}

export interface StudySummaryOptions {
  /** Anything else to record in study.json (study name, hash, ...). */
  study?: Record<string, unknown>;
  seed?: number;
  cvThreshold?: number;
  resamples?: number;
}

/** Writes `study.json` and `summary.csv` into the study directory, atomically. */
export function writeStudySummary(dir: string, rows: readonly ConfigSummary[], options: StudySummaryOptions = {}): void {
  const paths = studyPaths(dir);
  mkdirSync(dir, { recursive: true });
  const study = {
    schemaVersion: 1,
    lemVersion: version,
    generatedAt: new Date().toISOString(),
    ...(options.study ? { study: options.study } : {}),
    statistics: {
      interval: "percentile bootstrap of the mean",
      confidence: 0.95,
      resamples: options.resamples ?? DEFAULT_RESAMPLES,
      seed: options.seed ?? DEFAULT_BOOTSTRAP_SEED,
      cvThreshold: options.cvThreshold ?? DEFAULT_CV_THRESHOLD,
    },
    configurations: rows,
  };
  writeFileAtomic(paths.studyJson, toJson(study));
  writeFileAtomic(paths.summaryCsv, summaryCsv(rows));
}
