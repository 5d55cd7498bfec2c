// The run result: derived figures with named denominators, validation, and result.json on disk.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { energyOfWindow } from "../lib/measure/window-energy.js";
import { computeDerived, energyFromWindow, type RunResultInput, RunResultSchema, summarizeLatencyNs } from "../lib/results/result-schema.js";
import { readRunResult, writeRunResult } from "../lib/results/write-result.js";
import { ns, syntheticSeries } from "./support/synthetic-series.js";

function sampleResult(): RunResultInput {
  const derived = computeDerived({ energyJ: 1200, adjustedEnergyJ: 900, windowS: 10, inputTokens: 4000, outputTokens: 2000, requests: 16 });
  return {
    schemaVersion: 1,
    identity: { lemVersion: "0.1.0", studyName: "s", configHash: "3fa2b1c0aa", slug: "bs8", backend: "command", engineVersion: null, model: "m", cycle: 0, position: 0 },
    config: { model: "m", params: { batch_size: 8 } },
    status: "completed",
    simulated: true,
    timings: { startedAt: "2025-01-01T00:00:00.000Z", endedAt: "2025-01-01T00:00:12.000Z", wallS: 12, settlingS: 1, windowS: 10 },
    window: { source: "protocol", startNs: 1_000_000_000_000n, endNs: 1_010_000_000_000n },
    energy: { totalJ: 1200, adjustedTotalJ: 900, devices: [] },
    ...derived,
    thermal: { settling: null },
    warnings: [{ code: "simulated", message: "simulated GPU" }],
    preflight: { skipped: false, warnings: [] },
    baseline: null,
    environment: null,
  };
}

describe("computeDerived", () => {
  it("divides energy by the named denominators", () => {
    const d = computeDerived({ energyJ: 1200, adjustedEnergyJ: 900, windowS: 10, inputTokens: 4000, outputTokens: 2000, requests: 16 });
    expect(d.tokens).toEqual({ input: 4000, output: 2000, requests: 16 });
    expect(d.throughput).toEqual({ outputTokensPerS: 200, requestsPerS: 1.6 });
    expect(d.perToken.energyPerOutputTokenJ).toBe(0.6);
    expect(d.perToken.energyPerTokenJ).toBe(0.2);
    expect(d.perToken.energyPerRequestJ).toBe(75);
    expect(d.perToken.whPer1000Requests).toBeCloseTo((75 * 1000) / 3600, 12);
    expect(d.perToken.adjustedEnergyPerOutputTokenJ).toBe(0.45);
  });

  it("gives null, never Infinity or NaN, for zero or missing denominators", () => {
    const d = computeDerived({ energyJ: 1200, adjustedEnergyJ: null, windowS: 0, inputTokens: null, outputTokens: 0, requests: null });
    expect(d.throughput).toEqual({ outputTokensPerS: null, requestsPerS: null });
    expect(d.perToken).toEqual({
      energyPerOutputTokenJ: null,
      energyPerTokenJ: null,
      energyPerRequestJ: null,
      whPer1000Requests: null,
      adjustedEnergyPerOutputTokenJ: null,
    });
    expect(d.latency).toEqual({ ttftMs: null, interTokenMs: null, requestMs: null });
  });

  it("gives null per-token figures when the energy is unknown", () => {
    const d = computeDerived({ energyJ: null, adjustedEnergyJ: null, windowS: 5, inputTokens: 10, outputTokens: 10, requests: 1 });
    expect(d.perToken.energyPerTokenJ).toBeNull();
    expect(d.throughput.outputTokensPerS).toBe(2);
  });

  it("summarises latencies in ms with mean, p50, p95 and p99", () => {
    const nsValues = Array.from({ length: 101 }, (_, i) => i * 1e6); // 0..100 ms
    expect(summarizeLatencyNs(nsValues)).toEqual({ mean: 50, p50: 50, p95: 95, p99: 99 });
    const d = computeDerived({
      energyJ: 1, adjustedEnergyJ: null, windowS: 1, inputTokens: 1, outputTokens: 1, requests: 1,
      latenciesNs: { ttft: [2e6, 4e6], interToken: [], request: [1e9] },
    });
    expect(d.latency.ttftMs).toEqual({ mean: 3, p50: 3, p95: 3.9, p99: 3.98 });
    expect(d.latency.interTokenMs).toBeNull();
    expect(d.latency.requestMs).toEqual({ mean: 1000, p50: 1000, p95: 1000, p99: 1000 });
  });
});

describe("RunResultSchema", () => {
  it("stores window nanoseconds as decimal strings", () => {
    const parsed = RunResultSchema.parse(sampleResult());
    expect(parsed.window).toEqual({ source: "protocol", startNs: "1000000000000", endNs: "1010000000000" });
  });

  it("rejects NaN and Infinity where a number or null belongs", () => {
    const r = sampleResult();
    expect(RunResultSchema.safeParse({ ...r, energy: { ...r.energy, totalJ: Number.NaN } }).success).toBe(false);
    expect(RunResultSchema.safeParse({ ...r, throughput: { outputTokensPerS: Infinity, requestsPerS: null } }).success).toBe(false);
  });

  it("maps a window's energy account onto the result's energy section", () => {
    const d = syntheticSeries({ powerW: () => 300, durationS: 8, intervalMs: 10, counterStepMs: 100, temperatureC: () => 50 });
    const w = energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7, baseline: [{ uuid: d.uuid, meanW: 50 }] });
    const e = energyFromWindow(w);
    expect(e.totalJ).toBeCloseTo(1800, 0);
    expect(e.adjustedTotalJ).toBeCloseTo(1500, 0);
    expect(e.devices[0]).toMatchObject({ index: 0, uuid: d.uuid, method: "counter", baselinePowerW: 50, peakPowerW: 300 });
    expect(e.devices[0]!.meanPowerW).toBeCloseTo(300, 0);
    expect(e.devices[0]!.temperature).toEqual({ startC: 50, peakC: 50, endC: 50 });
    expect(() => RunResultSchema.parse({ ...sampleResult(), energy: e })).not.toThrow();
  });
});

describe("writeRunResult", () => {
  it("writes result.json that reads back equal, leaving no temporary file", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "lem-result-")), "001_c1_bs8_3fa2b1c0");
    const stored = writeRunResult(dir, sampleResult());
    expect(readdirSync(dir)).toEqual(["result.json"]);
    const text = readFileSync(join(dir, "result.json"), "utf8");
    expect(text).toContain('"startNs": "1000000000000"');
    expect(readRunResult(dir)).toEqual(stored);
    expect(stored.perToken.energyPerOutputTokenJ).toBe(0.6);
  });

  it("refuses an invalid result and names the field", () => {
    const dir = mkdtempSync(join(tmpdir(), "lem-result-"));
    const bad = { ...sampleResult(), status: "done" } as unknown as RunResultInput;
    expect(() => writeRunResult(dir, bad)).toThrow(/status: /);
    expect(readdirSync(dir)).toEqual([]);
  });
});
