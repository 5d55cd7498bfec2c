/**
 * NVML measured from JavaScript, for the GPU validation kit (bench/gpu): the latency of each
 * NVML call lem makes, and how often instant power, average power and the energy counter
 * really change. Both calls block the thread for as long as they are asked to.
 */
import { native } from "../native.js";
import { call, requireNvml } from "./provider.js";

export interface NvmlCallLatency {
  /** NVML entry point and what it read, e.g. "nvmlDeviceGetFieldValues[instant]". */
  function: string;
  available: boolean;
  calls: number;
  failures: number;
  firstError?: string;
  /** Over the successful calls; absent when none succeeded. */
  latencyUs?: { min: number; median: number; p99: number; max: number; mean: number };
}

/** Times each NVML call lem uses on GPU `index`: at most `maxCalls` calls or `maxMsPerFunction` each. */
export function nvmlCallLatency(index: number, maxCalls = 10_000, maxMsPerFunction = 1000): NvmlCallLatency[] {
  requireNvml();
  return call(() => native().nvmlCallLatency(index, maxCalls, maxMsPerFunction)).map((r) => ({
    function: r.function,
    available: r.available,
    calls: r.calls,
    failures: r.failures,
    ...(r.firstError ? { firstError: r.firstError } : {}),
    ...(r.medianNs !== undefined
      ? {
          latencyUs: {
            min: r.minNs! / 1e3,
            median: r.medianNs / 1e3,
            p99: r.p99Ns! / 1e3,
            max: r.maxNs! / 1e3,
            mean: r.meanNs! / 1e3,
          },
        }
      : {}),
  }));
}

export interface ReadingUpdates {
  /** "field:instant", "field:average", "field:energy", "powerUsage" or "totalEnergy". */
  reading: string;
  available: boolean;
  error?: string;
  reads: number;
  failures: number;
  /** Reads per second while polling. */
  readsPerS: number;
  /** Changes of value seen, the first read included. */
  changes: number;
  truncated: boolean;
  /** Intervals between successive changes, first one excluded (it starts mid-period); null with fewer than 3 changes. */
  intervalMs: { min: number; p10: number; median: number; p90: number; max: number } | null;
  /** Zeus's estimate: half the smallest interval between changes, capped at 100 ms. */
  zeusPeriodMs: number | null;
  /** Field values: how often the driver's own timestamp changed, per second. */
  timestampChangesPerS?: number;
  /** Field values: median of the driver's latencyUsec over the changes. */
  medianFieldLatencyUs?: number;
  /** The changes themselves: ms after the poll began, and the value in NVML's unit (mW or mJ). */
  series: { tMs: number[]; value: number[] };
}

export interface NvmlUpdatePeriods {
  durationS: number;
  readings: ReadingUpdates[];
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Summarises the changes of one reading (exported for tests). */
export function summarizeChanges(
  r: { reading: string; available: boolean; error?: string; reads: number; failures: number; tNs: ArrayLike<number>; value: ArrayLike<number>; truncated: boolean; timestampChanges?: number; fieldLatencyUs?: ArrayLike<number> },
  durationNs: number,
): ReadingUpdates {
  const t = Array.from(r.tNs);
  const intervals: number[] = [];
  for (let i = 2; i < t.length; i++) intervals.push((t[i]! - t[i - 1]!) / 1e6);
  intervals.sort((a, b) => a - b);
  const latencies = r.fieldLatencyUs ? Array.from(r.fieldLatencyUs).sort((a, b) => a - b) : [];
  const durationS = durationNs / 1e9;
  return {
    reading: r.reading,
    available: r.available,
    ...(r.error ? { error: r.error } : {}),
    reads: r.reads,
    failures: r.failures,
    readsPerS: durationS > 0 ? r.reads / durationS : 0,
    changes: t.length,
    truncated: r.truncated,
    intervalMs:
      intervals.length >= 1
        ? { min: intervals[0]!, p10: quantile(intervals, 0.1), median: quantile(intervals, 0.5), p90: quantile(intervals, 0.9), max: intervals[intervals.length - 1]! }
        : null,
    zeusPeriodMs: intervals.length >= 1 ? Math.min(100, intervals[0]! / 2) : null,
    ...(r.timestampChanges !== undefined && durationS > 0 ? { timestampChangesPerS: r.timestampChanges / durationS } : {}),
    ...(latencies.length ? { medianFieldLatencyUs: quantile(latencies, 0.5) } : {}),
    series: { tMs: t.map((x) => x / 1e6), value: Array.from(r.value) },
  };
}

/** Polls GPU `index` as fast as possible for `durationMs` and reports when each reading changed. */
export function nvmlUpdatePeriods(index: number, durationMs = 10_000, maxChanges = 200_000): NvmlUpdatePeriods {
  requireNvml();
  const p = call(() => native().nvmlPollChanges(index, durationMs, maxChanges));
  return { durationS: p.durationNs / 1e9, readings: p.readings.map((r) => summarizeChanges(r, p.durationNs)) };
}
