/**
 * How long a study will take: the baseline, the gaps, and for each planned run the mean wall
 * time of earlier runs of the same configuration (same hash) found in the results directory.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedExperiment } from "../config/sweep.js";
import { readRunResult } from "../results/write-result.js";
import { Manifest } from "../study-format/manifest.js";
import type { PlannedRun } from "./plan.js";

export interface DurationEstimate {
  /** Seconds, counting only what is known. */
  knownS: number;
  /** Planned runs with no earlier run of their configuration to go by. */
  runsWithoutHistory: number;
  /** Earlier runs the estimate is based on. */
  historyRuns: number;
  explanation: string;
}

/** Mean wall seconds of completed runs per configuration hash, from every study under `resultsDir`. */
export function runTimeHistory(resultsDir: string): Map<string, { meanS: number; n: number }> {
  const sums = new Map<string, { total: number; n: number }>();
  if (!existsSync(resultsDir)) return new Map();
  for (const entry of readdirSync(resultsDir)) {
    const dir = join(resultsDir, entry);
    if (!existsSync(join(dir, "manifest.json"))) continue;
    let manifest: Manifest;
    try {
      manifest = Manifest.load(dir);
    } catch {
      continue; // not readable: no history from it
    }
    for (const r of manifest.data.runs) {
      if (r.status !== "completed" || !r.resultPath) continue;
      try {
        const result = readRunResult(join(dir, r.resultPath));
        const s = sums.get(r.configHash) ?? { total: 0, n: 0 };
        s.total += result.timings.wallS;
        s.n++;
        sums.set(r.configHash, s);
      } catch {
        // a result that cannot be read adds nothing
      }
    }
  }
  return new Map([...sums].map(([hash, s]) => [hash, { meanS: s.total / s.n, n: s.n }]));
}

export function estimateDuration(
  plan: PlannedRun[],
  experiments: ResolvedExperiment[],
  history: Map<string, { meanS: number; n: number }>,
): DurationEstimate {
  const m = experiments[0]?.config.measurement;
  const baselineS = m?.baseline.enabled ? m.baseline.durationS : 0;
  let knownS = baselineS;
  let without = 0;
  const used = new Set<string>();
  for (const p of plan) {
    const e = experiments[p.experiment]!;
    const s = e.config.measurement.settling;
    knownS += s.mode === "gap" ? s.gapS : 0;
    const h = history.get(e.hash);
    if (h) {
      knownS += h.meanS;
      used.add(e.hash);
    } else without++;
  }
  const historyRuns = [...used].reduce((n, h) => n + history.get(h)!.n, 0);
  const parts = [`baseline ${baselineS} s`];
  if (used.size) parts.push(`run times from ${historyRuns} earlier run(s) of ${used.size} configuration(s)`);
  if (without) parts.push(`${without} run(s) with no earlier run to go by (not counted)`);
  if (m?.settling.mode === "thermal") parts.push(`plus up to ${m.settling.maxWaitS} s of thermal settling per run`);
  return { knownS, runsWithoutHistory: without, historyRuns, explanation: parts.join("; ") };
}
