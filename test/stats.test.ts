// Descriptive statistics and the seeded bootstrap interval of the mean.
import { describe as group, expect, it } from "vitest";
import { bootstrapMeanInterval, quantileSorted } from "../lib/results/bootstrap.js";
import { describe } from "../lib/results/stats.js";
import { seededRandom } from "../lib/random/seeded-random.js";

/** Approximately normal values (sum of 12 uniforms) with the given mean and sd. */
function normalish(n: number, mean: number, sd: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    let s = 0;
    for (let k = 0; k < 12; k++) s += random();
    return mean + sd * (s - 6);
  });
}

group("describe", () => {
  it("gives mean, median, sample std, cv, min and max of [1, 2, 3, 4]", () => {
    const s = describe([4, 1, 3, 2]);
    expect(s.n).toBe(4);
    expect(s.mean).toBe(2.5);
    expect(s.median).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s.cv).toBeCloseTo(Math.sqrt(5 / 3) / 2.5, 12);
    expect(s.min).toBe(1);
    expect(s.max).toBe(4);
  });

  it("takes the middle value as the median of an odd count", () => {
    expect(describe([10, 1, 7]).median).toBe(7);
  });

  it("flags a CV above the threshold and not one below it", () => {
    expect(describe([100, 101, 99, 100]).highVariation).toBe(false);
    expect(describe([100, 120, 80, 100]).highVariation).toBe(true);
    expect(describe([100, 120, 80, 100], { cvThreshold: 0.5 }).highVariation).toBe(false);
  });

  it("puts the 95 % interval around the mean", () => {
    const values = normalish(20, 3.2, 0.1, 5);
    const s = describe(values, { seed: 9 });
    expect(s.ci95!.low).toBeLessThan(s.mean!);
    expect(s.ci95!.high).toBeGreaterThan(s.mean!);
    // About 1.96 standard errors each side.
    const se = s.std! / Math.sqrt(values.length);
    expect((s.ci95!.high - s.ci95!.low) / (2 * 1.96 * se)).toBeGreaterThan(0.8);
    expect((s.ci95!.high - s.ci95!.low) / (2 * 1.96 * se)).toBeLessThan(1.1);
  });

  it("narrows the interval as n grows", () => {
    const width = (n: number) => {
      const ci = describe(normalish(n, 10, 1, 3), { seed: 1, resamples: 4000 }).ci95!;
      return ci.high - ci.low;
    };
    const w5 = width(5);
    const w50 = width(50);
    const w500 = width(500);
    expect(w50).toBeLessThan(w5);
    expect(w500).toBeLessThan(w50 / 2);
  });

  it("gives the same interval for the same seed and a different one for another", () => {
    const values = normalish(12, 3.2, 0.2, 11);
    expect(describe(values, { seed: 7 }).ci95).toEqual(describe(values, { seed: 7 }).ci95);
    expect(describe(values, { seed: 7 }).ci95).not.toEqual(describe(values, { seed: 8 }).ci95);
  });

  it("describes one value with no spread and no interval", () => {
    expect(describe([5])).toEqual({ n: 1, mean: 5, median: 5, std: null, cv: null, min: 5, max: 5, ci95: null, highVariation: false });
  });

  it("describes no values as all null", () => {
    expect(describe([])).toEqual({ n: 0, mean: null, median: null, std: null, cv: null, min: null, max: null, ci95: null, highVariation: false });
  });

  it("ignores NaN, null and infinities", () => {
    const s = describe([1, Number.NaN, null, 3, Number.POSITIVE_INFINITY, undefined]);
    expect(s.n).toBe(2);
    expect(s.mean).toBe(2);
  });

  it("gives no CV for a zero mean", () => {
    const s = describe([-1, 1]);
    expect(s.cv).toBeNull();
    expect(s.highVariation).toBe(false);
  });

  it("gives a zero-width interval for identical values", () => {
    expect(describe([2, 2, 2]).ci95).toEqual({ low: 2, high: 2 });
  });
});

group("bootstrap", () => {
  it("interpolates quantiles linearly between order statistics", () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([0, 10], 0.95)).toBeCloseTo(9.5, 12);
    expect(quantileSorted([7], 0.99)).toBe(7);
  });

  it("rejects a confidence outside (0, 1)", () => {
    expect(() => bootstrapMeanInterval([1, 2], { seed: 1, resamples: 10, confidence: 1 })).toThrow(/confidence/);
  });
});
