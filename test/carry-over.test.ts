// Carry-over over the whole run sequence of a latin-square study, junctions between cycles included.
import { describe, expect, it } from "vitest";
import { balancedCycles, carryOverBalance, carryOverCounts, carryOverWarning } from "../lib/study/carry-over.js";
import { planRuns } from "../lib/study/plan.js";

const sequence = (n: number, cycles: number, order: "latin-square" | "shuffled" | "interleaved" = "latin-square") =>
  planRuns({ experiments: n, cycles, order, seed: 7 }).map((r) => r.experiment);

describe("latin-square over the whole run sequence", () => {
  it.each([2, 3, 4, 5, 6, 7])("n = %i: every ordered pair a→b (a ≠ b) occurs equally often over whole blocks of cycles", (n) => {
    const block = balancedCycles(n);
    for (const blocks of [1, 2, 3]) {
      const counts = carryOverCounts(sequence(n, block * blocks), n);
      const perPair = n === 2 ? blocks : 2 * blocks;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b) expect(counts[a]![b], `${a}→${b}`).toBe(perPair);
    }
  });

  it.each([2, 3, 4, 5, 6, 7])("n = %i: each cycle starts with the configuration the previous one ended with", (n) => {
    const runs = planRuns({ experiments: n, cycles: 2 * balancedCycles(n) + 1, order: "latin-square", seed: 0 });
    for (let k = n; k < runs.length; k += n) expect(runs[k]!.experiment).toBe(runs[k - 1]!.experiment);
  });

  it.each([2, 3, 4, 5, 6, 7])("n = %i: repeats (a→a) are spread evenly, at most one apart", (n) => {
    const counts = carryOverCounts(sequence(n, 2 * balancedCycles(n)), n);
    const self = counts.map((row, a) => row[a]!);
    expect(Math.max(...self) - Math.min(...self)).toBeLessThanOrEqual(1);
  });

  it("a block is 2 cycles for n = 2 and 2n cycles otherwise", () => {
    expect([2, 3, 4, 5, 6, 7].map(balancedCycles)).toEqual([2, 6, 8, 10, 12, 14]);
  });

  it("n = 3 with 6 cycles: each pair twice, where rows taken in order gave 2 to 3", () => {
    expect(carryOverBalance(sequence(3, 6), 3)).toEqual({ minPairs: 2, maxPairs: 2, balanced: true });
    // The Williams rows back to back (the old order): 0 1 2 | 1 2 0 | 2 0 1 | 2 1 0 | 0 2 1 | 1 0 2.
    expect(carryOverBalance([0, 1, 2, 1, 2, 0, 2, 0, 1, 2, 1, 0, 0, 2, 1, 1, 0, 2], 3)).toEqual({ minPairs: 2, maxPairs: 3, balanced: false });
  });
});

describe("carryOverWarning", () => {
  it("names the counts and the cycles that would balance a partial block", () => {
    const w = carryOverWarning(sequence(3, 3), 3, { order: "latin-square", cycles: 3 });
    expect(w?.code).toBe("carry-over-imbalance");
    expect(w?.message).toContain("between 0 and 2 times");
    expect(w?.message).toContain("set execution.cycles to a multiple of 6");
  });

  it("tells a shuffled study which order and cycles balance it", () => {
    const w = carryOverWarning(sequence(3, 3, "shuffled"), 3, { order: "shuffled", cycles: 3 });
    expect(w?.message).toContain("use execution.order: latin-square with execution.cycles a multiple of 6");
  });

  it("says nothing for a balanced sequence or a single configuration", () => {
    expect(carryOverWarning(sequence(4, 8), 4, { order: "latin-square", cycles: 8 })).toBeNull();
    expect(carryOverWarning(sequence(1, 3), 1, { order: "latin-square", cycles: 3 })).toBeNull();
  });
});
