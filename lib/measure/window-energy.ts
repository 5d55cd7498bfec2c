/**
 * Energy of a window [startNs, endNs] from a sampler timeline: per GPU the energy counter's
 * delta and the trapezoid integral of instant power (both interpolated to the window's
 * edges), which one is reported and why, the baseline-adjusted energy beside the raw one,
 * power, temperature, throttling and sample gaps, and the warnings that qualify it.
 */
import { SAMPLE_FIELDS } from "../gpu/power-sampler.js";
import { SLOWDOWN_REASONS, THROTTLE_REASONS, throttleReasonNames } from "../gpu/throttle-reasons.js";
import { type MeasurementWarning, WARNING_LIMITS } from "../warnings/measurement-warning.js";
import { PiecewiseLinear } from "./piecewise-linear.js";
import type { DeviceSeries } from "./timeline.js";
import { coverageOf, coverageSummary, energyOverCoverageJ, MAX_MISSING_SHARE } from "./reading-coverage.js";
import { AVERAGE_POWER_PERIOD_NS, averagePowerEnergy } from "./average-power-lag.js";
import { averageReadingName, powerReadingName } from "./power-reading-name.js";

/** Fewer counter updates than this inside a window and the integral is reported instead. */
export const MIN_COUNTER_STEPS_FOR_COUNTER = 3;

export interface DeviceBaselinePower {
  uuid: string;
  meanW: number;
}

export interface WindowEnergyOptions {
  startNs: bigint;
  endNs: bigint;
  /** The sampler's interval, to recognise gaps. */
  intervalNs: number;
  /** Idle power per GPU (matched by UUID), for the adjusted energy. */
  baseline?: DeviceBaselinePower[];
  /** Persistence mode per GPU UUID, for its warning. */
  persistenceMode?: Record<string, boolean | undefined>;
  simulated?: boolean;
  /** Where each GPU's power readings came from (the sampler's `sources`, by UUID), to name them. */
  powerSources?: Record<string, { power: string; averagePower: string } | undefined>;
}

export interface DeviceWindowEnergy {
  index: number;
  uuid: string;
  /** Samples strictly inside the window. */
  samples: number;
  /** The energy lem reports for this GPU (J): the counter's or the integral's, see `method`. */
  energyJ: number | null;
  method: "counter" | "integral" | "average" | "none";
  methodReason: string;
  counterEnergyJ: number | null;
  integralEnergyJ: number | null;
  /** Integral of NVML's 1 s average power, for comparison only. */
  averagePowerIntegralJ: number | null;
  /** Energy from NVML's 1 s average power corrected for its lag (average-power-lag.ts); null under 1 s. */
  averagePowerEnergyJ: number | null;
  /** Share of the window each reading covers (missing: its NVML call failed), null without that reading. */
  coverage: Record<"power" | "averagePower" | "energyCounter", { share: number; missingS: number; longestMissingS: number } | null>;
  /** (integral - counter) / counter. */
  integralVsCounter: number | null;
  counterSteps: number;
  /** Counter resets inside the window whose energy could not be filled from instant power. */
  counterUnaccountedDrops: number;
  /** Median time between counter updates over the whole timeline. */
  counterPeriodMs: number | null;
  baselinePowerW: number | null;
  /** energyJ - baseline power x duration, never below zero; null without a baseline. */
  adjustedEnergyJ: number | null;
  power: { meanW: number; minW: number; peakW: number } | null;
  temperature: { startC: number; peakC: number; endC: number } | null;
  throttle: {
    reasons: string[];
    secondsByReason: Record<string, number>;
    /** Any clock-lowering reason (SwThermal, HwThermal, HwSlowdown, HwPowerBrake, SwPowerCap). */
    slowdown: boolean;
    /** First and last moment under a clock-lowering reason, s from the window start. */
    slowdownFirstS: number | null;
    slowdownLastS: number | null;
  };
  gaps: { count: number; longestS: number };
}

export interface WindowEnergy {
  startNs: bigint;
  endNs: bigint;
  durationS: number;
  devices: DeviceWindowEnergy[];
  total: { energyJ: number | null; adjustedEnergyJ: number | null; meanPowerW: number | null };
  warnings: MeasurementWarning[];
}

