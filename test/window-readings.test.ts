// Energy of a window when readings are missing or only NVML's 1 s average power exists.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PowerSampler } from "../lib/gpu/power-sampler.js";
import { simulatedTruthEnergyJ, simulationOriginNs } from "../lib/gpu/provider.js";
import { Timeline } from "../lib/measure/timeline.js";
import { energyOfWindow, type WindowEnergyOptions } from "../lib/measure/window-energy.js";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { simulateScenario, sleep } from "./support/simulate.js";
import { readJson, studyDirIn, writeStudy } from "./support/study.js";

/** Samples every 10 ms for `ms`, returning the timeline and the sources of each GPU. */
async function record(ms: number) {
  const sampler = new PowerSampler({ intervalMs: 10 }).start();
  const timeline = new Timeline();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sleep(100);
    timeline.append(sampler.drain());
  }
  const summary = sampler.stop();
  timeline.append(sampler.drain());
  return { series: timeline.devices(), powerSources: Object.fromEntries(summary.devices.map((d) => [d.uuid, d.sources])) };
}

/** A window [fromS, toS] in seconds of simulated time. */
const at = (s: number) => simulationOriginNs() + BigInt(Math.round(s * 1e9));
const windowOf = (fromS: number, toS: number, rest: Partial<WindowEnergyOptions> = {}): WindowEnergyOptions => ({
  startNs: at(fromS),
  endNs: at(toS),
  intervalNs: 1e7,
  ...rest,
});

const averageOnly = {
  name: "average-only",
  devices: [
    {
      name: "NVIDIA A10",
      architecture: "ampere",
      idleW: 16,
      powerLimitW: 150,
      defaultPowerLimitW: 150,
      minPowerLimitW: 100,
      maxPowerLimitW: 150,
      unsupported: ["energyCounter", "instantPower"],
      power: [
        { kind: "constant", watts: 16, durationS: 0.4 },
        { kind: "square", lowW: 80, highW: 140, periodS: 0.5, duty: 0.5, durationS: 100 },
      ],
    },
  ],
};

describe("GPUs with only NVML's 1 s average power", () => {
  it("sums the average over whole periods from the window's end: a 2 s window across a load step within 1 %", async () => {
    simulateScenario(averageOnly);
    const { series, powerSources } = await record(2700);
    const w = windowOf(0.2, 2.2, { powerSources });
    const g = energyOfWindow(series, w).devices[0]!;
    const truth = simulatedTruthEnergyJ(0, w.startNs, w.endNs);
    expect(g.method).toBe("average");
    expect(g.methodReason).toBe(
      "no energy counter and no instant power over the window; NVML's 1 s average power (field NVML_FI_DEV_POWER_AVERAGE) was summed over whole 1 s averaging periods back from the window's end",
    );
    expect(Math.abs(g.energyJ! - truth) / truth).toBeLessThan(0.01);
    // The naive integral of the average lags the step: far off, kept for comparison only.
    expect((g.averagePowerIntegralJ! - truth) / truth).toBeLessThan(-0.15);
    expect(g.integralEnergyJ).toBeNull();
  });

  it("estimates the leftover under one period from the average centred on it, and says so", async () => {
    simulateScenario(averageOnly);
    const { series, powerSources } = await record(2700);
    const w = windowOf(0.9, 2.4, { powerSources });
    const g = energyOfWindow(series, w).devices[0]!;
    const truth = simulatedTruthEnergyJ(0, w.startNs, w.endNs);
    expect(g.method).toBe("average");
    expect(g.methodReason).toMatch(/, and the leftover 33 % at its start estimated by the average centred on it$/);
    expect(Math.abs(g.energyJ! - truth) / truth).toBeLessThan(0.05);
  });

  it("refuses a window shorter than the 1 s averaging period", async () => {
    simulateScenario(averageOnly);
    const { series, powerSources } = await record(1500);
    const e = energyOfWindow(series, windowOf(0.5, 1.2, { powerSources }));
    const g = e.devices[0]!;
    expect(g.energyJ).toBeNull();
    expect(g.method).toBe("none");
    expect(g.methodReason).toBe(
      "only NVML's 1 s average power (field NVML_FI_DEV_POWER_AVERAGE) is available and the window is shorter than its 1 s averaging period; its energy cannot be recovered",
    );
    expect(e.warnings.map((x) => x.code)).toContain("average-power-window");
  });
});

const failingPower = (errors: object[], extra: object = {}) => ({
  name: "failing-power",
  devices: [
    {
      name: "NVIDIA H100 80GB HBM3",
      power: [
        { kind: "constant", watts: 100, durationS: 0.3 },
        { kind: "linear", fromW: 100, toW: 600, durationS: 100 },
      ],
      errors,
      ...extra,
    },
  ],
});
const unknownOnPowerCalls = (atS: number, untilS: number) => ({
  atS,
  untilS,
  functions: ["nvmlDeviceGetFieldValues", "nvmlDeviceGetPowerUsage"],
  error: "NVML_ERROR_UNKNOWN",
});

