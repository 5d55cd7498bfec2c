// Figures from different GPU models, drivers or power limits are never pooled (summary, show, compare, report).
import { describe, expect, it } from "vitest";
import { computeDerived, type RunResult } from "../lib/results/result-schema.js";
import { summarizeConfigs, summaryCsv } from "../lib/results/summary-csv.js";
import { hardwareWarnings, HARDWARE_NOT_RECORDED } from "../lib/results/hardware-strata.js";
import { parseCsv } from "./support/study.js";
import { compareStudies } from "../lib/results/compare.js";
import type { StudyOnDisk } from "../lib/results/study-reader.js";

const H100 = { name: "NVIDIA H100 80GB HBM3", driverVersion: "550.54.15", powerLimitW: 700 };
const GH200 = { name: "NVIDIA GH200 480GB", driverVersion: "550.54.15", powerLimitW: 900 };

function run(position: number, hash: string, energyJ: number, gpu: typeof H100 | null): RunResult {
  const derived = computeDerived({ energyJ, adjustedEnergyJ: null, windowS: 10, inputTokens: 100, outputTokens: 1000, requests: 10 });
  return {
    schemaVersion: 1,
    identity: { lemVersion: "0.1.0", studyName: "s", configHash: hash, slug: `cfg-${hash.slice(0, 2)}`, backend: "command", engineVersion: null, model: "m", cycle: 0, position },
    config: { model: "m" },
    status: "completed",
    simulated: false,
    timings: { startedAt: "2025-01-01T00:00:00.000Z", endedAt: "2025-01-01T00:00:10.000Z", wallS: 10, settlingS: 0, windowS: 10 },
    window: { source: "protocol", startNs: "0", endNs: "10000000000" },
    energy: { totalJ: energyJ, adjustedTotalJ: null, devices: [] },
    ...derived,
    thermal: { settling: null },
    warnings: [],
    preflight: { skipped: false, warnings: [] },
    baseline: null,
    environment: null,
    ...(gpu ? { placement: { executor: "slurm" as const, hostname: `node${position}`, slurm: null, gpus: [{ index: 0, uuid: `GPU-${position}`, ...gpu }] } } : {}),
  };
}

// aa ran twice on an H100 and once on a GH200; bb three times on an H100.
const mixed = [run(0, "aaaaaaaa11", 1000, H100), run(1, "bbbbbbbb22", 2000, H100), run(2, "aaaaaaaa11", 1200, H100), run(3, "aaaaaaaa11", 700, GH200), run(4, "bbbbbbbb22", 2200, H100), run(5, "bbbbbbbb22", 2100, H100)];
const h100Key = "NVIDIA H100 80GB HBM3 · driver 550.54.15 · 700 W";
const gh200Key = "NVIDIA GH200 480GB · driver 550.54.15 · 900 W";

describe("hardware strata", () => {
  it("give one summary row per configuration and hardware, never pooling the GH200 run into the H100 mean", () => {
    const rows = summarizeConfigs(mixed);
    expect(rows.map((r) => [r.configHash, r.hardware, r.runs.completed, r.stats.energyJ.mean])).toEqual([
      ["aaaaaaaa11", h100Key, 2, 1100],
      ["aaaaaaaa11", gh200Key, 1, 700],
      ["bbbbbbbb22", h100Key, 3, 2100],
    ]);
    expect(rows.map((r) => r.gpuModel)).toEqual(["NVIDIA H100 80GB HBM3", "NVIDIA GH200 480GB", "NVIDIA H100 80GB HBM3"]);
  });

  it("put the hardware in summary.csv, one row each", () => {
    const [header, ...body] = parseCsv(summaryCsv(summarizeConfigs(mixed)));
    const col = header!.indexOf("hardware");
    expect(col).toBeGreaterThan(header!.indexOf("name"));
    expect(header![col + 1]).toBe("runs_completed");
    expect(body.map((r) => r[col])).toEqual([h100Key, gh200Key, h100Key]);
  });

  it("warn for the configuration that landed on different hardware, with the counts and how to pin it", () => {
    expect(hardwareWarnings(mixed, new Map([["aaaaaaaa11", "bs8"]]))).toEqual([
      `configuration bs8 was measured on 2 kinds of hardware (2 run(s) on ${h100Key}; 1 run(s) on ${gh200Key}): its figures are reported per hardware, never pooled. Pin the hardware with execution.slurm.gpuType or execution.slurm.constraint (docs/slurm.md).`,
    ]);
  });

  it("tell apart power limits of one GPU model", () => {
    const capped = [run(0, "aaaaaaaa11", 1000, H100), run(1, "aaaaaaaa11", 800, { ...H100, powerLimitW: 400 })];
    expect(summarizeConfigs(capped)).toHaveLength(2);
    expect(hardwareWarnings(capped)).toHaveLength(1);
  });

  it("keep results without a recorded placement (older lem) in one group, without a warning", () => {
    const old = [run(0, "aaaaaaaa11", 1000, null), run(1, "aaaaaaaa11", 1200, null)];
    const rows = summarizeConfigs(old);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.hardware).toBe(HARDWARE_NOT_RECORDED);
    expect(rows[0]!.gpuModel).toBeNull();
    expect(hardwareWarnings(old)).toEqual([]);
  });
});

describe("comparing studies across hardware", () => {
  function study(name: string, results: RunResult[]): StudyOnDisk {
    return {
      dir: `/r/${name}`,
      manifest: { study: { name, studyHash: "abcdef0123456789" } },
      experiments: [{ hash: "aaaaaaaa11", slug: "cfg-aa", name: "cfg-aa", sweepValues: {} }],
      results,
      simulated: false,
    } as unknown as StudyOnDisk;
  }

  it("says when the two sides ran on different hardware: the ratio compares hardware too", () => {
    const c = compareStudies(study("a", [run(0, "aaaaaaaa11", 1000, H100), run(1, "aaaaaaaa11", 1100, H100)]), study("b", [run(0, "aaaaaaaa11", 700, GH200), run(1, "aaaaaaaa11", 760, GH200)]));
    expect(c.configurations[0]!.hardware).toEqual({ a: [h100Key], b: [gh200Key] });
    expect(c.notes).toContain(`cfg-aa ran on ${h100Key} in A and on ${gh200Key} in B: its ratios compare the hardware as well as the configuration`);
  });

  it("says when one side pooled runs of different hardware", () => {
    const c = compareStudies(study("a", [run(0, "aaaaaaaa11", 1000, H100), run(1, "aaaaaaaa11", 700, GH200)]), study("b", [run(0, "aaaaaaaa11", 1000, H100)]));
    expect(c.notes.some((n) => n.startsWith("cfg-aa in study A was measured on 2 kinds of hardware"))).toBe(true);
  });
});
