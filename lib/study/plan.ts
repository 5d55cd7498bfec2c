/**
 * The order in which a study's runs execute: `cycles` repetitions of `experiments`
 * experiments, arranged so that drift (warming GPUs, clocks, background load) does not land on
 * one experiment more than another.
 *
 * - sequential: every cycle of experiment 0, then every cycle of experiment 1, ...
 * - interleaved: round-robin by cycle (e0 e1 e2, e0 e1 e2, ...)
 * - reverse: interleaved with every other cycle reversed (e0 e1 e2, e2 e1 e0, ...)
 * - shuffled: each cycle an independent seeded permutation
 * - latin-square: cycle c follows row c mod rows of a block of Williams rows chained so that
 *   carry-over is balanced over the whole sequence, junctions between cycles included
 *   (see carry-over.ts; a block is n cycles for n = 2, else 2n)
 */
import { InvalidOptionsError } from "../errors.js";
import { seededRandom, shuffled } from "../random/seeded-random.js";
import { carryOverBlock } from "./carry-over.js";

export type RunOrder = "sequential" | "interleaved" | "shuffled" | "reverse" | "latin-square";

export interface PlanOptions {
  /** How many experiments (n); runs name them by index 0..n-1. */
  experiments: number;
  cycles: number;
  order: RunOrder;
  /** Seed of the shuffled order (ignored by the others). */
  seed: number;
}

export interface PlannedRun {
  /** 0-based order of execution. */
  position: number;
  /** 0-based. */
  cycle: number;
  /** Index into the experiment list. */
  experiment: number;
}

function orderOfCycles(o: PlanOptions): number[][] {
  const n = o.experiments;
  const identity = Array.from({ length: n }, (_, e) => e);
  const cycles = Array.from({ length: o.cycles }, (_, c) => c);
  switch (o.order) {
    case "interleaved":
      return cycles.map(() => identity);
    case "reverse":
      return cycles.map((c) => (c % 2 === 0 ? identity : identity.slice().reverse()));
    case "shuffled": {
      const random = seededRandom(o.seed);
      return cycles.map(() => shuffled(identity, random));
    }
    case "latin-square": {
      const rows = carryOverBlock(n);
      return cycles.map((c) => (rows.length === 0 ? [] : rows[c % rows.length]!));
    }
    case "sequential":
      throw new Error("unreachable: sequential is not cycle-major");
  }
}

/** Every run of the study, in the order it executes. */
export function planRuns(options: PlanOptions): PlannedRun[] {
  const { experiments: n, cycles, order, seed } = options;
  if (!Number.isInteger(n) || n < 0) throw new InvalidOptionsError(`the number of experiments must be a whole number >= 0, got ${n}`);
  if (!Number.isInteger(cycles) || cycles < 1) throw new InvalidOptionsError(`cycles must be a whole number >= 1, got ${cycles}`);
  if (order === "shuffled" && !Number.isInteger(seed)) throw new InvalidOptionsError(`the seed must be an integer, got ${seed}`);
  const runs: PlannedRun[] = [];
  if (order === "sequential") {
    for (let e = 0; e < n; e++) for (let c = 0; c < cycles; c++) runs.push({ position: runs.length, cycle: c, experiment: e });
    return runs;
  }
  const known: RunOrder[] = ["interleaved", "reverse", "shuffled", "latin-square"];
  if (!known.includes(order)) throw new InvalidOptionsError(`unknown run order "${String(order)}"`);
  orderOfCycles(options).forEach((row, c) => {
    for (const e of row) runs.push({ position: runs.length, cycle: c, experiment: e });
  });
  return runs;
}
