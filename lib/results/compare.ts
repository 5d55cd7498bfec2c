/**
 * Comparing two studies: the same configurations in both, each figure's ratio of means (B / A)
 * with a 95 % percentile-bootstrap interval of that ratio (each side's runs resampled
 * independently, seeded), and the configurations found in only one of them.
 */
import { metricOf } from "./summary-csv.js";
import { quantileSorted } from "./bootstrap.js";
import type { RunResult } from "./result-schema.js";
import { DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES } from "./stats.js";
import type { StudyOnDisk } from "./study-reader.js";
import { randomInt, seededRandom } from "../random/seeded-random.js";
import { hardwareOf, HARDWARE_NOT_RECORDED } from "./hardware-strata.js";

/** The figures compared, in display order. */
export const COMPARE_METRICS = ["energyPerOutputTokenJ", "energyPerRequestJ", "outputTokensPerS", "energyJ"] as const;
export type CompareMetric = (typeof COMPARE_METRICS)[number];

export interface CompareOptions {
  /** Seed of the bootstrap; default 1. */
  seed?: number;
  /** Bootstrap resamples; default 10000. */
  resamples?: number;
  /** How configurations are matched: by configuration hash (default) or by slug (same swept values, other settings may differ). */
  match?: "config" | "slug";
}

export interface SideFigure {
  /** Completed runs with a finite value. */
  n: number;
  mean: number | null;
}

export interface MetricComparison {
  a: SideFigure;
  b: SideFigure;
  /** mean(B) / mean(A); null when a side has no value or mean(A) is 0. */
  ratio: number | null;
  /** 95 % percentile-bootstrap interval of the ratio; null unless both sides have 2 or more values. */
  ci95: { low: number; high: number } | null;
  /** The interval lies wholly above or below 1. */
  differs: boolean;
}

export interface ConfigRef {
  configHash: string;
  slug: string;
  name: string;
}

export interface ConfigComparison {
  /** The key the two were matched on (configuration hash or slug). */
  key: string;
  a: ConfigRef;
  b: ConfigRef;
  sweepValues: Record<string, unknown>;
  metrics: Record<CompareMetric, MetricComparison>;
  /** The hardware of each side's completed runs (GPU model · driver · power limit). */
  hardware: { a: string[]; b: string[] };
}

export interface StudySide {
  dir: string;
  name: string;
  studyHash: string;
  simulated: boolean;
}

export interface StudyComparison {
  a: StudySide;
  b: StudySide;
  match: "config" | "slug";
  statistics: { interval: string; confidence: number; resamples: number; seed: number };
  /** Configurations in both, in A's order. */
  configurations: ConfigComparison[];
  onlyInA: ConfigRef[];
  onlyInB: ConfigRef[];
  /** Things to keep in mind reading the ratios (simulated figures, ...). */
  notes: string[];
}

/** A run's value of a compared figure (null when unknown). */
export function compareMetricOf(r: RunResult, metric: CompareMetric): number | null {
  return metricOf(r, metric);
}

const finite = (values: readonly (number | null | undefined)[]): number[] =>
  values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));

const meanOf = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((s, v) => s + v, 0) / xs.length);

/**
 * Ratio of means B / A and its percentile-bootstrap interval: each resample draws |A| values from
 * A and |B| from B with replacement (independently) and takes mean(B*) / mean(A*).
 */
export function ratioOfMeans(
  aValues: readonly (number | null | undefined)[],
  bValues: readonly (number | null | undefined)[],
  options: { seed?: number; resamples?: number; confidence?: number } = {},
): MetricComparison {
  const a = finite(aValues);
  const b = finite(bValues);
  const meanA = meanOf(a);
  const meanB = meanOf(b);
  const q = meanA === null || meanB === null || meanA === 0 ? null : meanB / meanA;
  const ratio = q !== null && Number.isFinite(q) ? q : null;
  let ci95: MetricComparison["ci95"] = null;
  if (ratio !== null && a.length >= 2 && b.length >= 2) {
    const resamples = options.resamples ?? DEFAULT_RESAMPLES;
    if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a whole number >= 1, got ${resamples}`);
    const confidence = options.confidence ?? 0.95;
    const random = seededRandom(options.seed ?? DEFAULT_BOOTSTRAP_SEED);
    const ratios = new Float64Array(resamples);
    let kept = 0;
    for (let r = 0; r < resamples; r++) {
      let sa = 0;
      for (let i = 0; i < a.length; i++) sa += a[randomInt(random, a.length)]!;
      let sb = 0;
      for (let i = 0; i < b.length; i++) sb += b[randomInt(random, b.length)]!;
      const x = sb / b.length / (sa / a.length);
      if (Number.isFinite(x)) ratios[kept++] = x;
    }
    if (kept > 0) {
      const sorted = ratios.subarray(0, kept).sort();
      const alpha = 1 - confidence;
      ci95 = { low: quantileSorted(sorted, alpha / 2), high: quantileSorted(sorted, 1 - alpha / 2) };
    }
  }
  return {
    a: { n: a.length, mean: meanA },
    b: { n: b.length, mean: meanB },
    ratio,
    ci95,
    differs: ci95 !== null && (ci95.low > 1 || ci95.high < 1),
  };
}

interface Group {
  ref: ConfigRef;
  sweepValues: Record<string, unknown>;
  completed: RunResult[];
}

/** The study's configurations keyed by hash or slug, in the manifest's order, with their completed runs. */
function groupsOf(s: StudyOnDisk, match: "config" | "slug"): Map<string, Group> {
  const byHash = new Map<string, Group>();
  for (const e of s.experiments) byHash.set(e.hash, { ref: { configHash: e.hash, slug: e.slug, name: e.name }, sweepValues: e.sweepValues, completed: [] });
  for (const r of s.results) {
    let g = byHash.get(r.identity.configHash);
    if (!g) {
      g = { ref: { configHash: r.identity.configHash, slug: r.identity.slug, name: r.identity.slug }, sweepValues: {}, completed: [] };
      byHash.set(r.identity.configHash, g);
    }
    if (r.status === "completed") g.completed.push(r);
  }
  if (match === "config") return byHash;
  const bySlug = new Map<string, Group>();
  for (const g of byHash.values()) {
    const seen = bySlug.get(g.ref.slug);
    // Two configurations with one slug (rare): the first keeps the slug, the other is matched by "slug#hash".
    bySlug.set(seen ? `${g.ref.slug}#${g.ref.configHash}` : g.ref.slug, g);
  }
  return bySlug;
}

