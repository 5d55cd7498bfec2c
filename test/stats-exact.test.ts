// Descriptive statistics with exact expected values, including the two-cycle configuration.
import { describe as group, expect, it } from "vitest";
import { DEFAULT_BOOTSTRAP_SEED, DEFAULT_CV_THRESHOLD, DEFAULT_RESAMPLES, describe } from "../lib/results/stats.js";
import { bootstrapMeanInterval } from "../lib/results/bootstrap.js";

group("describe, exact", () => {
  it("gives two values (two cycles) a sample std and an interval", () => {
    const s = describe([10, 14]);
    expect(s.n).toBe(2);
    expect(s.mean).toBe(12);
    expect(s.median).toBe(12);
    expect(s.std).toBeCloseTo(Math.SQRT2 * 2, 12);
    expect(s.cv).toBeCloseTo((Math.SQRT2 * 2) / 12, 12);
    expect(s.min).toBe(10);
    expect(s.max).toBe(14);
    expect(s.ci95).toEqual({ low: 10, high: 14 });
    expect(s.highVariation).toBe(true);
  });

  it("takes the interval from the bootstrap with the default seed, resamples and 95 %", () => {
    const values = [3.1, 2.9, 3.4, 3.0, 3.3];
    expect(DEFAULT_BOOTSTRAP_SEED).toBe(1);
    expect(DEFAULT_RESAMPLES).toBe(10_000);
    expect(describe(values).ci95).toEqual(bootstrapMeanInterval(values, { seed: 1, resamples: 10_000, confidence: 0.95 }));
  });

  it("passes seed, resamples and confidence through", () => {
    const values = [3.1, 2.9, 3.4, 3.0, 3.3];
    expect(describe(values, { seed: 4, resamples: 500, confidence: 0.5 }).ci95).toEqual(
      bootstrapMeanInterval(values, { seed: 4, resamples: 500, confidence: 0.5 }),
    );
  });

  it("uses |mean| for the cv of negative values", () => {
    const s = describe([-10, -14]);
    expect(s.cv).toBeCloseTo((Math.SQRT2 * 2) / 12, 12);
    expect(s.min).toBe(-14);
    expect(s.max).toBe(-10);
  });

  it("sorts numerically for the median, min and max", () => {
    const s = describe([100, 9, 25]);
    expect(s.median).toBe(25);
    expect(s.min).toBe(9);
    expect(s.max).toBe(100);
  });

  it("flags high variation only above the threshold (default 5 %), not at it", () => {
    expect(DEFAULT_CV_THRESHOLD).toBe(0.05);
    // cv of [95, 105] is sqrt(50) / 100 = 0.0707.
    expect(describe([95, 105]).highVariation).toBe(true);
    expect(describe([95, 105], { cvThreshold: 0.08 }).highVariation).toBe(false);
    const cv = describe([95, 105]).cv!;
    expect(describe([95, 105], { cvThreshold: cv }).highVariation).toBe(false);
    expect(describe([99, 101]).highVariation).toBe(false);
  });
});
