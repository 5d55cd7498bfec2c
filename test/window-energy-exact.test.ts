// Energy of a window pinned to exact values: sloped power, several GPUs with their own
// baselines, null propagation, counter wraps and resets under changing power, edge anchoring,
// the counter-vs-integral cross-check and the short-window rule.
import { describe, expect, it } from "vitest";
import { SAMPLE_FIELDS } from "../lib/gpu/power-sampler.js";
import { energyOfWindow } from "../lib/measure/window-energy.js";
import type { DeviceSeries } from "../lib/measure/timeline.js";
import { exactEnergyJ, ns, syntheticSeries } from "./support/synthetic-series.js";

const ramp = (s: number) => 100 + 60 * s; // W; its energy over [a, b] is 100 (b - a) + 30 (b² - a²)
const rampJ = (a: number, b: number) => 100 * (b - a) + 30 * (b * b - a * a);

/** Removes a field from every sample (a GPU that does not report it). */
function without(d: DeviceSeries, bit: number): DeviceSeries {
  for (let i = 0; i < d.count; i++) d.present[i] = d.present[i]! & ~bit;
  return d;
}

describe("energy of a window on sloped power", () => {
  it("integrates a linear ramp exactly, edges interpolated between samples", () => {
    const d = syntheticSeries({ powerW: ramp, durationS: 8, intervalMs: 10, counterStepMs: 100 });
    const g = energyOfWindow([d], { startNs: ns(1.005), endNs: ns(6.005), intervalNs: 1e7 }).devices[0]!;
    expect(g.integralEnergyJ).toBeCloseTo(rampJ(1.005, 6.005), 6);
  });

  it("reads an exact counter (updated at every sample) to within its 1 mJ resolution", () => {
    const d = syntheticSeries({ powerW: ramp, durationS: 8, intervalMs: 10 });
    const g = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!;
    expect(g.method).toBe("counter");
    expect(Math.abs(g.energyJ! - rampJ(1, 6))).toBeLessThan(0.003);
    expect(g.counterSteps).toBe(500);
    expect(g.counterPeriodMs).toBe(10);
  });

  // The synthetic counter updates every 100 ms, exactly at a sample; lem places an update midway
  // between the sample before it and the one that shows it, 5 ms early here.
  const steep = (s: number) => 100 + 200 * s;
  const stepped = () => syntheticSeries({ powerW: steep, durationS: 8, intervalMs: 10, counterStepMs: 100 });

  it("anchors each edge at the counter's last update: on a ramp with 100 ms steps, within 0.3 %", () => {
    // Edges in the middle of a counter step on steep power: reading the counter's stale value at
    // the edge instead (interpolation) is off by 1.4 %.
    const g = energyOfWindow([stepped()], { startNs: ns(1.055), endNs: ns(6.055), intervalNs: 1e7 }).devices[0]!;
    const truth = exactEnergyJ(steep, 1.055, 6.055);
    expect(g.method).toBe("counter");
    expect(g.methodReason).toBe(
      "the energy counter updated 50 times inside the window; each edge was taken from the counter's last update before it plus the instant-power integral since",
    );
    expect(Math.abs(g.energyJ! - truth) / truth).toBeLessThan(0.003);
    expect(g.counterPeriodMs).toBe(100);
  });

  it("places a counter update midway between the sample before it and the sample that shows it", () => {
    const g = energyOfWindow([stepped()], { startNs: ns(1.055), endNs: ns(6.055), intervalNs: 1e7 }).devices[0]!;
    // Each edge gains the energy of the 5 ms before its anchor's true moment (0.9975 s, 5.9975 s).
    const expected = exactEnergyJ(steep, 1.055, 6.055) + 0.005 * (steep(5.9975) - steep(0.9975));
    expect(Math.abs(g.energyJ! - expected)).toBeLessThan(0.01);
  });

  it("anchors the start at the first update after it when the counter has not updated before the window", () => {
    // The window opens at the first sample, before the counter's first update (at 0.1 s).
    const g = energyOfWindow([stepped()], { startNs: ns(0), endNs: ns(6.055), intervalNs: 1e7 }).devices[0]!;
    const expected = exactEnergyJ(steep, 0, 6.055) + 0.005 * (steep(5.9975) - steep(0.0975));
    expect(Math.abs(g.energyJ! - expected)).toBeLessThan(0.01);
  });

  it("interpolates the counter at the edges when there is no instant power, and still reports it", () => {
    const d = without(syntheticSeries({ powerW: ramp, durationS: 8, intervalMs: 10 }), SAMPLE_FIELDS.powerW);
    const g = energyOfWindow([d], { startNs: ns(1.005), endNs: ns(6.005), intervalNs: 1e7 }).devices[0]!;
    expect(g.method).toBe("counter");
    expect(g.methodReason).toBe("the energy counter updated 500 times inside the window");
    expect(g.integralEnergyJ).toBeNull();
    expect(Math.abs(g.energyJ! - rampJ(1.005, 6.005))).toBeLessThan(0.003);
    expect(g.power).toBeNull();
  });

  it("gives mean, min and peak power over the window", () => {
    const d = syntheticSeries({ powerW: ramp, durationS: 8, intervalMs: 10 });
    const g = energyOfWindow([d], { startNs: ns(1.005), endNs: ns(6.005), intervalNs: 1e7 }).devices[0]!;
    expect(g.power!.meanW).toBeCloseTo(g.energyJ! / 5, 9);
    expect(g.power!.minW).toBeCloseTo(ramp(1.005), 6);
    expect(g.power!.peakW).toBeCloseTo(ramp(6.005), 6);
    expect(g.samples).toBe(500);
  });

  it("integrates NVML's average power beside instant power, for comparison", () => {
    const d = syntheticSeries({ powerW: ramp, durationS: 8, intervalMs: 10 });
    for (let i = 0; i < d.count; i++) {
      d.powerAverageW[i] = 250;
      d.present[i] = d.present[i]! | SAMPLE_FIELDS.powerAverageW;
    }
    const g = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!;
    expect(g.averagePowerIntegralJ).toBeCloseTo(1250, 6);
    const none = energyOfWindow([syntheticSeries({ powerW: ramp, durationS: 8, intervalMs: 10 })], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 });
    expect(none.devices[0]!.averagePowerIntegralJ).toBeNull();
  });
});