const SLOWDOWN_MASK = SLOWDOWN_REASONS.reduce((m, r) => m | THROTTLE_REASONS[r], 0);

/** The samples of one field as a piecewise-linear function of ns since the window start. */
function seriesOf(d: DeviceSeries, bit: number, column: ArrayLike<number>, startNs: bigint): PiecewiseLinear {
  const x: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < d.count; i++) {
    if ((d.present[i]! & bit) === 0) continue;
    x.push(Number(d.tNs[i]! - startNs));
    v.push(column[i]!);
  }
  return new PiecewiseLinear(x, v);
}

interface CounterEnergy {
  energyJ: number;
  /** Counter updates whose moment falls inside the window. */
  steps: number;
  /** How the edges were handled (see counterEnergy). */
  edges: "anchored" | "interpolated" | "unwrapped";
  /** Counter drops (resets) whose interval had no instant power to stand in: energy missing. */
  unaccountedDrops: number;
}

/**
 * Counter energy of [0, D]. The counter moves in steps (10-100 ms): its value read at a window
 * edge is up to one step old. Each edge is therefore anchored at the counter's last update
 * before it (the update happened between the two samples that show it) and the instant-power
 * integral covers the rest of the way to the edge. Without instant power the edges are
 * interpolated; a counter that went down (wrap, driver reload) is summed step by step.
 */
function counterEnergy(counter: PiecewiseLinear, power: PiecewiseLinear, D: number, intervalNs: number): CounterEnergy | null {
  if (!counter.spans(0, D)) return null;
  const { x, v } = counter;
  const first = counter.indexAtOrBefore(0);
  const last = Math.min(x.length - 1, counter.indexAtOrBefore(D) + 1);
  const changes: { x: number; v: number }[] = [];
  let decreased = false;
  for (let k = 1; k < x.length; k++) {
    if (v[k] === v[k - 1]) continue;
    if (v[k]! < v[k - 1]! && k > first && k <= last) decreased = true;
    changes.push({ x: x[k]!, v: v[k]! });
  }
  // A stepped counter updated somewhere between the sample before a change and the one showing
  // it; a counter that changes at every sample is as fresh as the sample itself.
  const spacing = changes.slice(1).map((c, i) => c.x - changes[i]!.x).sort((a, b) => a - b);
  const stepped = spacing.length > 0 && spacing[spacing.length >> 1]! > 2 * intervalNs;
  const anchors = changes.map((c) => {
    const k = counter.indexAtOrBefore(c.x);
    return { x: stepped && k > 0 ? (x[k - 1]! + c.x) / 2 : c.x, v: c.v };
  });
  const steps = anchors.filter((a) => a.x > 0 && a.x <= D).length;

  if (decreased) {
    let mj = 0;
    let filledJ = 0;
    let unaccountedDrops = 0;
    for (let k = first + 1; k <= last; k++) {
      const a = Math.max(0, x[k - 1]!);
      const b = Math.min(D, x[k]!);
      const d = v[k]! - v[k - 1]!;
      const share = b > a ? (b - a) / (x[k]! - x[k - 1]!) : 0;
      const wrapped = 2 ** 32 - v[k - 1]! + v[k]!;
      const dtS = (x[k]! - x[k - 1]!) * 1e-9;
      if (d >= 0) mj += d * share;
      else if (v[k - 1]! < 2 ** 32 && wrapped <= 3000 * Math.max(dtS, 1e-3) * 1000) mj += wrapped * share;
      else if (power.spans(a, b)) filledJ += power.integral(a, b) * 1e-9;
      else if (share > 0) unaccountedDrops++;
    }
    return { energyJ: mj / 1000 + filledJ, steps, edges: "unwrapped", unaccountedDrops };
  }
  // The update nearest before the edge, else the first one after it (a sampler started just
  // before the window has seen no update yet); the power integral bridges the distance.
  const counterAtMJ = (t: number): number | undefined => {
    let before: { x: number; v: number } | undefined;
    let after: { x: number; v: number } | undefined;
    for (const a of anchors) {
      if (a.x <= t) before = a;
      else {
        after = a;
        break;
      }
    }
    if (before && power.spans(before.x, t)) return before.v + power.integral(before.x, t) * 1e-6;
    if (after && power.spans(t, after.x)) return after.v - power.integral(t, after.x) * 1e-6;
    return undefined;
  };
  const startMJ = counterAtMJ(0);
  const endMJ = counterAtMJ(D);
  if (startMJ !== undefined && endMJ !== undefined) {
    return { energyJ: (endMJ - startMJ) / 1000, steps, edges: "anchored", unaccountedDrops: 0 };
  }
  return { energyJ: (counter.at(D) - counter.at(0)) / 1000, steps, edges: "interpolated", unaccountedDrops: 0 };
}