function sideOf(s: StudyOnDisk): StudySide {
  return { dir: s.dir, name: s.manifest.study.name, studyHash: s.manifest.study.studyHash, simulated: s.simulated };
}

/** Compares the configurations `a` and `b` share (B relative to A). */
export function compareStudies(a: StudyOnDisk, b: StudyOnDisk, options: CompareOptions = {}): StudyComparison {
  const match = options.match ?? "config";
  const seed = options.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const ga = groupsOf(a, match);
  const gb = groupsOf(b, match);
  const configurations: ConfigComparison[] = [];
  const onlyInA: ConfigRef[] = [];
  for (const [key, x] of ga) {
    const y = gb.get(key);
    if (!y) {
      onlyInA.push(x.ref);
      continue;
    }
    const metrics = Object.fromEntries(
      COMPARE_METRICS.map((m) => [
        m,
        ratioOfMeans(
          x.completed.map((r) => compareMetricOf(r, m)),
          y.completed.map((r) => compareMetricOf(r, m)),
          { seed, resamples },
        ),
      ]),
    ) as Record<CompareMetric, MetricComparison>;
    const hardware = { a: [...new Set(x.completed.map(hardwareOf))], b: [...new Set(y.completed.map(hardwareOf))] };
    configurations.push({ key, a: x.ref, b: y.ref, sweepValues: Object.keys(x.sweepValues).length ? x.sweepValues : y.sweepValues, metrics, hardware });
  }
  const onlyInB = [...gb].filter(([key]) => !ga.has(key)).map(([, g]) => g.ref);
  const notes: string[] = [];
  if (a.simulated && b.simulated) notes.push("both studies ran on the simulated GPU: these ratios are not measurements of hardware");
  else if (a.simulated || b.simulated) notes.push(`study ${a.simulated ? "A" : "B"} ran on the simulated GPU: comparing it with a measured study means nothing`);
  if (match === "config" && configurations.length === 0 && onlyInA.length > 0 && onlyInB.length > 0) {
    notes.push("no configuration is in both studies (hashes differ); to pair configurations by their slug instead, use --match slug");
  }
  if (configurations.some((c) => COMPARE_METRICS.some((m) => c.metrics[m].ratio !== null && c.metrics[m].ci95 === null))) {
    notes.push("a ratio without an interval has fewer than 2 completed runs on a side");
  }
  for (const c of configurations) {
    for (const side of ["a", "b"] as const) {
      if (c.hardware[side].length > 1) {
        notes.push(`${c[side].slug} in study ${side.toUpperCase()} was measured on ${c.hardware[side].length} kinds of hardware (${c.hardware[side].join("; ")}): its runs are pooled in this ratio, which lem's own summaries never do; compare studies that each ran on one kind (execution.slurm.gpuType)`);
      }
    }
    const known = (list: string[]) => list.filter((h) => h !== HARDWARE_NOT_RECORDED);
    const ha = known(c.hardware.a);
    const hb = known(c.hardware.b);
    if (ha.length === 1 && hb.length === 1 && ha[0] !== hb[0]) {
      notes.push(`${c.a.slug} ran on ${ha[0]} in A and on ${hb[0]} in B: its ratios compare the hardware as well as the configuration`);
    }
  }
  notes.push("the intervals cover the spread between cycles, not NVML's own calibration error (about ±5 % per board; it cancels only when both studies used the same GPUs)");
  return {
    a: sideOf(a),
    b: sideOf(b),
    match,
    statistics: { interval: "percentile bootstrap of the ratio of means (B / A), sides resampled independently", confidence: 0.95, resamples, seed },
    configurations,
    onlyInA,
    onlyInB,
    notes,
  };
}
