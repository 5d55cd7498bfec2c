// The warnings that qualify a window's energy, each at its threshold, and the figures behind them.
import { describe, expect, it } from "vitest";
import { SAMPLE_FIELDS } from "../lib/gpu/power-sampler.js";
import { energyOfWindow } from "../lib/measure/window-energy.js";
import type { DeviceSeries } from "../lib/measure/timeline.js";
import { ns, syntheticSeries } from "./support/synthetic-series.js";

const flat = (o: Partial<Parameters<typeof syntheticSeries>[0]> = {}) => syntheticSeries({ powerW: () => 200, durationS: 8, intervalMs: 10, ...o });
const codes = (e: { warnings: { code: string }[] }) => e.warnings.map((w) => w.code);
function without(d: DeviceSeries, bit: number): DeviceSeries {
  for (let i = 0; i < d.count; i++) d.present[i] = d.present[i]! & ~bit;
  return d;
}

describe("samples", () => {
  it("warns that a window with no sample inside cannot be measured", () => {
    const d = flat({ intervalMs: 500 });
    const e = energyOfWindow([d], { startNs: ns(1.1), endNs: ns(1.3), intervalNs: 5e8 });
    expect(e.devices[0]!.samples).toBe(0);
    expect(e.warnings.find((w) => w.code === "no-samples")).toEqual({
      code: "no-samples",
      device: 0,
      message: "GPU 0: no sample fell inside the window; its energy cannot be measured.",
    });
    expect(codes(e)).not.toContain("few-samples");
  });

  it("counts samples at the edges as inside", () => {
    const d = flat({ intervalMs: 250 });
    // Samples at 1.0, 1.25, ..., 6.0: 21 of them, edges included.
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(6), intervalNs: 2.5e8 });
    expect(e.devices[0]!.samples).toBe(21);
    expect(codes(e)).not.toContain("few-samples");
  });

  it("warns at 19 samples but not at 20", () => {
    const d = flat({ intervalMs: 250 });
    expect(energyOfWindow([d], { startNs: ns(1.01), endNs: ns(6), intervalNs: 2.5e8 }).devices[0]!.samples).toBe(20);
    expect(codes(energyOfWindow([d], { startNs: ns(1.01), endNs: ns(6), intervalNs: 2.5e8 }))).not.toContain("few-samples");
    const e = energyOfWindow([d], { startNs: ns(1.01), endNs: ns(5.99), intervalNs: 2.5e8 });
    expect(e.warnings.find((w) => w.code === "few-samples")?.message).toBe(
      "GPU 0: only 19 samples inside the window (fewer than 20); sample faster or measure longer.",
    );
  });
});

describe("gaps", () => {
  it("counts a gap of more than three intervals, not one of exactly three", () => {
    // Samples missing at 3.01 and 3.02: a 30 ms gap, three intervals.
    const three = flat({ skip: (s) => s > 3.005 && s < 3.025 });
    const g3 = energyOfWindow([three], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 }).devices[0]!;
    expect(g3.gaps.count).toBe(0);
    expect(g3.gaps.longestS).toBeCloseTo(0.03, 6);
    const four = flat({ skip: (s) => s > 3.005 && s < 3.035 });
    const e = energyOfWindow([four], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 });
    expect(e.devices[0]!.gaps).toEqual({ count: 1, longestS: expect.closeTo(0.04, 6) });
    expect(e.warnings.find((w) => w.code === "sample-gaps")?.message).toBe("GPU 0: 1 gap(s) longer than 3 sampling intervals, the longest 40.0 ms.");
  });

  it("counts the distance from each edge to the nearest sample as a gap", () => {
    const d = flat({ skip: (s) => s < 1.2 });
    const g = energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 }).devices[0]!;
    expect(g.gaps.count).toBe(1);
    expect(g.gaps.longestS).toBeCloseTo(0.2, 6);
  });
});

describe("temperature", () => {
  it("takes start and end at the edges and the peak inside the window", () => {
    const d = flat({ temperatureC: (s) => 40 + 10 * Math.sin((Math.PI * s) / 8) });
    const t = energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 }).devices[0]!.temperature!;
    expect(t.startC).toBeCloseTo(40 + 10 * Math.sin(Math.PI / 8), 4);
    expect(t.endC).toBeCloseTo(40 + 10 * Math.sin((7 * Math.PI) / 8), 4);
    expect(t.peakC).toBeCloseTo(50, 4);
  });

  it("warns at a drift of 10.5 °C, not at 10 °C, and either way", () => {
    const up = (rate: number) => flat({ temperatureC: (s) => 40 + rate * s });
    expect(codes(energyOfWindow([up(2)], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }))).not.toContain("temperature-drift");
    const e = energyOfWindow([up(2.1)], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 });
    expect(e.warnings.find((w) => w.code === "temperature-drift")?.message).toMatch(
      /^GPU 0: temperature moved from 42\.\d+ °C to 52\.\d+ °C \(more than 10 °C\) during the window; the GPU was not thermally settled\.$/,
    );
    expect(codes(energyOfWindow([up(-2.1)], { startNs: ns(1), endNs: ns(6), intervalNs: 1e7 }))).toContain("temperature-drift");
  });

  it("falls back to the first and last readings inside the window when none reach its edges", () => {
    const d = flat();
    for (let i = 0; i < d.count; i++) {
      const s = Number(d.tNs[i]! - ns(0)) / 1e9;
      d.temperatureC[i] = 30 + s;
      if (s < 2 || s > 5) d.present[i] = d.present[i]! & ~SAMPLE_FIELDS.temperatureC;
    }
    const t = energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 }).devices[0]!.temperature!;
    expect(t.startC).toBeCloseTo(32, 4);
    expect(t.endC).toBeCloseTo(35, 4);
    expect(t.peakC).toBeCloseTo(35, 4);
  });

  it("reports no temperature for a GPU without readings", () => {
    const d = without(flat(), SAMPLE_FIELDS.temperatureC);
    expect(energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 }).devices[0]!.temperature).toBeNull();
  });
});

