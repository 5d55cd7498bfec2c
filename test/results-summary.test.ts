// Per-configuration statistics across cycles, study.json and summary.csv.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCsv } from "./support/study.js";
import { describe, expect, it } from "vitest";
import { computeDerived, type RunResult } from "../lib/results/result-schema.js";
import { formatNumber, summarizeConfigs, summaryCsv, writeStudySummary } from "../lib/results/summary-csv.js";

function run(position: number, hash: string, energyJ: number | null, outputTokens: number, status: RunResult["status"] = "completed"): RunResult {
  const derived = computeDerived({ energyJ, adjustedEnergyJ: energyJ === null ? null : energyJ / 2, windowS: 10, inputTokens: 100, outputTokens, requests: 10 });
  return {
    schemaVersion: 1,
    identity: { lemVersion: "0.1.0", studyName: "s", configHash: hash, slug: `slug-${hash.slice(0, 2)}`, backend: "command", engineVersion: null, model: "m", cycle: 0, position },
    config: { model: "m" },
    status,
    simulated: false,
    timings: { startedAt: "2025-01-01T00:00:00.000Z", endedAt: "2025-01-01T00:00:10.000Z", wallS: 10, settlingS: 0, windowS: 10 },
    window: { source: "protocol", startNs: "0", endNs: "10000000000" },
    energy: { totalJ: energyJ, adjustedTotalJ: energyJ === null ? null : energyJ / 2, devices: [] },
    ...derived,
    thermal: { settling: null },
    warnings: [],
    preflight: { skipped: false, warnings: [] },
    baseline: null,
    environment: null,
  };
}


const results = [
  run(0, "aaaaaaaa11", 1000, 2000),
  run(1, "bbbbbbbb22", 3000, 2000),
  run(2, "aaaaaaaa11", 1100, 2000),
  run(3, "bbbbbbbb22", null, 0, "failed"),
  run(4, "aaaaaaaa11", 1200, 2000),
  run(5, "bbbbbbbb22", 3000, 2000),
];

describe("summarizeConfigs", () => {
  it("groups results by configuration in order of first run and describes the completed ones", () => {
    const [a, b] = summarizeConfigs(results);
    expect(a!.configHash).toBe("aaaaaaaa11");
    expect(a!.runs).toEqual({ completed: 3, failed: 0 });
    expect(a!.stats.energyJ.mean).toBeCloseTo(1100, 9);
    expect(a!.stats.energyJ.std).toBeCloseTo(100, 9);
    expect(a!.stats.energyPerOutputTokenJ.median).toBeCloseTo(0.55, 12);
    expect(a!.stats.energyPerRequestJ.mean).toBeCloseTo(110, 9);
    expect(a!.stats.outputTokensPerS.mean).toBe(200);
    expect(a!.stats.adjustedEnergyJ.mean).toBeCloseTo(550, 9);
    expect(a!.highVariation).toBe(true); // cv of energy 100 / 1100 > 0.05
    expect(b!.runs).toEqual({ completed: 2, failed: 1 });
    expect(b!.stats.energyJ.n).toBe(2);
    expect(b!.stats.energyJ.cv).toBe(0);
    expect(b!.highVariation).toBe(false);
  });

  it("takes names, swept values and row order from the experiment list", () => {
    const rows = summarizeConfigs(results, {
      experiments: [
        { hash: "bbbbbbbb22", slug: "bs16", name: "batch 16", sweepValues: { "params.batch_size": 16 } },
        { hash: "aaaaaaaa11", slug: "bs8", name: "batch 8", sweepValues: { "params.batch_size": 8 } },
      ],
    });
    expect(rows.map((r) => [r.slug, r.name, r.sweepValues["params.batch_size"]])).toEqual([
      ["bs16", "batch 16", 16],
      ["bs8", "batch 8", 8],
    ]);
  });

  it("gives the same intervals for the same seed", () => {
    expect(summarizeConfigs(results, { seed: 3 })).toEqual(summarizeConfigs(results, { seed: 3 }));
  });
});