describe("readings missing inside the window", () => {
  it("withholds the integral when more than 5 % of the window has no power reading, and says how much was missing", async () => {
    simulateScenario(failingPower([unknownOnPowerCalls(0.8, 1.2)], { unsupported: ["energyCounter"] }));
    const { series, powerSources } = await record(2300);
    const e = energyOfWindow(series, windowOf(0.2, 2.2, { powerSources }));
    const g = e.devices[0]!;
    expect(g.energyJ).toBeNull();
    expect(g.integralEnergyJ).toBeNull();
    expect(g.method).toBe("none");
    expect(g.coverage.power!.share).toBeGreaterThan(0.78);
    expect(g.coverage.power!.share).toBeLessThan(0.82);
    const w = e.warnings.find((x) => x.code === "readings-missing")!;
    expect(w.message).toMatch(/^GPU 0: instant power was missing for 0\.\d\d s of the window \(\d+\.\d %, longest gap 0\.\d\d s: its NVML call failed\); the reported energy \(by none\) does not rest on it\.$/);
  });

  it("integrates only the covered spans of a short gap, never bridging it, and warns", async () => {
    simulateScenario(failingPower([unknownOnPowerCalls(1.0, 1.06)], { unsupported: ["energyCounter"] }));
    const { series, powerSources } = await record(2300);
    const w = windowOf(0.2, 2.2, { powerSources });
    const e = energyOfWindow(series, w);
    const g = e.devices[0]!;
    const truth = simulatedTruthEnergyJ(0, w.startNs, w.endNs);
    const missingJ = simulatedTruthEnergyJ(0, at(1.0), at(1.06));
    expect(g.method).toBe("integral");
    expect(g.coverage.power!.missingS).toBeGreaterThan(0.05);
    expect(g.coverage.power!.missingS).toBeLessThan(0.09);
    // Low by about the gap's energy (its edges are found to one 10 ms sample), not bridged.
    expect(g.energyJ!).toBeLessThan(truth - 0.5 * missingJ);
    expect(g.energyJ!).toBeGreaterThan(truth - 1.7 * missingJ);
    expect(e.warnings.find((x) => x.code === "readings-missing")!.message).toMatch(/the energy covers only the 9\d\.\d % with readings and is low by about the missing share\.$/);
  });

  it("with an energy counter keeps the counter's figure but still warns of the missing power readings", async () => {
    simulateScenario(failingPower([unknownOnPowerCalls(0.8, 1.2)], { energyCounterStepMs: 100 }));
    const { series, powerSources } = await record(2300);
    const w = windowOf(0.2, 2.2, { powerSources });
    const e = energyOfWindow(series, w);
    const g = e.devices[0]!;
    const truth = simulatedTruthEnergyJ(0, w.startNs, w.endNs);
    expect(g.method).toBe("counter");
    expect(Math.abs(g.energyJ! - truth) / truth).toBeLessThan(0.01);
    const messages = e.warnings.filter((x) => x.code === "readings-missing").map((x) => x.message);
    expect(messages.some((m) => m.startsWith("GPU 0: instant power was missing"))).toBe(true);
  });

  it("names the reading it integrated", async () => {
    simulateScenario(failingPower([], { unsupported: ["energyCounter"] }));
    const { series, powerSources } = await record(1400);
    const g = energyOfWindow(series, windowOf(0.2, 1.2, { powerSources })).devices[0]!;
    expect(g.methodReason).toBe("the GPU reports no energy counter over the window; instant power (field NVML_FI_DEV_POWER_INSTANT) was integrated");
  });
});

describe("a study run whose energy cannot be recovered", () => {
  it("fails with the reason the energy is unknown, not a claim that no samples cover the window", async () => {
    const { dir, file } = writeStudy({ name: "average-only-short", baselineS: false, prompts: 2 });
    const r = await runLem(["run", file], cleanEnv({ LEM_SIMULATE: "no-energy-counter", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") }));
    expect(r.exitCode).not.toBe(0);
    const studyDir = studyDirIn(dir);
    const manifest = readJson<{ runs: { resultPath: string }[] }>(join(studyDir, "manifest.json"));
    const result = readJson<{ status: string; failure: { message: string } }>(join(studyDir, manifest.runs[0]!.resultPath));
    expect(result.status).toBe("failed");
    expect(result.failure.message).toBe(
      "the run's energy is unknown: GPU 0: only NVML's 1 s average power (field NVML_FI_DEV_POWER_AVERAGE) is available and the window is shorter than its 1 s averaging period; its energy cannot be recovered",
    );
  }, 60_000);
});