function medianCounterPeriodMs(d: DeviceSeries): number | null {
  const changes: bigint[] = [];
  let last: number | undefined;
  for (let i = 0; i < d.count; i++) {
    if ((d.present[i]! & SAMPLE_FIELDS.energyMJ) === 0) continue;
    const v = d.energyMJ[i]!;
    if (last !== undefined && v !== last) changes.push(d.tNs[i]!);
    last = v;
  }
  if (changes.length < 3) return null;
  const diffs = changes.slice(1).map((t, i) => Number(t - changes[i]!) / 1e6).sort((a, b) => a - b);
  return diffs[Math.floor(diffs.length / 2)]!;
}

function throttleOf(d: DeviceSeries, startNs: bigint, durationNs: number): DeviceWindowEnergy["throttle"] {
  const ns = new Map<number, number>();
  let mask = 0;
  let first: number | null = null;
  let last: number | null = null;
  let prev: { x: number; reasons: number } | undefined;
  const account = (from: { x: number; reasons: number }, toX: number) => {
    const a = Math.max(0, from.x);
    const b = Math.min(durationNs, toX);
    if (b <= a) return;
    mask |= from.reasons;
    for (let bits = from.reasons >>> 0; bits !== 0; bits &= bits - 1) {
      const bit = bits & -bits;
      ns.set(bit >>> 0, (ns.get(bit >>> 0) ?? 0) + (b - a));
    }
    if (from.reasons & SLOWDOWN_MASK) {
      first ??= a;
      last = b;
    }
  };
  for (let i = 0; i < d.count; i++) {
    if ((d.present[i]! & SAMPLE_FIELDS.throttleReasons) === 0) continue;
    const cur = { x: Number(d.tNs[i]! - startNs), reasons: d.throttleReasons[i]! };
    if (prev) account(prev, cur.x);
    prev = cur;
    if (cur.x > durationNs) break;
  }
  const secondsByReason: Record<string, number> = {};
  for (const [bit, t] of ns) secondsByReason[throttleReasonNames(bit)[0]!] = t / 1e9;
  return {
    reasons: throttleReasonNames(mask),
    secondsByReason,
    slowdown: (mask & SLOWDOWN_MASK) !== 0,
    slowdownFirstS: first === null ? null : first / 1e9,
    slowdownLastS: last === null ? null : last / 1e9,
  };
}