describe("counter wraps and resets under changing power", () => {
  it("unwraps a 32-bit wrap with no instant power to fall back on", () => {
    const d = without(
      syntheticSeries({ powerW: ramp, durationS: 8, intervalMs: 10, counterStartMJ: 2 ** 32 - 600_000, counterWrapMJ: 2 ** 32 }),
      SAMPLE_FIELDS.powerW,
    );
    const g = energyOfWindow([d], { startNs: ns(1.005), endNs: ns(6.005), intervalNs: 1e7 }).devices[0]!;
    expect(g.method).toBe("counter");
    expect(g.methodReason).toBe(
      "the energy counter updated 500 times inside the window; the counter went down inside the window (wrap or reset) and was summed step by step",
    );
    expect(Math.abs(g.energyJ! - rampJ(1.005, 6.005))).toBeLessThan(0.01);
    expect(g.counterUnaccountedDrops).toBe(0);
  });

  it("fills a counter reset from instant power", () => {
    const d = syntheticSeries({ powerW: ramp, durationS: 8, intervalMs: 10 });
    // A driver reload at 3 s sets the counter back to a small value.
    const at3 = d.energyMJ[300]!;
    for (let i = 300; i < d.count; i++) d.energyMJ[i] = d.energyMJ[i]! - at3 + 5;
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 });
    const g = e.devices[0]!;
    // The interval 2.99-3.00 s is taken from the integral, the rest from the counter.
    expect(Math.abs(g.energyJ! - rampJ(1, 6))).toBeLessThan(0.02 + 0.005);
    expect(g.counterUnaccountedDrops).toBe(0);
    expect(e.warnings.map((w) => w.code)).not.toContain("counter-reset");
  });

  it("does not take a drop too large for the time between samples as a wrap", () => {
    // From near the top to near zero in 10 ms would be a wrap of 4e9 mJ: not plausible, a reset.
    const d = without(syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10, counterStartMJ: 2 ** 31 }), SAMPLE_FIELDS.powerW);
    for (let i = 300; i < d.count; i++) d.energyMJ[i] = d.energyMJ[i]! - 2 ** 31;
    const g = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!;
    expect(g.counterUnaccountedDrops).toBe(1);
    // 200 W for 5 s less the missing 10 ms.
    expect(g.energyJ).toBeCloseTo(998, 1);
  });
});

