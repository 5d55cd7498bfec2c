// Run orders: exact output for small cases, Williams balance, seeded shuffles.
import { describe, expect, it } from "vitest";
import { planRuns, type PlannedRun, type RunOrder } from "../lib/study/plan.js";
import { seedFromHash } from "../lib/random/seed-from-hash.js";
import { williamsDesign } from "../lib/study/williams.js";

const ORDERS: RunOrder[] = ["sequential", "interleaved", "shuffled", "reverse", "latin-square"];
const pairs = (runs: PlannedRun[]) => runs.map((r) => [r.cycle, r.experiment]);

/** Counts of each ordered neighbour pair (a, b), a != b, over all rows. */
function carryover(rows: number[][], n: number): number[][] {
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const row of rows) for (let k = 1; k < row.length; k++) counts[row[k - 1]!]![row[k]!]!++;
  return counts;
}

describe("planRuns", () => {
  it("sequential runs every cycle of one experiment before the next", () => {
    expect(pairs(planRuns({ experiments: 3, cycles: 2, order: "sequential", seed: 0 }))).toEqual([
      [0, 0], [1, 0], [0, 1], [1, 1], [0, 2], [1, 2],
    ]);
  });

  it("interleaved goes round-robin by cycle", () => {
    expect(pairs(planRuns({ experiments: 3, cycles: 2, order: "interleaved", seed: 0 }))).toEqual([
      [0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2],
    ]);
  });

  it("reverse reverses every other cycle (ABC CBA ABC)", () => {
    const runs = planRuns({ experiments: 3, cycles: 3, order: "reverse", seed: 0 });
    expect(runs.map((r) => "ABC"[r.experiment]).join("")).toBe("ABCCBAABC");
  });

  it("latin-square walks a chained block of Williams rows, wrapping around", () => {
    // n = 4: the square and a relabelled copy, chained so each cycle starts where the last ended.
    const runs = planRuns({ experiments: 4, cycles: 9, order: "latin-square", seed: 0 });
    const byCycle = [...Array(9).keys()].map((c) => runs.filter((r) => r.cycle === c).map((r) => r.experiment));
    for (let c = 1; c < 9; c++) expect(byCycle[c]![0]).toBe(byCycle[c - 1]![3]);
    expect(byCycle[8]).toEqual(byCycle[0]);
    expect(byCycle[0]).toEqual([0, 1, 3, 2]);
  });

  it("shuffled gives the same order for the same seed", () => {
    const a = planRuns({ experiments: 6, cycles: 4, order: "shuffled", seed: 42 });
    const b = planRuns({ experiments: 6, cycles: 4, order: "shuffled", seed: 42 });
    expect(a).toEqual(b);
    // Pinned: a resumed study re-plans from its seed, so the order must not change between versions.
    expect(a.slice(0, 6).map((r) => r.experiment)).toEqual([1, 0, 4, 5, 2, 3]);
  });

  it("shuffled gives different orders for different seeds", () => {
    const a = planRuns({ experiments: 6, cycles: 4, order: "shuffled", seed: 1 }).map((r) => r.experiment);
    const b = planRuns({ experiments: 6, cycles: 4, order: "shuffled", seed: 2 }).map((r) => r.experiment);
    expect(a).not.toEqual(b);
  });

  it("shuffled permutes each cycle independently", () => {
    const runs = planRuns({ experiments: 8, cycles: 3, order: "shuffled", seed: 7 });
    const cycles = [0, 1, 2].map((c) => runs.filter((r) => r.cycle === c).map((r) => r.experiment).join());
    expect(new Set(cycles).size).toBe(3);
  });

  it.each(ORDERS)("%s runs every experiment exactly `cycles` times, once per cycle, with positions 0..N-1", (order) => {
    const n = 5;
    const cycles = 4;
    const runs = planRuns({ experiments: n, cycles, order, seed: 123 });
    expect(runs.map((r) => r.position)).toEqual([...Array(n * cycles).keys()]);
    for (let e = 0; e < n; e++) {
      const mine = runs.filter((r) => r.experiment === e);
      expect(mine.map((r) => r.cycle).sort()).toEqual([0, 1, 2, 3]);
    }
  });

  it("plans nothing for zero experiments", () => {
    expect(planRuns({ experiments: 0, cycles: 3, order: "latin-square", seed: 0 })).toEqual([]);
  });

  it("rejects zero cycles and fractional counts", () => {
    expect(() => planRuns({ experiments: 2, cycles: 0, order: "interleaved", seed: 0 })).toThrow(/cycles must be a whole number >= 1/);
    expect(() => planRuns({ experiments: 2.5, cycles: 1, order: "interleaved", seed: 0 })).toThrow(/whole number >= 0/);
  });
});

describe("williamsDesign", () => {
  it.each([2, 3, 4, 5, 6, 7])("n = %i: every experiment once per row and each ordered pair equally often", (n) => {
    const rows = williamsDesign(n);
    expect(rows).toHaveLength(n % 2 === 0 ? n : 2 * n);
    for (const row of rows) expect([...row].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    const counts = carryover(rows, n);
    const expected = n % 2 === 0 ? 1 : 2;
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) expect(counts[a]![b]).toBe(a === b ? 0 : expected);
  });

  it("n = 3 is the square followed by its mirror", () => {
    expect(williamsDesign(3)).toEqual([
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
      [0, 2, 1],
      [1, 0, 2],
    ]);
  });

  it("n = 1 is the one-entry row and its mirror", () => {
    expect(williamsDesign(1)).toEqual([[0], [0]]);
  });
});

describe("seedFromHash", () => {
  it("reads the first 8 hex digits as an unsigned 32-bit seed", () => {
    expect(seedFromHash("3fa2b1c0deadbeef")).toBe(0x3fa2b1c0);
    expect(seedFromHash("FFFFFFFF00")).toBe(4294967295);
  });

  it("rejects a hash that does not start with 8 hex digits", () => {
    expect(() => seedFromHash("xyz")).toThrow(/8 hex digits/);
  });
});