function deviceEnergy(d: DeviceSeries, o: WindowEnergyOptions, durationNs: number): DeviceWindowEnergy {
  const F = SAMPLE_FIELDS;
  const power = seriesOf(d, F.powerW, d.powerW, o.startNs);
  const average = seriesOf(d, F.powerAverageW, d.powerAverageW, o.startNs);
  const counterSeries = seriesOf(d, F.energyMJ, d.energyMJ, o.startNs);
  const temps = seriesOf(d, F.temperatureC, d.temperatureC, o.startNs);
  let samples = 0;
  for (let i = 0; i < d.count; i++) {
    const x = Number(d.tNs[i]! - o.startNs);
    if (x >= 0 && x <= durationNs) samples++;
  }
  // Readings missing inside the window (failed NVML calls) are never bridged (reading-coverage.ts).
  const ticks: number[] = [];
  for (let i = 0; i < d.count; i++) ticks.push(Number(d.tNs[i]! - o.startNs));
  const maxGapNs = WARNING_LIMITS.maxGapIntervals * o.intervalNs;
  const powerCoverage = coverageOf(power, durationNs, maxGapNs, ticks);
  const averageCoverage = coverageOf(average, durationNs, maxGapNs, ticks);
  const counterCoverage = coverageOf(counterSeries, durationNs, maxGapNs, ticks);
  const integralEnergyJ = power.spans(0, durationNs) ? energyOverCoverageJ(power, powerCoverage, durationNs) : null;
  const averageEnergy =
    averageCoverage.missingNs > MAX_MISSING_SHARE * durationNs ? { energyJ: null, estimatedShare: 1 } : averagePowerEnergy(average, durationNs);
  const powerName = powerReadingName(o.powerSources?.[d.uuid]?.power);
  const averageName = averageReadingName(o.powerSources?.[d.uuid]?.averagePower);
  const counter = counterEnergy(counterSeries, power, durationNs, o.intervalNs);
  const counterEnergyJ = counter?.energyJ ?? null;
  const counterSteps = counter?.steps ?? 0;

  let method: DeviceWindowEnergy["method"];
  let methodReason: string;
  if (counter && counterSteps >= MIN_COUNTER_STEPS_FOR_COUNTER) {
    method = "counter";
    methodReason =
      `the energy counter updated ${counterSteps} times inside the window` +
      (counter.edges === "anchored"
        ? "; each edge was taken from the counter's last update before it plus the instant-power integral since"
        : counter.edges === "unwrapped"
          ? "; the counter went down inside the window (wrap or reset) and was summed step by step"
          : "");
  } else if (integralEnergyJ !== null) {
    method = "integral";
    methodReason = counter
      ? `the energy counter updated only ${counterSteps} time(s) inside the window (fewer than ${MIN_COUNTER_STEPS_FOR_COUNTER}), so its step would dominate; ${powerName} was integrated instead`
      : `the GPU reports no energy counter over the window; ${powerName} was integrated`;
  } else if (counter) {
    method = "counter";
    methodReason = `the energy counter updated only ${counterSteps} time(s), but there is no instant power to integrate`;
  } else if (averageEnergy.energyJ !== null) {
    method = "average";
    methodReason =
      `no energy counter and no instant power over the window; ${averageName} was summed over whole 1 s averaging periods back from the window's end` +
      (averageEnergy.estimatedShare > 0 ? `, and the leftover ${(100 * averageEnergy.estimatedShare).toFixed(0)} % at its start estimated by the average centred on it` : "");
  } else {
    method = "none";
    methodReason =
      powerCoverage.missingNs > MAX_MISSING_SHARE * durationNs && power.spans(0, durationNs)
        ? `${powerName} was missing for more than ${100 * MAX_MISSING_SHARE} % of the window and no energy counter spans it; the energy is withheld`
        : average.length > 0 && durationNs < AVERAGE_POWER_PERIOD_NS
          ? `only ${averageName} is available and the window is shorter than its 1 s averaging period; its energy cannot be recovered`
          : "no energy counter and no instant power samples span the window";
  }
  const energyJ = method === "counter" ? counterEnergyJ : method === "integral" ? integralEnergyJ : method === "average" ? averageEnergy.energyJ : null;
  const baselineW = o.baseline?.find((b) => b.uuid === d.uuid)?.meanW ?? null;
  const durationS = durationNs / 1e9;
  const inside = power.x.flatMap((x, i) => (x >= 0 && x <= durationNs ? [power.v[i]!] : []));
  if (power.spans(0, durationNs)) inside.push(power.at(0), power.at(durationNs));
  const tempInside = temps.x.flatMap((x, i) => (x >= 0 && x <= durationNs ? [temps.v[i]!] : []));
  const tempAt = (t: number, fallback: number | undefined) => (temps.spans(t, t) ? temps.at(t) : fallback);
  const tempStart = tempAt(0, tempInside[0]);
  const tempEnd = tempAt(durationNs, tempInside[tempInside.length - 1]);

  // Gaps between consecutive samples inside the window (edges included).
  const times = [0];
  for (let i = 0; i < d.count; i++) {
    const x = Number(d.tNs[i]! - o.startNs);
    if (x > 0 && x < durationNs) times.push(x);
  }
  times.push(durationNs);
  let gapCount = 0;
  let longest = 0;
  for (let i = 1; i < times.length; i++) {
    const dt = times[i]! - times[i - 1]!;
    longest = Math.max(longest, dt);
    if (dt > WARNING_LIMITS.maxGapIntervals * o.intervalNs) gapCount++;
  }

  return {
    index: d.index,
    uuid: d.uuid,
    samples,
    energyJ,
    method,
    methodReason,
    counterEnergyJ,
    integralEnergyJ,
    averagePowerIntegralJ: average.spans(0, durationNs) ? average.integral(0, durationNs) * 1e-9 : null,
    averagePowerEnergyJ: averageEnergy.energyJ,
    coverage: {
      power: power.length > 0 ? coverageSummary(powerCoverage, durationNs) : null,
      averagePower: average.length > 0 ? coverageSummary(averageCoverage, durationNs) : null,
      energyCounter: counterSeries.length > 0 ? coverageSummary(counterCoverage, durationNs) : null,
    },
    integralVsCounter:
      counterEnergyJ !== null && integralEnergyJ !== null && counterEnergyJ > 0
        ? (integralEnergyJ - counterEnergyJ) / counterEnergyJ
        : null,
    counterSteps,
    counterUnaccountedDrops: counter?.unaccountedDrops ?? 0,
    counterPeriodMs: medianCounterPeriodMs(d),
    baselinePowerW: baselineW,
    adjustedEnergyJ: energyJ !== null && baselineW !== null ? Math.max(0, energyJ - baselineW * durationS) : null,
    power:
      inside.length > 0 && energyJ !== null
        ? { meanW: energyJ / durationS, minW: inside.reduce((a, b) => Math.min(a, b)), peakW: inside.reduce((a, b) => Math.max(a, b)) }
        : null,
    temperature:
      tempStart !== undefined && tempEnd !== undefined
        ? { startC: tempStart, peakC: tempInside.reduce((a, b) => Math.max(a, b), Math.max(tempStart, tempEnd)), endC: tempEnd }
        : null,
    throttle: throttleOf(d, o.startNs, durationNs),
    gaps: { count: gapCount, longestS: longest / 1e9 },
  };
}

