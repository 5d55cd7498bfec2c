/**
 * First-order carry-over over a study's whole run sequence, not only inside one square.
 *
 * Cycles run back to back, so the last run of a cycle precedes the first of the next. A
 * Williams square is balanced inside its rows, but those junctions add pairs of their own
 * (for n = 3, rows taken in order give 0→1 twice and 1→0 never). lem chains the rows so that
 * every junction repeats an experiment (a cycle starts with the experiment the previous one
 * ended with, as in an extra-period design): junctions then add no pair a→b with a ≠ b, and
 * the distinct pairs come from inside rows only, where the design balances them.
 *
 * The chain is an Eulerian circuit of the rows seen as edges first → last:
 * - n odd: the square and its mirror (2n rows, each pair a→b twice); the square alone is
 *   one cycle of offset (n+1)/2, its mirror the same cycle backwards;
 * - n = 2: the square itself (2 rows, each pair once);
 * - n even ≥ 4: every row of the cyclic square goes from i to i + n/2 (that offset is the sum
 *   of all differences, whatever the first row), so its rows form n/2 separate loops; lem
 *   adds a relabelled copy (low half shifted by one) whose loops interlock with the first,
 *   giving 2n rows, each pair twice.
 * Whole blocks balance every pair exactly; a partial block is warned about with its counts.
 */
import { williamsDesign } from "./williams.js";

/** The rows of one balanced block, in the order they run (each row starts with the previous row's last experiment). */
export function carryOverBlock(n: number): number[][] {
  const square = williamsDesign(n);
  if (n <= 1) return square;
  let rows: number[][];
  // williamsDesign gives n rows for n even, the square and its mirror (2n) for n odd.
  if (n === 2 || n % 2 === 1) rows = square;
  else {
    const half = n / 2;
    // Shifting the low half by one links loop {i, i+h} to loop {i+1, i+1+h}: one connected whole.
    const relabel = (t: number) => (t < half ? (t + 1) % half : t);
    rows = [...square, ...square.map((row) => row.map(relabel))];
  }
  return chainRows(rows, n);
}

/**
 * Orders the rows into a circuit (first of each = last of the one before, and the last ends
 * where the first starts), preferring at each step the row that keeps the counts of the
 * pairs so far most even, so that a study stopped part-way through a block is as balanced as
 * it can be. Backtracks on dead ends (it never needs many: the graph is Eulerian).
 */
function chainRows(rows: number[][], n: number): number[][] {
  const used = new Array<boolean>(rows.length).fill(false);
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const order: number[] = [];
  const add = (row: number[], delta: number) => {
    for (let k = 1; k < row.length; k++) counts[row[k - 1]!]![row[k]!]! += delta;
  };
  const cost = (row: number[]) => {
    // Sum of squared counts after adding the row: smaller means more even.
    let s = 0;
    for (let k = 1; k < row.length; k++) s += 2 * counts[row[k - 1]!]![row[k]!]! + 1;
    return s;
  };
  let steps = 0;
  const search = (at: number): boolean => {
    // A bound on the search; Hierholzer's circuit (no preference) is the fallback.
    if (++steps > 200_000) return false;
    if (order.length === rows.length) return rows[order[order.length - 1]!]!.at(-1) === rows[order[0]!]![0];
    const candidates = rows
      .map((row, i) => ({ row, i }))
      .filter(({ row, i }) => !used[i] && row[0] === at)
      .sort((a, b) => cost(a.row) - cost(b.row) || a.i - b.i);
    for (const { row, i } of candidates) {
      used[i] = true;
      order.push(i);
      add(row, 1);
      if (search(row.at(-1)!)) return true;
      add(row, -1);
      order.pop();
      used[i] = false;
    }
    return false;
  };
  used[0] = true;
  order.push(0);
  add(rows[0]!, 1);
  if (search(rows[0]!.at(-1)!)) return order.map((i) => rows[i]!);
  return eulerCircuit(rows);
}

/** Hierholzer's algorithm over the rows as edges first → last, from rows[0]. */
function eulerCircuit(rows: number[][]): number[][] {
  const out = new Map<number, number[]>();
  rows.forEach((row, i) => out.set(row[0]!, [...(out.get(row[0]!) ?? []), i]));
  for (const list of out.values()) list.reverse(); // pop() takes them in index order
  const stack: number[] = [];
  const circuit: number[] = [];
  stack.push(out.get(rows[0]![0]!)!.pop()!);
  while (stack.length > 0) {
    const at = rows[stack[stack.length - 1]!]!.at(-1)!;
    const next = out.get(at)?.pop();
    if (next !== undefined) stack.push(next);
    else circuit.push(stack.pop()!);
  }
  if (circuit.length !== rows.length) throw new Error("unreachable: the rows of a carry-over block do not chain");
  return circuit.reverse().map((i) => rows[i]!);
}

/** How often each experiment immediately follows each other one over the whole sequence: counts[a][b] for a→b. */
export function carryOverCounts(sequence: number[], n: number): number[][] {
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let k = 1; k < sequence.length; k++) counts[sequence[k - 1]!]![sequence[k]!]!++;
  return counts;
}

export interface CarryOverBalance {
  /** Fewest and most occurrences of an ordered pair a→b, a ≠ b, over the whole run sequence. */
  minPairs: number;
  maxPairs: number;
  balanced: boolean;
}

export function carryOverBalance(sequence: number[], n: number): CarryOverBalance {
  const counts = carryOverCounts(sequence, n);
  let minPairs = Infinity;
  let maxPairs = 0;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      if (a === b) continue;
      minPairs = Math.min(minPairs, counts[a]![b]!);
      maxPairs = Math.max(maxPairs, counts[a]![b]!);
    }
  }
  if (n < 2) return { minPairs: 0, maxPairs: 0, balanced: true };
  return { minPairs, maxPairs, balanced: minPairs === maxPairs };
}

/** The number of cycles of one balanced block of the latin-square order. */
export function balancedCycles(n: number): number {
  return Math.max(1, carryOverBlock(n).length);
}

/** A warning when the planned sequence does not balance carry-over, with its counts and what would; null when it does. */
export function carryOverWarning(sequence: number[], n: number, o: { order: string; cycles: number }): { code: "carry-over-imbalance"; message: string } | null {
  if (n < 2) return null;
  const b = carryOverBalance(sequence, n);
  if (b.balanced) return null;
  const block = balancedCycles(n);
  const fix =
    o.order === "latin-square"
      ? `set execution.cycles to a multiple of ${block}`
      : `use execution.order: latin-square with execution.cycles a multiple of ${block}`;
  return {
    code: "carry-over-imbalance",
    message:
      `with order ${o.order} and ${o.cycles} cycle(s) of ${n} configurations, ` +
      `one configuration follows another between ${b.minPairs} and ${b.maxPairs} times over the whole run sequence, ` +
      `so what a run leaves behind (heat, caches) lands on some configurations more than on others; ${fix} for every pair to occur equally often`,
  };
}