describe("throttling", () => {
  // Reasons change between samples (at x.xx5 s): each sample's reasons hold until the next.
  it("lists a reason that does not lower clocks without calling it a slowdown", () => {
    const d = flat({ throttleReasons: (s) => (s >= 2.005 && s < 3.005 ? 0x1 : 0) });
    const e = energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 });
    const t = e.devices[0]!.throttle;
    expect(t.reasons).toEqual(["GpuIdle"]);
    expect(t.secondsByReason.GpuIdle).toBeCloseTo(1, 6);
    expect(t).toMatchObject({ slowdown: false, slowdownFirstS: null, slowdownLastS: null });
    expect(codes(e)).not.toContain("throttling");
  });

  it("counts only the part of a throttle episode inside the window", () => {
    const d = flat({ throttleReasons: (s) => (s < 2.005 || s >= 6.505 ? 0x40 : 0) });
    const t = energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 }).devices[0]!.throttle;
    expect(t.secondsByReason.HwThermalSlowdown).toBeCloseTo(1.5, 6);
    expect(t.slowdownFirstS).toBeCloseTo(0, 6);
    expect(t.slowdownLastS).toBeCloseTo(6, 6);
  });

  it("reports no reason for a window without throttling", () => {
    const t = energyOfWindow([flat()], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 }).devices[0]!.throttle;
    expect(t).toEqual({ reasons: [], secondsByReason: {}, slowdown: false, slowdownFirstS: null, slowdownLastS: null });
  });
});

describe("persistence mode", () => {
  it("warns only for a GPU whose persistence mode is known to be off", () => {
    const d = flat({ uuid: "GPU-p" });
    const window = { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 };
    expect(codes(energyOfWindow([d], { ...window, persistenceMode: { "GPU-p": true } }))).toEqual([]);
    expect(codes(energyOfWindow([d], { ...window, persistenceMode: { "GPU-q": false } }))).toEqual([]);
    expect(energyOfWindow([d], { ...window, persistenceMode: { "GPU-p": false } }).warnings).toEqual([
      {
        code: "persistence-off",
        device: 0,
        message: 'GPU 0: persistence mode is off (first readings after the driver wakes can be odd); enable it with "nvidia-smi -pm 1".',
      },
    ]);
  });
});

describe("the counter's figures", () => {
  it("gives no counter period for fewer than three counter updates", () => {
    const d = flat({ counterStepMs: 3000 });
    expect(energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 }).devices[0]!.counterPeriodMs).toBeNull();
  });

  it("takes the counter with few steps when there is no instant power, and says so", () => {
    const d = without(flat({ counterStepMs: 100 }), SAMPLE_FIELDS.powerW);
    const g = energyOfWindow([d], { startNs: ns(1.05), endNs: ns(1.2), intervalNs: 1e7 }).devices[0]!;
    expect(g.method).toBe("counter");
    expect(g.methodReason).toBe("the energy counter updated only 2 time(s), but there is no instant power to integrate");
  });

  it("gives no integral-vs-counter ratio when the counter read zero energy", () => {
    const d = syntheticSeries({ powerW: () => 0, durationS: 8, intervalMs: 10 });
    const g = energyOfWindow([d], { startNs: ns(1), endNs: ns(7), intervalNs: 1e7 }).devices[0]!;
    expect(g.counterEnergyJ).toBe(0);
    expect(g.integralVsCounter).toBeNull();
  });

  it("does not warn of a counter reset when the reported energy is the integral", () => {
    const d = flat({ counterStepMs: 100 });
    // A reset inside a 150 ms window, where the integral is reported.
    for (let i = 0; i < d.count; i++) if (i >= 110) d.energyMJ[i] = d.energyMJ[i]! - 200_000;
    for (let i = 105; i < 115; i++) d.present[i] = d.present[i]! & ~SAMPLE_FIELDS.powerW;
    const e = energyOfWindow([d], { startNs: ns(1.02), endNs: ns(1.17), intervalNs: 1e7 });
    expect(codes(e)).not.toContain("counter-reset");
  });
});
