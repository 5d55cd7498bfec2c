/**
 * Energy figures from different GPU models, drivers or power limits are never pooled: runs are
 * grouped by configuration and hardware (placement.gpus), and a configuration whose runs landed
 * on different hardware is reported per hardware, with a warning that says how to pin it.
 */
import { hardwareKey } from "../study-format/placement.js";
import type { RunResult } from "./result-schema.js";

/** Results written before lem recorded placements: one group, never warned about. */
export const HARDWARE_NOT_RECORDED = "hardware not recorded";

export function hardwareOf(r: RunResult): string {
  return r.placement ? hardwareKey(r.placement.gpus) : HARDWARE_NOT_RECORDED;
}

/** The GPU model(s) of a run, e.g. "NVIDIA H100 80GB HBM3"; null when not recorded. */
export function gpuModelOf(r: RunResult): string | null {
  if (!r.placement || r.placement.gpus.length === 0) return null;
  return [...new Set(r.placement.gpus.map((g) => g.name))].join(" + ");
}

/** One warning per configuration whose runs were measured on more than one kind of hardware. */
export function hardwareWarnings(results: readonly RunResult[], labels: ReadonlyMap<string, string> = new Map()): string[] {
  const byConfig = new Map<string, Map<string, number>>();
  for (const r of results) {
    if (!r.placement) continue;
    const counts = byConfig.get(r.identity.configHash) ?? new Map<string, number>();
    const key = hardwareOf(r);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    byConfig.set(r.identity.configHash, counts);
  }
  const warnings: string[] = [];
  for (const [hash, counts] of byConfig) {
    if (counts.size < 2) continue;
    const name = labels.get(hash) ?? results.find((r) => r.identity.configHash === hash)!.identity.slug;
    const parts = [...counts].map(([hw, n]) => `${n} run(s) on ${hw}`).join("; ");
    warnings.push(
      `configuration ${name} was measured on ${counts.size} kinds of hardware (${parts}): its figures are reported per hardware, never pooled. Pin the hardware with execution.slurm.gpuType or execution.slurm.constraint (docs/slurm.md).`,
    );
  }
  return warnings;
}
