// Seeded Poisson arrivals of the workload generator's request rate.
import { describe, expect, it } from "vitest";
import { poissonArrivalOffsetsNs } from "../lib/backends/openai/arrivals.js";

const gapsOf = (offsetsNs: number[]) => offsetsNs.slice(1).map((t, i) => t - offsetsNs[i]!);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("poissonArrivalOffsetsNs", () => {
  it("sends the first request at once and the others in order", () => {
    const offsetsNs = poissonArrivalOffsetsNs(100, 50, 7);
    expect(offsetsNs).toHaveLength(100);
    expect(offsetsNs[0]).toBe(0);
    expect(gapsOf(offsetsNs).every((g) => g >= 0)).toBe(true);
    expect(offsetsNs.every(Number.isInteger)).toBe(true);
  });

  it("gives the same schedule for the same seed and another for another seed", () => {
    expect(poissonArrivalOffsetsNs(40, 50, 7)).toEqual(poissonArrivalOffsetsNs(40, 50, 7));
    expect(poissonArrivalOffsetsNs(40, 50, 8)).not.toEqual(poissonArrivalOffsetsNs(40, 50, 7));
  });

  it("has exponential gaps with mean 1/rate", () => {
    // 20,000 gaps: the sample mean's standard error is 0.7 % of the mean, so 2 % is a wide
    // margin, and the schedule is fixed by the seed anyway.
    const gapsNs = gapsOf(poissonArrivalOffsetsNs(20_001, 50, 3));
    const meanNs = mean(gapsNs);
    expect(Math.abs(meanNs / 20e6 - 1)).toBeLessThan(0.02);
    // An exponential's standard deviation equals its mean, and 1 - 1/e of it lies below the mean.
    const sd = Math.sqrt(mean(gapsNs.map((g) => (g - meanNs) ** 2)));
    expect(Math.abs(sd / meanNs - 1)).toBeLessThan(0.03);
    expect(gapsNs.filter((g) => g < meanNs).length / gapsNs.length).toBeCloseTo(1 - Math.exp(-1), 2);
  });

  it("scales the gaps with the rate", () => {
    const at10 = poissonArrivalOffsetsNs(50, 10, 5);
    const at20 = poissonArrivalOffsetsNs(50, 20, 5);
    // Same seed, same uniform draws: twice the rate halves every offset (to the rounded ns).
    at10.forEach((t, i) => expect(Math.abs(t / 2 - at20[i]!)).toBeLessThanOrEqual(1));
  });

  it("rejects a rate that is not a positive number", () => {
    expect(() => poissonArrivalOffsetsNs(10, 0, 1)).toThrow(/request rate must be a positive number of requests per second, got 0/);
    expect(() => poissonArrivalOffsetsNs(10, Number.NaN, 1)).toThrow(expect.objectContaining({ code: "LEM_INVALID_OPTIONS" }));
  });
});