describe("several GPUs", () => {
  const a = () => syntheticSeries({ powerW: () => 300, durationS: 8, intervalMs: 10, index: 0, uuid: "GPU-a" });
  const b = () => syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10, index: 1, uuid: "GPU-b" });
  const window = { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 };

  it("matches each GPU's baseline by UUID, whatever the order of the baselines", () => {
    const e = energyOfWindow([a(), b()], { ...window, baseline: [{ uuid: "GPU-b", meanW: 50 }, { uuid: "GPU-a", meanW: 80 }] });
    expect(e.devices.map((g) => g.baselinePowerW)).toEqual([80, 50]);
    expect(e.devices[0]!.adjustedEnergyJ).toBeCloseTo(1500 - 400, 2);
    expect(e.devices[1]!.adjustedEnergyJ).toBeCloseTo(1000 - 250, 2);
    expect(e.total.adjustedEnergyJ).toBeCloseTo(1850, 2);
    expect(e.total.energyJ).toBeCloseTo(2500, 2);
    expect(e.total.meanPowerW).toBeCloseTo(500, 3);
  });

  it("gives no adjusted energy without a baseline, or with only another GPU's", () => {
    expect(energyOfWindow([a()], window).devices[0]!.adjustedEnergyJ).toBeNull();
    const other = energyOfWindow([a()], { ...window, baseline: [{ uuid: "GPU-b", meanW: 50 }] });
    expect(other.devices[0]!.baselinePowerW).toBeNull();
    expect(other.devices[0]!.adjustedEnergyJ).toBeNull();
    expect(other.total.adjustedEnergyJ).toBeNull();
  });

  it("gives no adjusted total when one GPU lacks a baseline, rather than the sum of the others", () => {
    const e = energyOfWindow([a(), b()], { ...window, baseline: [{ uuid: "GPU-a", meanW: 80 }] });
    expect(e.devices[0]!.adjustedEnergyJ).toBeCloseTo(1100, 2);
    expect(e.total.adjustedEnergyJ).toBeNull();
    expect(e.total.energyJ).toBeCloseTo(2500, 2);
  });

  it("gives no total energy when one GPU's energy cannot be measured, rather than the sum of the others", () => {
    const blind = without(without(b(), SAMPLE_FIELDS.powerW), SAMPLE_FIELDS.energyMJ);
    const e = energyOfWindow([a(), blind], window);
    expect(e.devices[1]!.energyJ).toBeNull();
    expect(e.devices[1]!.method).toBe("none");
    expect(e.devices[1]!.methodReason).toBe("no energy counter and no instant power samples span the window");
    expect(e.total).toEqual({ energyJ: null, adjustedEnergyJ: null, meanPowerW: null });
  });

  it("gives no total for no GPU at all", () => {
    expect(energyOfWindow([], window).total).toEqual({ energyJ: null, adjustedEnergyJ: null, meanPowerW: null });
  });
});

describe("the window itself", () => {
  it("refuses a window of zero length", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 2, intervalMs: 10 });
    expect(() => energyOfWindow([d], { startNs: ns(1), endNs: ns(1), intervalNs: 1e7 })).toThrow(
      `the window must end after it starts (start ${ns(1)}, end ${ns(1)})`,
    );
  });

  it("warns about a window under 5 s, naming both limits", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10 });
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(5.9), intervalNs: 1e7 });
    expect(e.warnings.filter((w) => w.code === "short-window")).toEqual([
      {
        code: "short-window",
        device: 0,
        message:
          "GPU 0: the window lasted 4.900 s, shorter than 5 s or 10 energy counter updates (0.10 s); NVML's power sensors average and update too slowly for short windows: repeat the work or lengthen it.",
      },
    ]);
  });

  it("does not warn about a window of exactly 5 s", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10 });
    expect(energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).warnings).toEqual([]);
  });

  it("names only the 5 s limit for a GPU without an energy counter", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10, noCounter: true });
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(3), intervalNs: 1e7 });
    expect(e.warnings.find((w) => w.code === "short-window")?.message).toBe(
      "GPU 0: the window lasted 2.000 s, shorter than 5 s; NVML's power sensors average and update too slowly for short windows: repeat the work or lengthen it.",
    );
  });
});

