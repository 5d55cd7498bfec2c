// The NVML probe of the GPU validation kit: call latency of every function lem uses, and the
// update periods of the power readings, on the simulated GPU whose periods the scenario sets.
import { describe, expect, it } from "vitest";
import { nvmlCallLatency, nvmlUpdatePeriods, summarizeChanges } from "../lib/gpu/nvml-probe.js";
import { simulateScenario } from "./support/simulate.js";

delete process.env.LEM_SIMULATE;

const ramp = {
  name: "ramp",
  devices: [
    {
      name: "NVIDIA H100 80GB HBM3",
      idleW: 60,
      powerUpdateMs: 50,
      energyCounterStepMs: 100,
      power: [{ kind: "linear", fromW: 100, toW: 400, durationS: 60 }],
    },
  ],
};

describe("nvmlCallLatency", () => {
  it("times every NVML function lem uses and a whole sampler tick", () => {
    simulateScenario(ramp);
    const rows = nvmlCallLatency(0, 300, 1000);
    expect(rows.map((r) => r.function)).toEqual([
      "nvmlDeviceGetFieldValues[instant,average,energy]",
      "nvmlDeviceGetFieldValues[instant]",
      "nvmlDeviceGetPowerUsage",
      "nvmlDeviceGetTotalEnergyConsumption",
      "nvmlDeviceGetTemperature",
      "nvmlDeviceGetClockInfo[SM]",
      "nvmlDeviceGetMemoryInfo_v2",
      "nvmlDeviceGetCurrentClocksEventReasons",
      "nvmlDeviceGetUtilizationRates",
      "nvmlDeviceGetComputeRunningProcesses_v3",
      "nvmlDeviceGetHandleByIndex_v2",
      "sampler tick (all readings)",
    ]);
    for (const r of rows) {
      expect(r).toMatchObject({ available: true, calls: 300, failures: 0 });
      const l = r.latencyUs!;
      expect(l.min).toBeGreaterThan(0);
      expect(l.min).toBeLessThanOrEqual(l.median);
      expect(l.median).toBeLessThanOrEqual(l.p99);
      expect(l.p99).toBeLessThanOrEqual(l.max);
    }
  });

  it("names the error of a call the device does not support, with no latency", () => {
    simulateScenario({ name: "nofields", devices: [{ ...ramp.devices[0], unsupported: ["instantPower"] }] });
    const single = nvmlCallLatency(0, 50, 1000).find((r) => r.function === "nvmlDeviceGetFieldValues[instant]")!;
    expect(single).toMatchObject({ calls: 50, failures: 50, firstError: "NVML_ERROR_NOT_SUPPORTED" });
    expect(single.latencyUs).toBeUndefined();
  });
});

describe("nvmlUpdatePeriods", () => {
  it("sees instant power change every 50 ms and the counter every 100 ms, as the scenario says", () => {
    simulateScenario(ramp);
    const p = nvmlUpdatePeriods(0, 1000);
    expect(p.durationS).toBeGreaterThanOrEqual(1);
    const by = Object.fromEntries(p.readings.map((r) => [r.reading, r]));
    expect(Object.keys(by)).toEqual(["field:instant", "field:average", "field:energy", "powerUsage", "totalEnergy"]);
    // 20 instant updates and 10 counter steps in 1 s (plus the first read): a poll descheduled
    // for longer than a period (a loaded machine) sees fewer, never more.
    expect(by["field:instant"]!.changes).toBeGreaterThanOrEqual(5);
    expect(by["field:instant"]!.changes).toBeLessThanOrEqual(22);
    expect(by["totalEnergy"]!.changes).toBeGreaterThanOrEqual(3);
    expect(by["totalEnergy"]!.changes).toBeLessThanOrEqual(12);
    // Each change is a whole number of 50 ms updates of the ramp (5 W/s: 250 mW per update).
    const v = by["field:instant"]!.series.value;
    for (let i = 1; i < v.length; i++) {
      const steps = (v[i]! - v[i - 1]!) / 250;
      expect(steps).toBeGreaterThan(0.99);
      expect(Math.abs(steps - Math.round(steps))).toBeLessThan(0.01);
    }
    expect(by["field:instant"]!.series.value.length).toBe(by["field:instant"]!.changes);
    expect(by["field:instant"]!.timestampChangesPerS).toBeGreaterThan(0);
    expect(by["totalEnergy"]!.timestampChangesPerS).toBeUndefined();
    expect(by["field:instant"]!.readsPerS).toBeGreaterThan(1000);
  });
});

describe("summarizeChanges", () => {
  it("takes intervals between changes after the first, and Zeus's half-minimum capped at 100 ms", () => {
    const s = summarizeChanges(
      { reading: "field:instant", available: true, reads: 10, failures: 0, tNs: [0, 30e6, 130e6, 230e6, 430e6], value: [1, 2, 3, 4, 5], truncated: false },
      1e9,
    );
    expect(s.intervalMs).toEqual({ min: 100, p10: 100, median: 100, p90: 200, max: 200 });
    expect(s.zeusPeriodMs).toBe(50);
    expect(s.changes).toBe(5);
    expect(s.readsPerS).toBe(10);
  });

  it("has no period with fewer than three changes", () => {
    const s = summarizeChanges({ reading: "totalEnergy", available: true, reads: 5, failures: 0, tNs: [0, 10e6], value: [1, 2], truncated: false }, 1e9);
    expect(s.intervalMs).toBeNull();
    expect(s.zeusPeriodMs).toBeNull();
  });
});
