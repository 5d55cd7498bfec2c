// The measurement core against the simulated GPU's exact truth: window energy, baseline,
// thermal settling.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PowerSampler } from "../lib/gpu/power-sampler.js";
import { simulatedTruthEnergyJ, useSimulatedGpu } from "../lib/gpu/provider.js";
import { measureBaseline } from "../lib/measure/baseline.js";
import { getBaseline } from "../lib/measure/baseline-cache.js";
import { waitForThermalSettling } from "../lib/measure/thermal-settling.js";
import { Timeline } from "../lib/measure/timeline.js";
import { energyOfWindow } from "../lib/measure/window-energy.js";
import { simulateScenario, sleep } from "./support/simulate.js";

async function record(ms: number, intervalMs = 10) {
  const sampler = new PowerSampler({ intervalMs }).start();
  const timeline = new Timeline();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sleep(100);
    timeline.append(sampler.drain());
  }
  sampler.stop();
  timeline.append(sampler.drain());
  return timeline.devices();
}

describe("energy of a window on the simulator", () => {
  it("agrees with the truth within 0.5 % by counter and by integral over a 5.5 s window (100 ms counter steps)", async () => {
    useSimulatedGpu("default"); // square-wave load, counter in 100 ms steps
    const series = await record(6500);
    const d = series[0]!;
    const startNs = d.tNs[0]! + 300_000_000n;
    const endNs = startNs + 5_500_000_000n;
    const e = energyOfWindow(series, { startNs, endNs, intervalNs: 1e7 });
    const truth = simulatedTruthEnergyJ(0, startNs, endNs);
    const g = e.devices[0]!;
    expect(g.method).toBe("counter");
    expect(Math.abs(g.counterEnergyJ! - truth) / truth).toBeLessThan(0.005);
    expect(Math.abs(g.integralEnergyJ! - truth) / truth).toBeLessThan(0.005);
  });

  it("adjusts by the measured idle power: truth minus idle power times duration", async () => {
    simulateScenario({
      name: "idle-then-load",
      devices: [
        {
          name: "Sim",
          energyCounterStepMs: 0,
          power: [
            { kind: "constant", watts: 80, durationS: 1.6 },
            { kind: "constant", watts: 320, durationS: 100 },
          ],
        },
      ],
    });
    const baseline = await measureBaseline({ durationS: 1, intervalMs: 10 });
    expect(baseline.devices[0]!.meanW).toBeCloseTo(80, 1);
    const series = await record(3000);
    const d = series[0]!;
    const endNs = d.tNs[d.count - 1]! - 50_000_000n;
    const startNs = endNs - 2_000_000_000n;
    const e = energyOfWindow(series, { startNs, endNs, intervalNs: 1e7, baseline: baseline.devices.map((b) => ({ uuid: b.uuid, meanW: b.meanW! })) });
    const truth = simulatedTruthEnergyJ(0, startNs, endNs);
    const expected = truth - baseline.devices[0]!.meanW! * 2;
    expect(Math.abs(e.devices[0]!.adjustedEnergyJ! - expected) / expected).toBeLessThan(0.005);
  });
});

describe("baseline", () => {
  it("measures each GPU's idle power, its spread and temperature", async () => {
    useSimulatedGpu("h100x8");
    const b = await measureBaseline({ durationS: 0.5, devices: [0, 3] });
    expect(b.devices.map((d) => d.index)).toEqual([0, 3]);
    expect(b.simulated).toBe(true);
    for (const d of b.devices) {
      expect(d.samples).toBeGreaterThan(40);
      expect(d.stdW).not.toBeNull();
      expect(d.temperatureC).not.toBeNull();
    }
  });

  it("reuses a fresh cached baseline after a spot check, and re-measures when idle power drifted", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "lem-cache-"));
    useSimulatedGpu("idle");
    const first = await getBaseline({ durationS: 0.5, spotCheckS: 0.3, cacheDir });
    expect(first.source).toBe("measured");
    const second = await getBaseline({ durationS: 0.5, spotCheckS: 0.3, cacheDir });
    expect(second.source).toBe("cache");
    // Idle power is constant here; a 0.3 s spot check still carries the counter's timing
    // uncertainty (half a 10 ms interval at each edge, up to ~3 %), well inside the 10 % limit.
    expect(second.spotCheck!.worstDrift).toBeLessThan(0.05);
    expect(second.baseline.measuredAt).toBe(first.baseline.measuredAt);
    const third = await getBaseline({ durationS: 0.5, spotCheckS: 0.3, cacheDir, maxDrift: -1 });
    expect(third.source).toBe("remeasured-after-drift");
    const expired = await getBaseline({ durationS: 0.5, spotCheckS: 0.3, cacheDir, ttlS: 1e-9 });
    expect(expired.source).toBe("measured");
  });

  it("refuses a duration outside 0-3600 s", async () => {
    useSimulatedGpu("idle");
    await expect(measureBaseline({ durationS: -1 })).rejects.toThrow("baseline duration must be between 0 and 3600 s, got -1");
  });
});

describe("thermal settling", () => {
  const hot = {
    name: "cooling",
    devices: [
      {
        name: "Sim",
        idleW: 70,
        temperature: { ambientC: 30, perWattC: 0.1, timeConstantS: 0.8 },
        power: [{ kind: "constant", watts: 400, durationS: 0.6 }],
      },
    ],
  };
  const baseline = (uuid: string) => ({
    schemaVersion: 1 as const,
    measuredAt: new Date().toISOString(),
    host: "test",
    driverVersion: null,
    simulated: true,
    durationS: 1,
    intervalMs: 10,
    devices: [{ index: 0, uuid, meanW: 70, stdW: 0.1, samples: 100, temperatureC: 37, method: "counter" as const }],
  });

  it("waits until power and temperature are back near the baseline, recording the wait and the start temperature", async () => {
    simulateScenario(hot);
    const s = await waitForThermalSettling({ baseline: baseline("GPU-5e1a0000-0000-4000-8000-000000000000"), maxWaitS: 10, windowS: 0.3 });
    expect(s.settled).toBe(true);
    expect(s.devices[0]!.startTemperatureC).toBeGreaterThan(50);
    expect(s.devices[0]!.endTemperatureC).toBeLessThanOrEqual(40);
    expect(s.waitedS).toBeGreaterThan(1);
    expect(s.waitedS).toBeLessThan(8);
  });

  it("gives up after the maximum wait and says which GPU is still warm", async () => {
    simulateScenario({ ...hot, devices: [{ ...hot.devices[0]!, power: [{ kind: "constant", watts: 400, durationS: 60 }] }] });
    const s = await waitForThermalSettling({ baseline: baseline("GPU-5e1a0000-0000-4000-8000-000000000000"), maxWaitS: 0.6, windowS: 0.2 });
    expect(s.settled).toBe(false);
    expect(s.reason).toMatch(/^not back to baseline after 0.6 s: GPU 0 at \d+ °C \/ 400 W$/);
  });
});
