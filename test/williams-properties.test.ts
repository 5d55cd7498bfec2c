// Properties of one Williams design that hold however a study chains its cycles.
import { describe, expect, it } from "vitest";
import { williamsDesign } from "../lib/study/williams.js";

const N = [1, 2, 3, 4, 5, 6, 7, 8];

describe("a Williams design", () => {
  it.each(N)("n = %i: starts 0, 1, n-1, 2, n-2, ...", (n) => {
    const expected = [0];
    for (let k = 1, lo = 1, hi = n - 1; k < n; k++) expected.push(k % 2 === 1 ? lo++ : hi--);
    expect(williamsDesign(n)[0]).toEqual(expected);
  });

  it("n = 4 is exactly the balanced Latin square 0 1 3 2 shifted by one per row", () => {
    expect(williamsDesign(4)).toEqual([
      [0, 1, 3, 2],
      [1, 2, 0, 3],
      [2, 3, 1, 0],
      [3, 0, 2, 1],
    ]);
  });

  it("n = 5 is the square (0 1 4 2 3 shifted) followed by its mirror", () => {
    const rows = williamsDesign(5);
    expect(rows.slice(0, 5)).toEqual([
      [0, 1, 4, 2, 3],
      [1, 2, 0, 3, 4],
      [2, 3, 1, 4, 0],
      [3, 4, 2, 0, 1],
      [4, 0, 3, 1, 2],
    ]);
    expect(rows.slice(5)).toEqual(rows.slice(0, 5).map((r) => r.slice().reverse()));
  });

  it.each(N)("n = %i: every column of the square holds every treatment once", (n) => {
    const square = williamsDesign(n).slice(0, n);
    for (let col = 0; col < n; col++) expect(square.map((r) => r[col]!).sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
  });

  it("is empty for no treatments", () => {
    expect(williamsDesign(0)).toEqual([]);
  });

  it("refuses a negative or fractional number of treatments, saying what it got", () => {
    expect(() => williamsDesign(-1)).toThrow("a Williams design needs a whole number of treatments, got -1");
    expect(() => williamsDesign(2.5)).toThrow("a Williams design needs a whole number of treatments, got 2.5");
    expect(() => williamsDesign(Number.NaN)).toThrow(RangeError);
  });
});