function warningsFor(e: DeviceWindowEnergy, durationS: number, o: WindowEnergyOptions): MeasurementWarning[] {
  const L = WARNING_LIMITS;
  const w: MeasurementWarning[] = [];
  const gpu = `GPU ${e.index}`;
  const device = e.index;
  if (e.samples === 0) {
    w.push({ code: "no-samples", device, message: `${gpu}: no sample fell inside the window; its energy cannot be measured.` });
  }
  const counterWindowS = e.counterPeriodMs !== null ? (L.minCounterSteps * e.counterPeriodMs) / 1000 : 0;
  if (durationS < L.minWindowS || durationS < counterWindowS) {
    w.push({
      code: "short-window",
      device,
      message:
        `${gpu}: the window lasted ${durationS.toFixed(3)} s, shorter than ${L.minWindowS} s` +
        (e.counterPeriodMs !== null ? ` or ${L.minCounterSteps} energy counter updates (${counterWindowS.toFixed(2)} s)` : "") +
        "; NVML's power sensors average and update too slowly for short windows: repeat the work or lengthen it.",
    });
  }
  if (e.samples > 0 && e.samples < L.minSamples) {
    w.push({ code: "few-samples", device, message: `${gpu}: only ${e.samples} samples inside the window (fewer than ${L.minSamples}); sample faster or measure longer.` });
  }
  if (e.gaps.count > 0) {
    w.push({
      code: "sample-gaps",
      device,
      message: `${gpu}: ${e.gaps.count} gap(s) longer than ${L.maxGapIntervals} sampling intervals, the longest ${(e.gaps.longestS * 1000).toFixed(1)} ms.`,
    });
  }
  if (e.temperature && Math.abs(e.temperature.endC - e.temperature.startC) > L.maxTemperatureDriftC) {
    w.push({
      code: "temperature-drift",
      device,
      message: `${gpu}: temperature moved from ${e.temperature.startC} °C to ${e.temperature.endC} °C (more than ${L.maxTemperatureDriftC} °C) during the window; the GPU was not thermally settled.`,
    });
  }
  if (e.throttle.slowdown) {
    const detail = Object.entries(e.throttle.secondsByReason)
      .map(([r, s]) => `${r} ${s.toFixed(2)} s`)
      .join(", ");
    w.push({ code: "throttling", device, message: `${gpu}: clocks were lowered during the window (${detail}); energy and speed reflect throttled clocks.` });
  }
  if (e.counterUnaccountedDrops > 0 && e.method === "counter") {
    w.push({
      code: "counter-reset",
      device,
      message: `${gpu}: the energy counter was reset ${e.counterUnaccountedDrops} time(s) inside the window with no instant power to bridge it; the energy of those intervals is missing.`,
    });
  }
  w.push(...missingReadingWarnings(e));
  if (e.method === "none" && e.coverage.averagePower !== null && durationS * 1e9 < AVERAGE_POWER_PERIOD_NS) {
    w.push({
      code: "average-power-window",
      device,
      message: `${gpu}: only NVML's 1 s average power is available and the window lasted ${durationS.toFixed(3)} s, less than its averaging period; its energy cannot be recovered: lengthen the window (the lag correction is exact for whole seconds).`,
    });
  }
  if (o.persistenceMode?.[e.uuid] === false) {
    w.push({ code: "persistence-off", device, message: `${gpu}: persistence mode is off (first readings after the driver wakes can be odd); enable it with "nvidia-smi -pm 1".` });
  }
  if (e.integralVsCounter !== null && e.method === "counter" && Math.abs(e.integralVsCounter) > L.maxCounterIntegralDifference) {
    w.push({
      code: "counter-integral-disagree",
      device,
      message: `${gpu}: the integral of instant power differs from the energy counter by ${(100 * e.integralVsCounter).toFixed(1)} %.`,
    });
  }
  return w;
}

