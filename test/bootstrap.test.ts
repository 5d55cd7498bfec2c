// The percentile bootstrap pinned to quantiles known exactly: resampling [0, 1] twice gives the
// means 0, 0.5 and 1 with probabilities 1/4, 1/2 and 1/4.
import { describe, expect, it } from "vitest";
import { bootstrapMeanInterval, quantileSorted } from "../lib/results/bootstrap.js";

const fair = { seed: 3, resamples: 20_000 };

describe("quantiles of sorted values", () => {
  it("reads exact order statistics at their positions", () => {
    const v = [10, 20, 30, 40, 50];
    expect(quantileSorted(v, 0)).toBe(10);
    expect(quantileSorted(v, 0.25)).toBe(20);
    expect(quantileSorted(v, 0.5)).toBe(30);
    expect(quantileSorted(v, 1)).toBe(50);
  });

  it("interpolates between neighbouring order statistics", () => {
    expect(quantileSorted([10, 20, 30, 40, 50], 0.1)).toBeCloseTo(14, 12);
    expect(quantileSorted([10, 20, 30, 40, 50], 0.9)).toBeCloseTo(46, 12);
  });

  it("clamps p below 0 and above 1 to the extremes", () => {
    expect(quantileSorted([1, 2, 3], -0.5)).toBe(1);
    expect(quantileSorted([1, 2, 3], 1.5)).toBe(3);
  });

  it("refuses an empty list", () => {
    expect(() => quantileSorted([], 0.5)).toThrow("quantile of no values");
  });
});

describe("percentile bootstrap of the mean", () => {
  it("puts a 95 % interval of [0, 1] at the 2.5 % and 97.5 % quantiles: 0 and 1", () => {
    expect(bootstrapMeanInterval([0, 1], { ...fair, confidence: 0.95 })).toEqual({ low: 0, high: 1 });
  });

  it("puts a 60 % interval of [0, 1] at the 20 % and 80 % quantiles: 0 and 1, not 0.5", () => {
    // 25 % of the resampled means are 0 and 25 % are 1: both tails hold more than 20 %.
    expect(bootstrapMeanInterval([0, 1], { ...fair, confidence: 0.6 })).toEqual({ low: 0, high: 1 });
  });

  it("puts a 20 % interval of [0, 1] at the 40 % and 60 % quantiles: the middle mean 0.5", () => {
    expect(bootstrapMeanInterval([0, 1], { ...fair, confidence: 0.2 })).toEqual({ low: 0.5, high: 0.5 });
  });

  it("resamples means of the values, not sums: [10, 20] gives means between 10 and 20", () => {
    expect(bootstrapMeanInterval([10, 20], { ...fair, confidence: 0.2 })).toEqual({ low: 15, high: 15 });
    expect(bootstrapMeanInterval([10, 20], { ...fair, confidence: 0.9 })).toEqual({ low: 10, high: 20 });
  });

  it("draws every value: a resample of three values covers the whole range", () => {
    // Means of 3 draws from {0, 3, 6} range over 0..6 in steps of 1; a 99.9 % interval reaches
    // the extreme means (each has probability 1/27 > 0.05 %).
    expect(bootstrapMeanInterval([0, 3, 6], { ...fair, confidence: 0.999 })).toEqual({ low: 0, high: 6 });
  });

  it("accepts a single resample, whose mean is both ends", () => {
    const ci = bootstrapMeanInterval([2, 4], { seed: 1, resamples: 1, confidence: 0.95 });
    expect(ci.low).toBe(ci.high);
    expect([2, 3, 4]).toContain(ci.low);
  });

  it("refuses fewer than two values", () => {
    expect(() => bootstrapMeanInterval([1], { ...fair, confidence: 0.95 })).toThrow("a bootstrap interval needs at least two values");
  });

  it("refuses a confidence of 0 or 1 and says what it got", () => {
    expect(() => bootstrapMeanInterval([1, 2], { ...fair, confidence: 0 })).toThrow("confidence must lie in (0, 1), got 0");
    expect(() => bootstrapMeanInterval([1, 2], { ...fair, confidence: 1 })).toThrow("confidence must lie in (0, 1), got 1");
  });

  it("refuses zero or fractional resamples and says what it got", () => {
    expect(() => bootstrapMeanInterval([1, 2], { seed: 1, resamples: 0, confidence: 0.95 })).toThrow("resamples must be a whole number >= 1, got 0");
    expect(() => bootstrapMeanInterval([1, 2], { seed: 1, resamples: 2.5, confidence: 0.95 })).toThrow("resamples must be a whole number >= 1, got 2.5");
  });
});
