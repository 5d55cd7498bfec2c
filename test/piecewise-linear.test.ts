// A sampled quantity read as piecewise linear: exact values on hand-computed points.
import { describe, expect, it } from "vitest";
import { PiecewiseLinear } from "../lib/measure/piecewise-linear.js";

// Samples at 0, 10, 20, 40 of a quantity that rises, falls and rises again.
const f = new PiecewiseLinear([0, 10, 20, 40], [100, 200, 150, 250]);

describe("piecewise-linear samples", () => {
  it("counts its samples", () => {
    expect(f.length).toBe(4);
    expect(new PiecewiseLinear([], []).length).toBe(0);
  });

  it("spans a range only when samples lie at or before its start and at or after its end", () => {
    expect(f.spans(0, 40)).toBe(true);
    expect(f.spans(5, 35)).toBe(true);
    expect(f.spans(40, 40)).toBe(true);
    expect(f.spans(0, 0)).toBe(true);
    expect(f.spans(-1, 40)).toBe(false);
    expect(f.spans(0, 40.5)).toBe(false);
    expect(f.spans(-5, -1)).toBe(false);
    expect(f.spans(41, 50)).toBe(false);
    expect(new PiecewiseLinear([], []).spans(0, 0)).toBe(false);
  });

  it("finds the last sample at or before a time", () => {
    expect(f.indexAtOrBefore(-1)).toBe(-1);
    expect(f.indexAtOrBefore(0)).toBe(0);
    expect(f.indexAtOrBefore(9.99)).toBe(0);
    expect(f.indexAtOrBefore(10)).toBe(1);
    expect(f.indexAtOrBefore(25)).toBe(2);
    expect(f.indexAtOrBefore(40)).toBe(3);
    expect(f.indexAtOrBefore(1000)).toBe(3);
    expect(new PiecewiseLinear([], []).indexAtOrBefore(5)).toBe(-1);
    const many = new PiecewiseLinear([1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 0, 0, 0, 0]);
    for (let t = 1; t <= 8; t++) expect(many.indexAtOrBefore(t + 0.5)).toBe(t - 1);
  });

  it("interpolates linearly between samples and returns samples exactly at their times", () => {
    expect(f.at(0)).toBe(100);
    expect(f.at(5)).toBe(150);
    expect(f.at(10)).toBe(200);
    expect(f.at(12.5)).toBe(187.5);
    expect(f.at(30)).toBe(200);
    expect(f.at(40)).toBe(250);
  });

  it("holds the first value before the samples and the last after them", () => {
    expect(f.at(-3)).toBe(100);
    expect(f.at(50)).toBe(250);
  });

  it("integrates by trapezoids over whole segments", () => {
    // 10 x 150 + 10 x 175 + 20 x 200
    expect(f.integral(0, 40)).toBe(1500 + 1750 + 4000);
  });

  it("integrates between arbitrary points inside segments", () => {
    // [5, 10]: (150 + 200) / 2 x 5; [10, 20]: 1750; [20, 30]: (150 + 200) / 2 x 10
    expect(f.integral(5, 30)).toBe(875 + 1750 + 1750);
    // Within one segment.
    expect(f.integral(12, 18)).toBeCloseTo(((190 + 160) / 2) * 6, 10);
    // Starting exactly at a sample and ending exactly at one.
    expect(f.integral(10, 20)).toBe(1750);
  });

  it("gives zero for an empty or reversed range", () => {
    expect(f.integral(10, 10)).toBe(0);
    expect(f.integral(30, 5)).toBe(0);
  });
});