describe("summary.csv against CSV injection", () => {
  const rows = summarizeConfigs(results, {
    experiments: [
      { hash: "aaaaaaaa11", slug: "bs8", name: '=HYPERLINK("http://x","y")', sweepValues: { "params.a": "+cmd|' /C calc'!A0", "params.b": "@SUM(1)", "params.c": "-2+3", "params.d": "\t=1", "params.e": -1.5, "params.f": "-2e-7" } },
      { hash: "bbbbbbbb22", slug: "bs16", name: "plain", sweepValues: {} },
    ],
  });

  it("prefixes cells starting with =, +, -, @ or a tab with an apostrophe, and leaves numbers such as -1.5 alone", () => {
    const table = parseCsv(summaryCsv(rows));
    const first = Object.fromEntries(table[0]!.map((h, i) => [h, table[1]![i]]));
    expect([first.name, first["params.a"], first["params.b"], first["params.c"], first["params.d"]]).toEqual([
      `'=HYPERLINK("http://x","y")`,
      "'+cmd|' /C calc'!A0",
      "'@SUM(1)",
      "'-2+3",
      "'\t=1",
    ]);
    expect([first["params.e"], first["params.f"]]).toEqual(["-1.5", "-2e-7"]);
  });
});

describe("summary.csv", () => {
  const rows = summarizeConfigs(results, {
    experiments: [
      { hash: "aaaaaaaa11", slug: "bs8", name: 'llama, "fast"\nvariant', sweepValues: { "params.batch_size": 8, prompt: "a,b" } },
      { hash: "bbbbbbbb22", slug: "bs16", name: "plain", sweepValues: { "params.batch_size": 16 } },
    ],
  });

  it("round-trips a field holding commas, quotes and a newline", () => {
    const table = parseCsv(summaryCsv(rows));
    const header = table[0]!;
    const first = Object.fromEntries(header.map((h, i) => [h, table[1]![i]]));
    expect(first.name).toBe('llama, "fast"\nvariant');
    expect(first.prompt).toBe("a,b");
    expect(first["params.batch_size"]).toBe("8");
    expect(table).toHaveLength(3);
    expect(table.every((r) => r.length === header.length)).toBe(true);
  });

  it("has one column per swept key and the statistics of each figure", () => {
    const header = parseCsv(summaryCsv(rows))[0]!;
    expect(header.slice(0, 5)).toEqual(["config_hash", "slug", "name", "params.batch_size", "prompt"]);
    for (const c of ["n", "mean", "median", "std", "cv", "min", "max", "ci95_low", "ci95_high"]) {
      expect(header).toContain(`energy_per_output_token_j_${c}`);
      expect(header).toContain(`energy_per_request_j_${c}`);
      expect(header).toContain(`output_tokens_per_s_${c}`);
    }
    expect(header.at(-1)).toBe("high_variation");
  });

  it("writes numbers as plain decimals and unknown values as empty fields", () => {
    const table = parseCsv(summaryCsv(rows));
    const second = Object.fromEntries(table[0]!.map((h, i) => [h, table[2]![i]]));
    expect(second.energy_j_mean).toBe("3000");
    expect(second.energy_j_cv).toBe("0");
    expect(second.prompt).toBe("");
    expect(second.runs_failed).toBe("1");
    expect(second.high_variation).toBe("false");
    expect(formatNumber(1.5e-7)).toBe("0.00000015");
    expect(formatNumber(-2.5e-9)).toBe("-0.0000000025");
    expect(formatNumber(1e21)).toBe("1000000000000000000000");
    expect(formatNumber(1.2345e22)).toBe("12345000000000000000000");
    expect(formatNumber(0.1)).toBe("0.1");
    expect(formatNumber(null)).toBe("");
  });
});

describe("writeStudySummary", () => {
  it("writes study.json with every configuration's statistics and summary.csv beside it", () => {
    const dir = mkdtempSync(join(tmpdir(), "lem-summary-"));
    const rows = summarizeConfigs(results);
    writeStudySummary(dir, rows, { study: { name: "s" } });
    const study = JSON.parse(readFileSync(join(dir, "study.json"), "utf8")) as { schemaVersion: number; study: unknown; configurations: unknown };
    expect(study.schemaVersion).toBe(1);
    expect(study.study).toEqual({ name: "s" });
    expect(study.configurations).toEqual(JSON.parse(JSON.stringify(rows)));
    expect(readFileSync(join(dir, "summary.csv"), "utf8")).toBe(summaryCsv(rows));
  });
});
