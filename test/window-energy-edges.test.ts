// Window energy at the boundaries of its rules: exactly three counter steps, exactly three counter
// updates, readings only inside the window, extremes between the edges.
import { describe, expect, it } from "vitest";
import { SAMPLE_FIELDS } from "../lib/gpu/power-sampler.js";
import { energyOfWindow } from "../lib/measure/window-energy.js";
import { ns, syntheticSeries } from "./support/synthetic-series.js";

describe("window energy at its boundaries", () => {
  it("takes the counter at exactly three updates inside the window", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 3, intervalMs: 10, counterStepMs: 100 });
    // Updates placed at 1.095, 1.195 and 1.295 s.
    const g = energyOfWindow([d], { startNs: ns(1.02), endNs: ns(1.33), intervalNs: 1e7 }).devices[0]!;
    expect(g.counterSteps).toBe(3);
    expect(g.method).toBe("counter");
  });

  it("gives a counter period from exactly three counter updates", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 6.5, intervalMs: 10, counterStepMs: 2000 });
    expect(energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!.counterPeriodMs).toBe(2000);
  });

  it("gives no energy and no power when instant power covers only the middle of the window and there is no counter", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10, noCounter: true });
    for (let i = 0; i < d.count; i++) {
      const s = Number(d.tNs[i]! - ns(0)) / 1e9;
      if (s < 2 || s > 5) d.present[i] = d.present[i]! & ~SAMPLE_FIELDS.powerW;
    }
    const g = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!;
    expect(g.energyJ).toBeNull();
    expect(g.method).toBe("none");
    expect(g.power).toBeNull();
    expect(g.adjustedEnergyJ).toBeNull();
  });

  it("gives no integral-vs-counter ratio without instant power", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10 });
    for (let i = 0; i < d.count; i++) d.present[i] = d.present[i]! & ~SAMPLE_FIELDS.powerW;
    expect(energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!.integralVsCounter).toBeNull();
  });

  it("finds peak and minimum power between the edges", () => {
    const spike = (s: number) => (Math.abs(s - 3) < 0.001 ? 900 : Math.abs(s - 4) < 0.001 ? 50 : 200);
    const d = syntheticSeries({ powerW: spike, durationS: 8, intervalMs: 10 });
    const p = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!.power!;
    expect(p.peakW).toBe(900);
    expect(p.minW).toBe(50);
  });

  it("leaves temperatures outside the window out of its peak", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10, temperatureC: (s) => (s < 0.5 || s > 6.5 ? 90 : 45) });
    expect(energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!.temperature).toEqual({ startC: 45, peakC: 45, endC: 45 });
  });

  it("says loudly that simulated figures are not measurements", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10 });
    expect(energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7, simulated: true }).warnings).toEqual([
      { code: "simulated", message: "measured on the simulated GPU: these figures are not measurements of real hardware." },
    ]);
  });
});
