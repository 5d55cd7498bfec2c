// Energy of a window from a timeline whose truth is known by construction.
import { describe, expect, it } from "vitest";
import { energyOfWindow } from "../lib/measure/window-energy.js";
import { exactEnergyJ, ns, syntheticSeries } from "./support/synthetic-series.js";

const ramp = (s: number) => 100 + 60 * s; // W
const square = (s: number) => (s % 0.25 < 0.1 ? 600 : 250);

describe("energy of a window", () => {
  it("takes the counter (anchored at its updates) and the integral within 0.5 % of the truth over 6 s", () => {
    const d = syntheticSeries({ powerW: square, durationS: 8, intervalMs: 10, counterStepMs: 100 });
    const e = energyOfWindow([d], { startNs: ns(1.013), endNs: ns(7.057), intervalNs: 1e7 });
    const truth = exactEnergyJ(square, 1.013, 7.057);
    const g = e.devices[0]!;
    expect(g.method).toBe("counter");
    expect(g.methodReason).toContain("each edge was taken from the counter's last update before it");
    expect(Math.abs(g.counterEnergyJ! - truth) / truth).toBeLessThan(0.005);
    expect(Math.abs(g.integralEnergyJ! - truth) / truth).toBeLessThan(0.005);
    expect(g.counterSteps).toBeGreaterThanOrEqual(59);
    expect(g.counterPeriodMs).toBeCloseTo(100, 0);
    expect(e.warnings).toEqual([]);
  });

  it("falls back to the integral for a window shorter than three counter steps, and says why", () => {
    const d = syntheticSeries({ powerW: ramp, durationS: 3, intervalMs: 5, counterStepMs: 100 });
    const e = energyOfWindow([d], { startNs: ns(1.02), endNs: ns(1.17), intervalNs: 5e6 });
    const g = e.devices[0]!;
    expect(g.method).toBe("integral");
    expect(g.methodReason).toMatch(/updated only [12] time\(s\) inside the window \(fewer than 3\)/);
    expect(g.energyJ).toBeCloseTo(exactEnergyJ(ramp, 1.02, 1.17), 3);
    expect(e.warnings.map((w) => w.code)).toContain("short-window");
  });

  it("warns about a window shorter than 10 counter updates even when it lasts more than 5 s", () => {
    const d = syntheticSeries({ powerW: ramp, durationS: 14, intervalMs: 20, counterStepMs: 1000 });
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 2e7 });
    expect(e.warnings.find((w) => w.code === "short-window")?.message).toContain("or 10 energy counter updates (10.00 s)");
  });

  it("integrates instant power when the GPU has no energy counter", () => {
    const d = syntheticSeries({ powerW: ramp, durationS: 7, intervalMs: 10, noCounter: true });
    const g = energyOfWindow([d], { startNs: ns(0.5), endNs: ns(6.5), intervalNs: 1e7 }).devices[0]!;
    expect(g.method).toBe("integral");
    expect(g.counterEnergyJ).toBeNull();
    expect(g.methodReason).toBe("the GPU reports no energy counter over the window; instant power was integrated");
    expect(g.energyJ).toBeCloseTo(exactEnergyJ(ramp, 0.5, 6.5), 2);
  });

  it("unwraps a 32-bit counter wrap inside the window", () => {
    const d = syntheticSeries({
      powerW: () => 500,
      durationS: 7,
      intervalMs: 10,
      counterStartMJ: 2 ** 32 - 1_500_000,
      counterWrapMJ: 2 ** 32,
    });
    const g = energyOfWindow([d], { startNs: ns(0.5), endNs: ns(6.5), intervalNs: 1e7 }).devices[0]!;
    expect(g.method).toBe("counter");
    expect(g.methodReason).toContain("wrap or reset");
    expect(g.counterEnergyJ).toBeCloseTo(3000, 0);
  });

  it("warns that energy is missing when the counter resets where no instant power can bridge it", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 7, intervalMs: 10 });
    // A driver reload at 3 s drops the counter; this GPU reports no instant power at all.
    for (let i = 0; i < d.count; i++) {
      const s = Number(d.tNs[i]! - ns(0)) / 1e9;
      if (s >= 3) d.energyMJ[i] = d.energyMJ[i]! - 600_000;
      d.present[i] = d.present[i]! & ~1;
    }
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 });
    expect(e.devices[0]!.counterUnaccountedDrops).toBe(1);
    expect(e.warnings.find((w) => w.code === "counter-reset")?.message).toBe(
      "GPU 0: the energy counter was reset 1 time(s) inside the window with no instant power to bridge it; the energy of those intervals is missing.",
    );
  });

  it("subtracts idle power times the duration for the adjusted energy, never below zero", () => {
    const d = syntheticSeries({ powerW: () => 300, durationS: 7, intervalMs: 10, counterStepMs: 100, uuid: "GPU-a" });
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7, baseline: [{ uuid: "GPU-a", meanW: 80 }] });
    expect(e.devices[0]!.adjustedEnergyJ).toBeCloseTo(1500 - 80 * 5, 0);
    expect(e.total.adjustedEnergyJ).toBeCloseTo(1100, 0);
    const idle = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7, baseline: [{ uuid: "GPU-a", meanW: 400 }] });
    expect(idle.devices[0]!.adjustedEnergyJ).toBe(0);
  });

  it("reports throttling with the time under each reason and its first and last moments in the window", () => {
    const d = syntheticSeries({
      powerW: () => 300,
      durationS: 8,
      intervalMs: 10,
      throttleReasons: (s) => (s >= 2 && s < 3.5 ? 0x20 : 0) | (s >= 3 && s < 4 ? 0x4 : 0),
    });
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 });
    const t = e.devices[0]!.throttle;
    expect(t.reasons).toEqual(["SwPowerCap", "SwThermalSlowdown"]);
    // Sample-and-hold at 10 ms: each figure is exact to within one interval.
    expect(Math.abs(t.secondsByReason.SwThermalSlowdown! - 1.5)).toBeLessThanOrEqual(0.0101);
    expect(Math.abs(t.secondsByReason.SwPowerCap! - 1.0)).toBeLessThanOrEqual(0.0101);
    expect(Math.abs(t.slowdownFirstS! - 1.0)).toBeLessThanOrEqual(0.0101);
    expect(Math.abs(t.slowdownLastS! - 3.0)).toBeLessThanOrEqual(0.0101);
    expect(e.warnings.find((w) => w.code === "throttling")?.message).toMatch(
      /^GPU 0: clocks were lowered during the window \(SwThermalSlowdown 1\.5\d s, SwPowerCap 1\.0\d s\); energy and speed reflect throttled clocks\.$/,
    );
  });

  it("warns about gaps longer than three intervals, naming the longest", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10, skip: (s) => s > 3 && s < 3.2 });
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 });
    expect(e.devices[0]!.gaps.count).toBe(1);
    expect(e.warnings.find((w) => w.code === "sample-gaps")?.message).toMatch(/1 gap\(s\) longer than 3 sampling intervals, the longest 2\d\d\.\d ms/);
  });

  it("warns about fewer than 20 samples", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 10, intervalMs: 500 });
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(9), intervalNs: 5e8 });
    expect(e.warnings.find((w) => w.code === "few-samples")?.message).toBe(
      "GPU 0: only 17 samples inside the window (fewer than 20); sample faster or measure longer.",
    );
  });

  it("warns when the temperature drifts by more than 10 °C", () => {
    const d = syntheticSeries({ powerW: () => 400, durationS: 8, intervalMs: 10, temperatureC: (s) => 40 + 3 * s });
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 });
    expect(e.devices[0]!.temperature).toEqual({ startC: 43, peakC: 61, endC: 61 });
    expect(e.warnings.map((w) => w.code)).toContain("temperature-drift");
  });

  it("warns about persistence mode off and about simulated devices", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10, uuid: "GPU-p" });
    const e = energyOfWindow([d], {
      startNs: ns(1),
      endNs: ns(7),
      intervalNs: 1e7,
      persistenceMode: { "GPU-p": false },
      simulated: true,
    });
    expect(e.warnings.map((w) => w.code)).toEqual(["persistence-off", "simulated"]);
  });

  it("sums the GPUs into the total", () => {
    const a = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10, index: 0, uuid: "GPU-a" });
    const b = syntheticSeries({ powerW: () => 300, durationS: 8, intervalMs: 10, index: 1, uuid: "GPU-b" });
    const e = energyOfWindow([a, b], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 });
    expect(e.total.energyJ).toBeCloseTo(3000, 0);
    expect(e.total.meanPowerW).toBeCloseTo(500, 1);
  });

  it("refuses a window that ends before it starts", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 2, intervalMs: 10 });
    expect(() => energyOfWindow([d], { startNs: ns(1.5), endNs: ns(1), intervalNs: 1e7 })).toThrow(/the window must end after it starts/);
  });
});
