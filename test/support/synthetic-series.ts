/** Hand-made sampler timelines with known truth, for tests of the energy accounting. */
import type { DeviceSeries } from "../../lib/measure/timeline.js";

export interface SyntheticOptions {
  /** Power in W at time s. */
  powerW: (s: number) => number;
  durationS: number;
  intervalMs: number;
  /** Counter update period (ms); 0 = exact at every sample. */
  counterStepMs?: number;
  counterStartMJ?: number;
  /** Counter wraps at this value (mJ). */
  counterWrapMJ?: number;
  noCounter?: boolean;
  temperatureC?: (s: number) => number;
  throttleReasons?: (s: number) => number;
  /** Sample times (s) to leave out, e.g. to make gaps. */
  skip?: (s: number) => boolean;
  uuid?: string;
  index?: number;
}

export const T0_NS = 1_000_000_000_000n;

/** Exact energy (J) of powerW over [a, b] s, by fine midpoint integration. */
export function exactEnergyJ(powerW: (s: number) => number, a: number, b: number): number {
  const n = 200_000;
  const h = (b - a) / n;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += powerW(a + (i + 0.5) * h);
  return sum * h;
}

export function syntheticSeries(o: SyntheticOptions): DeviceSeries {
  const times: number[] = [];
  for (let s = 0; s <= o.durationS + 1e-9; s += o.intervalMs / 1000) if (!o.skip?.(s)) times.push(s);
  const n = times.length;
  const d: DeviceSeries = {
    index: o.index ?? 0,
    uuid: o.uuid ?? "GPU-synthetic",
    count: n,
    tNs: new BigInt64Array(n),
    powerW: new Float64Array(n),
    powerAverageW: new Float64Array(n).fill(NaN),
    energyMJ: new Float64Array(n),
    temperatureC: new Float32Array(n),
    smClockMHz: new Float32Array(n).fill(NaN),
    memoryUsedMiB: new Float64Array(n).fill(NaN),
    throttleReasons: new Uint32Array(n),
    utilizationGpuPct: new Float32Array(n).fill(NaN),
    utilizationMemoryPct: new Float32Array(n).fill(NaN),
    present: new Uint16Array(n),
  };
  // Cumulative energy on a 0.1 ms grid, so that the counter is the integral of the power.
  const h = 1e-4;
  const cumulative = new Float64Array(Math.ceil(o.durationS / h) + 2);
  for (let k = 1; k < cumulative.length; k++) cumulative[k] = cumulative[k - 1]! + o.powerW((k - 0.5) * h) * h;
  const energyAtJ = (t: number) => {
    const k = Math.min(cumulative.length - 2, Math.floor(t / h));
    return cumulative[k]! + ((cumulative[k + 1]! - cumulative[k]!) * (t - k * h)) / h;
  };
  const step = o.counterStepMs ? o.counterStepMs / 1000 : 0;
  times.forEach((s, i) => {
    d.tNs[i] = T0_NS + BigInt(Math.round(s * 1e9));
    d.powerW[i] = o.powerW(s);
    let present = 1 | 8 | 64; // power, temperature, throttle
    if (!o.noCounter) {
      const at = step > 0 ? Math.floor(s / step + 1e-9) * step : s;
      let mj = (o.counterStartMJ ?? 0) + Math.floor(1000 * energyAtJ(at));
      if (o.counterWrapMJ) mj %= o.counterWrapMJ;
      d.energyMJ[i] = mj;
      present |= 4;
    } else d.energyMJ[i] = NaN;
    d.temperatureC[i] = o.temperatureC?.(s) ?? 40;
    d.throttleReasons[i] = o.throttleReasons?.(s) ?? 0;
    d.present[i] = present;
  });
  return d;
}

export const ns = (s: number) => T0_NS + BigInt(Math.round(s * 1e9));
