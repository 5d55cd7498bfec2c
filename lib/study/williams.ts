/**
 * Williams designs: balanced Latin squares in which every treatment appears once per row and
 * every ordered pair of neighbours (a, b), a != b, appears equally often over all rows, so
 * that first-order carryover (the GPU still warm from the previous experiment) is balanced.
 *
 * For n even, n rows in which each ordered pair appears exactly once. For n odd no single
 * square can do that; the square and its mirror (each row reversed) give 2n rows in which
 * each ordered pair appears exactly twice.
 */

/** The rows of a Williams design for `n` treatments (0..n-1). */
export function williamsDesign(n: number): number[][] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`a Williams design needs a whole number of treatments, got ${n}`);
  if (n === 0) return [];
  // First row: 0, 1, n-1, 2, n-2, 3, ... ; row i adds i to every entry (mod n).
  const first: number[] = [0];
  for (let k = 1, lo = 1, hi = n - 1; k < n; k++) first.push(k % 2 === 1 ? lo++ : hi--);
  const square = Array.from({ length: n }, (_, i) => first.map((t) => (t + i) % n));
  return n % 2 === 0 ? square : [...square, ...square.map((row) => row.slice().reverse())];
}