describe("the counter-vs-integral cross-check", () => {
  /** Instant power that reads `factor` times the power behind the counter. */
  const skewed = (factor: number) => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10 });
    for (let i = 0; i < d.count; i++) d.powerW[i] = d.powerW[i]! * factor;
    return d;
  };

  it("reports the relative difference of the integral from the counter", () => {
    const g = energyOfWindow([skewed(1.2)], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!;
    expect(g.integralVsCounter).toBeCloseTo(0.2, 3);
  });

  it("warns when they differ by more than 10 %, either way, with the signed figure", () => {
    const high = energyOfWindow([skewed(1.2)], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 });
    expect(high.warnings).toEqual([
      { code: "counter-integral-disagree", device: 0, message: "GPU 0: the integral of instant power differs from the energy counter by 20.0 %." },
    ]);
    const low = energyOfWindow([skewed(0.8)], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 });
    expect(low.warnings.map((w) => w.message)).toEqual(["GPU 0: the integral of instant power differs from the energy counter by -20.0 %."]);
  });

  it("does not warn at 8 %", () => {
    const e = energyOfWindow([skewed(1.08)], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 });
    expect(e.devices[0]!.integralVsCounter).toBeCloseTo(0.08, 3);
    expect(e.warnings).toEqual([]);
  });

  it("does not cross-check a window whose reported energy is the integral", () => {
    const d = syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10, counterStepMs: 100 });
    for (let i = 0; i < d.count; i++) d.powerW[i] = d.powerW[i]! * 1.5;
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(1.15), intervalNs: 1e7 });
    expect(e.devices[0]!.method).toBe("integral");
    expect(e.warnings.map((w) => w.code)).not.toContain("counter-integral-disagree");
  });
});

describe("counter drops outside the window and 64-bit counters", () => {
  it("anchors normally when the counter was reset before the window opened", () => {
    const d = syntheticSeries({ powerW: ramp, durationS: 8, intervalMs: 10 });
    // A reset at 0.5 s, before the window [1, 6].
    for (let i = 0; i < 50; i++) d.energyMJ[i] = d.energyMJ[i]! + 9_000_000;
    const g = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!;
    expect(g.methodReason).toBe(
      "the energy counter updated 500 times inside the window; each edge was taken from the counter's last update before it plus the instant-power integral since",
    );
    expect(Math.abs(g.energyJ! - rampJ(1, 6))).toBeLessThan(0.003);
  });

  it("anchors normally when the counter was reset after the window closed", () => {
    const d = syntheticSeries({ powerW: ramp, durationS: 8, intervalMs: 10 });
    for (let i = 700; i < d.count; i++) d.energyMJ[i] = d.energyMJ[i]! - 1_000_000;
    const g = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!;
    expect(g.methodReason).toContain("each edge was taken from the counter's last update");
    expect(Math.abs(g.energyJ! - rampJ(1, 6))).toBeLessThan(0.003);
  });

  it("takes a drop of a counter above 2^32 as a reset, not a 32-bit wrap", () => {
    // A 64-bit counter at 2^33 mJ set back to 0 at 3 s, with no instant power to bridge it.
    const d = without(syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10, counterStartMJ: 2 ** 33 }), SAMPLE_FIELDS.powerW);
    for (let i = 300; i < d.count; i++) d.energyMJ[i] = d.energyMJ[i]! - 2 ** 33;
    const g = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }).devices[0]!;
    expect(g.counterUnaccountedDrops).toBe(1);
    expect(g.energyJ).toBeCloseTo(998, 1);
  });

  it("unwraps a wrap in the sample interval that holds the window's start, counting only its share", () => {
    const d = without(
      syntheticSeries({ powerW: () => 500, durationS: 8, intervalMs: 10, counterStartMJ: 2 ** 32 - 502_500, counterWrapMJ: 2 ** 32 }),
      SAMPLE_FIELDS.powerW,
    );
    // The counter wraps between the samples at 1.00 and 1.01 s; the window opens at 1.005 s.
    const g = energyOfWindow([d], { startNs: ns(1.005), endNs: ns(6.005), intervalNs: 1e7 }).devices[0]!;
    expect(g.methodReason).toContain("summed step by step");
    expect(g.energyJ).toBeCloseTo(2500, 1);
  });
});
