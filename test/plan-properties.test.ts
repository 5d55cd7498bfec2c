// Properties of planRuns that hold however the latin-square order chains its cycles.
import { describe, expect, it } from "vitest";
import { InvalidOptionsError } from "../lib/errors.js";
import { planRuns, type PlannedRun, type RunOrder } from "../lib/study/plan.js";
import { seedFromHash } from "../lib/random/seed-from-hash.js";
import { williamsDesign } from "../lib/study/williams.js";
import { carryOverBlock } from "../lib/study/carry-over.js";

const ORDERS: RunOrder[] = ["sequential", "interleaved", "shuffled", "reverse", "latin-square"];
const cycleOrders = (runs: PlannedRun[], cycles: number) =>
  Array.from({ length: cycles }, (_, c) => runs.filter((r) => r.cycle === c).map((r) => r.experiment));

describe("every run order", () => {
  it.each(ORDERS)("%s: plans each (cycle, experiment) once, numbered by position", (order) => {
    for (const [n, cycles] of [[1, 1], [3, 4], [4, 5], [5, 11]] as const) {
      const runs = planRuns({ experiments: n, cycles, order, seed: 7 });
      expect(runs).toHaveLength(n * cycles);
      expect(runs.map((r) => r.position)).toEqual([...Array(n * cycles).keys()]);
      const keys = new Set(runs.map((r) => `${r.cycle}/${r.experiment}`));
      expect(keys.size).toBe(n * cycles);
      for (const r of runs) {
        expect(r.cycle).toBeGreaterThanOrEqual(0);
        expect(r.cycle).toBeLessThan(cycles);
        expect(r.experiment).toBeGreaterThanOrEqual(0);
        expect(r.experiment).toBeLessThan(n);
      }
    }
  });

  it.each(["interleaved", "shuffled", "reverse", "latin-square"] as const)("%s: runs one whole cycle before the next begins", (order) => {
    const runs = planRuns({ experiments: 4, cycles: 6, order, seed: 3 });
    expect(runs.map((r) => r.cycle)).toEqual([...Array(24).keys()].map((i) => Math.floor(i / 4)));
  });

  it("sequential runs every cycle of experiment 0, then of experiment 1", () => {
    const runs = planRuns({ experiments: 2, cycles: 3, order: "sequential", seed: 0 });
    expect(runs.map((r) => [r.experiment, r.cycle])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
  });

  it("reverse alternates the experiment order cycle by cycle", () => {
    const runs = planRuns({ experiments: 3, cycles: 4, order: "reverse", seed: 0 });
    expect(cycleOrders(runs, 4)).toEqual([
      [0, 1, 2],
      [2, 1, 0],
      [0, 1, 2],
      [2, 1, 0],
    ]);
  });
});

describe("latin-square", () => {
  it.each([2, 3, 4, 5])("n = %i: a full carry-over block of cycles uses every row of the block once, each a Williams row or its relabelled copy", (n) => {
    const rows = carryOverBlock(n);
    const runs = planRuns({ experiments: n, cycles: rows.length, order: "latin-square", seed: 0 });
    const key = (r: number[]) => r.join(",");
    expect(cycleOrders(runs, rows.length).map(key).sort()).toEqual(rows.map(key).sort());
    // The block holds the Williams square itself (for even n, beside a relabelled copy of it).
    expect(rows.map(key)).toEqual(expect.arrayContaining(williamsDesign(n).map(key)));
  });

  it("orders every cycle as some row of the carry-over block, repeating the block", () => {
    const rows = carryOverBlock(4).map((r) => r.join(","));
    const runs = planRuns({ experiments: 4, cycles: 9, order: "latin-square", seed: 0 });
    const orders = cycleOrders(runs, 9).map((o) => o.join(","));
    for (const order of orders) expect(rows).toContain(order);
    expect(orders[8]).toBe(orders[0]);
  });

  it("ignores the seed", () => {
    expect(planRuns({ experiments: 4, cycles: 5, order: "latin-square", seed: 1 })).toEqual(
      planRuns({ experiments: 4, cycles: 5, order: "latin-square", seed: 2 }),
    );
  });
});

describe("invalid plans", () => {
  it("refuses a negative or fractional number of experiments, saying what it got", () => {
    expect(() => planRuns({ experiments: -1, cycles: 1, order: "interleaved", seed: 0 })).toThrow(
      "the number of experiments must be a whole number >= 0, got -1",
    );
    expect(() => planRuns({ experiments: 1.5, cycles: 1, order: "interleaved", seed: 0 })).toThrow(InvalidOptionsError);
  });

  it("refuses zero or fractional cycles, saying what it got", () => {
    expect(() => planRuns({ experiments: 2, cycles: 0, order: "sequential", seed: 0 })).toThrow("cycles must be a whole number >= 1, got 0");
    expect(() => planRuns({ experiments: 2, cycles: 1.5, order: "sequential", seed: 0 })).toThrow("cycles must be a whole number >= 1, got 1.5");
  });

  it("accepts one cycle", () => {
    expect(planRuns({ experiments: 2, cycles: 1, order: "interleaved", seed: 0 })).toHaveLength(2);
  });

  it("refuses a fractional seed for the shuffled order only", () => {
    expect(() => planRuns({ experiments: 2, cycles: 1, order: "shuffled", seed: 0.5 })).toThrow("the seed must be an integer, got 0.5");
    expect(planRuns({ experiments: 2, cycles: 1, order: "interleaved", seed: 0.5 })).toHaveLength(2);
  });

  it("refuses an unknown order, naming it", () => {
    expect(() => planRuns({ experiments: 2, cycles: 1, order: "random" as RunOrder, seed: 0 })).toThrow('unknown run order "random"');
  });

  it("plans no run for zero experiments in any order", () => {
    for (const order of ORDERS) expect(planRuns({ experiments: 0, cycles: 2, order, seed: 0 })).toEqual([]);
  });
});

describe("seedFromHash, exactly", () => {
  it("reads only the first 8 hex digits", () => {
    expect(seedFromHash("00000001ffffffff")).toBe(1);
    expect(seedFromHash("abcdef12")).toBe(0xabcdef12);
  });

  it("refuses a hash whose first 8 characters are not all hex, quoting it", () => {
    expect(() => seedFromHash("1234567g99")).toThrow('a seed needs a hash starting with 8 hex digits, got "1234567g99"');
    expect(() => seedFromHash("1234567")).toThrow(InvalidOptionsError);
  });
});
