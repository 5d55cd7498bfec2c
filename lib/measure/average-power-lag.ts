/**
 * Energy from NVML's average power, corrected for its lag. The average A(t) is the mean of the
 * power over the trailing period T (1 s; nvml.h), so integrating A over a window counts the
 * load up to T late (a 2 s window on a rising load came out 28 % low). Because
 * T * A(t) = energy over [t - T, t] exactly, a window of length D = n*T + r is summed from its
 * end in whole periods, T * (A(D) + A(D - T) + ... + A(D - (n-1)T)), exactly; only the
 * leftover r < T at its start is estimated, by r times the average centred on it,
 * A(r/2 + T/2). Windows shorter than T cannot be done this way and are refused.
 */
import type { PiecewiseLinear } from "./piecewise-linear.js";

/** NVML's averaging period for average power (nvmlDeviceGetPowerUsage on Ampere+, field 185). */
export const AVERAGE_POWER_PERIOD_NS = 1e9;

export interface AveragePowerEnergy {
  /** Energy in J, null when the window is shorter than one averaging period. */
  energyJ: number | null;
  /** Share of the window whose energy was estimated rather than read exactly. */
  estimatedShare: number;
}

/** `average` in W against ns since the window start; the window is [0, D] (ns). */
export function averagePowerEnergy(average: PiecewiseLinear, D: number, periodNs = AVERAGE_POWER_PERIOD_NS): AveragePowerEnergy {
  if (D < periodNs || !average.spans(0, D)) return { energyJ: null, estimatedShare: 1 };
  const n = Math.floor(D / periodNs + 1e-9);
  let wattPeriods = 0;
  for (let k = 0; k < n; k++) wattPeriods += average.at(D - k * periodNs);
  const r = Math.max(0, D - n * periodNs);
  const leftoverWNs = r > 0 ? r * average.at(r / 2 + periodNs / 2) : 0;
  return { energyJ: (wattPeriods * periodNs + leftoverWNs) * 1e-9, estimatedShare: r / D };
}
