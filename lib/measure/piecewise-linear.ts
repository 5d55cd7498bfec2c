/** A sampled quantity read as piecewise linear between its samples: values and integrals at any time. */
export class PiecewiseLinear {
  /** Times (any unit, ascending) and values, only where the quantity was present. */
  constructor(
    readonly x: number[],
    readonly v: number[],
  ) {}

  get length(): number {
    return this.x.length;
  }

  /** Whether samples exist at or before `a` and at or after `b`. */
  spans(a: number, b: number): boolean {
    return this.x.length > 0 && this.x[0]! <= a && this.x[this.x.length - 1]! >= b;
  }

  /** Index of the last sample at or before `t`, or -1. */
  indexAtOrBefore(t: number): number {
    let lo = 0;
    let hi = this.x.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.x[mid]! <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Linear interpolation at `t` (which must lie within the samples). */
  at(t: number): number {
    const i = this.indexAtOrBefore(t);
    if (i < 0) return this.v[0]!;
    if (i >= this.x.length - 1 || this.x[i] === t) return this.v[i]!;
    const x0 = this.x[i]!;
    const x1 = this.x[i + 1]!;
    return this.v[i]! + ((this.v[i + 1]! - this.v[i]!) * (t - x0)) / (x1 - x0);
  }

  /** Trapezoid integral from `a` to `b` (a <= b, both within the samples), in value x time units. */
  integral(a: number, b: number): number {
    if (b <= a) return 0;
    let sum = 0;
    let prevX = a;
    let prevV = this.at(a);
    for (let i = this.indexAtOrBefore(a) + 1; i < this.x.length && this.x[i]! < b; i++) {
      sum += 0.5 * (prevV + this.v[i]!) * (this.x[i]! - prevX);
      prevX = this.x[i]!;
      prevV = this.v[i]!;
    }
    return sum + 0.5 * (prevV + this.at(b)) * (b - prevX);
  }
}