/** readings-missing: a reading absent inside the window, and what that did to the figure. */
function missingReadingWarnings(e: DeviceWindowEnergy): MeasurementWarning[] {
  const w: MeasurementWarning[] = [];
  const names = { power: "instant power", averagePower: "average power", energyCounter: "the energy counter" } as const;
  const uses = { power: "integral", averagePower: "average", energyCounter: "counter" } as const;
  for (const key of ["power", "averagePower", "energyCounter"] as const) {
    const c = e.coverage[key];
    if (!c || c.missingS <= 0) continue;
    const missingShare = 1 - c.share;
    const effect =
      e.method !== uses[key]
        ? `the reported energy (by ${e.method}) does not rest on it`
        : key === "energyCounter"
          ? "the counter is cumulative, so its difference across the gap still holds"
          : missingShare > MAX_MISSING_SHARE
            ? `more than ${100 * MAX_MISSING_SHARE} % is missing, so this figure is withheld`
            : `the energy covers only the ${(100 * c.share).toFixed(1)} % with readings and is low by about the missing share`;
    w.push({
      code: "readings-missing",
      device: e.index,
      message: `GPU ${e.index}: ${names[key]} was missing for ${c.missingS.toFixed(2)} s of the window (${(100 * missingShare).toFixed(1)} %, longest gap ${c.longestMissingS.toFixed(2)} s: its NVML call failed); ${effect}.`,
    });
  }
  return w;
}

/** Energy of `[startNs, endNs]` for each device of the timeline, with its warnings. */
export function energyOfWindow(devices: DeviceSeries[], o: WindowEnergyOptions): WindowEnergy {
  const durationNs = Number(o.endNs - o.startNs);
  if (!(durationNs > 0)) throw new RangeError(`the window must end after it starts (start ${o.startNs}, end ${o.endNs})`);
  const durationS = durationNs / 1e9;
  const results = devices.map((d) => deviceEnergy(d, o, durationNs));
  const warnings = results.flatMap((e) => warningsFor(e, durationS, o));
  if (o.simulated) {
    warnings.push({ code: "simulated", message: "measured on the simulated GPU: these figures are not measurements of real hardware." });
  }
  const sum = (xs: (number | null)[]) => (xs.length > 0 && xs.every((x) => x !== null) ? xs.reduce<number>((a, b) => a + b!, 0) : null);
  const energyJ = sum(results.map((r) => r.energyJ));
  return {
    startNs: o.startNs,
    endNs: o.endNs,
    durationS,
    devices: results,
    total: {
      energyJ,
      adjustedEnergyJ: sum(results.map((r) => r.adjustedEnergyJ)),
      meanPowerW: energyJ === null ? null : energyJ / durationS,
    },
    warnings,
  };
}
