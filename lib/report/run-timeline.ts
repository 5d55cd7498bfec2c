/**
 * A run's power and temperature timeline for the report, read from its timeseries.parquet:
 * per GPU, power and temperature downsampled (M4, peaks kept), the measurement window and the
 * throttle episodes found at full resolution. Times are seconds since the run's first sample.
 */
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { SLOWDOWN_REASONS, THROTTLE_REASONS, throttleReasonNames } from "../gpu/throttle-reasons.js";
import { downsampleM4, type Series } from "./downsample.js";

export interface ThrottleEpisode {
  /** NVML index of the GPU. */
  device: number;
  startS: number;
  /** The first sample without a slowdown reason after the episode (or the last sample). */
  endS: number;
  /** Every slowdown reason seen during the episode. */
  reasons: string[];
}

export interface DeviceTimeline {
  index: number;
  uuid: string;
  /** x: s since the first sample, y: W. */
  power: Series;
  /** x: s since the first sample, y: °C. */
  temperature: Series;
}

export interface RunTimeline {
  devices: DeviceTimeline[];
  /** The measurement window in s since the first sample; null when the result has none. */
  window: { startS: number; endS: number } | null;
  throttle: ThrottleEpisode[];
  /** From the first to the last sample. */
  durationS: number;
  /** Rows in the file (samples x GPUs) before downsampling. */
  samples: number;
}

/** Clock-lowering reasons (heat, power): the ones a report shades. */
const SLOWDOWN_MASK = SLOWDOWN_REASONS.reduce((m, r) => m | THROTTLE_REASONS[r], 0);

interface DeviceRows {
  uuid: string;
  tNs: bigint[];
  powerW: (number | null)[];
  temperatureC: (number | null)[];
  throttle: (number | null)[];
}

const round = (v: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
};

function rounded(s: Series, xDecimals: number, yDecimals: number): Series {
  return { x: s.x.map((v) => round(v, xDecimals)), y: s.y.map((v) => round(v, yDecimals)) };
}

function episodesOf(device: number, tS: number[], throttle: (number | null)[]): ThrottleEpisode[] {
  const out: ThrottleEpisode[] = [];
  let open: { startS: number; bits: number } | null = null;
  for (let i = 0; i < tS.length; i++) {
    const bits = (throttle[i] ?? 0) & SLOWDOWN_MASK;
    if (bits !== 0) {
      if (open) open.bits |= bits;
      else open = { startS: tS[i]!, bits };
    } else if (open) {
      out.push({ device, startS: open.startS, endS: tS[i]!, reasons: throttleReasonNames(open.bits) });
      open = null;
    }
  }
  if (open) out.push({ device, startS: open.startS, endS: tS[tS.length - 1]!, reasons: throttleReasonNames(open.bits) });
  return out;
}

const numberOrNull = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * Reads `file` (a run's timeseries.parquet). `window` is the result's measurement window
 * (CLOCK_MONOTONIC ns as decimal strings). The power lines of all GPUs together hold at most
 * `maxPointsPerRun` points, and so do the temperature lines.
 */
export async function readRunTimeline(
  file: string,
  window: { startNs: string; endNs: string } | null,
  maxPointsPerRun: number,
): Promise<RunTimeline> {
  const rows = await parquetReadObjects({
    file: await asyncBufferFromFile(file),
    columns: ["device", "uuid", "t_ns", "power_w", "temperature_c", "throttle_reasons"],
  });
  const byDevice = new Map<number, DeviceRows>();
  let t0: bigint | null = null;
  let t1: bigint | null = null;
  for (const r of rows) {
    const index = Number(r["device"]);
    const t = BigInt(r["t_ns"] as bigint | number);
    let d = byDevice.get(index);
    if (!d) {
      d = { uuid: String(r["uuid"]), tNs: [], powerW: [], temperatureC: [], throttle: [] };
      byDevice.set(index, d);
    }
    d.tNs.push(t);
    d.powerW.push(numberOrNull(r["power_w"]));
    d.temperatureC.push(numberOrNull(r["temperature_c"]));
    d.throttle.push(numberOrNull(r["throttle_reasons"]));
    if (t0 === null || t < t0) t0 = t;
    if (t1 === null || t > t1) t1 = t;
  }
  const origin = t0 ?? 0n;
  const seconds = (t: bigint) => Number(t - origin) / 1e9;
  const perDevice = Math.max(4, Math.floor(maxPointsPerRun / Math.max(1, byDevice.size)));
  const devices: DeviceTimeline[] = [];
  const throttle: ThrottleEpisode[] = [];
  for (const [index, d] of [...byDevice.entries()].sort((a, b) => a[0] - b[0])) {
    const tS = d.tNs.map(seconds);
    devices.push({
      index,
      uuid: d.uuid,
      power: rounded(downsampleM4(tS, d.powerW, perDevice), 4, 2),
      temperature: rounded(downsampleM4(tS, d.temperatureC, perDevice), 4, 2),
    });
    // Never spread: a flapping throttle reason gives an episode per sample.
    for (const e of episodesOf(index, tS, d.throttle)) throttle.push({ ...e, startS: round(e.startS, 4), endS: round(e.endS, 4) });
  }
  return {
    devices,
    window: window && t0 !== null ? { startS: round(seconds(BigInt(window.startNs)), 4), endS: round(seconds(BigInt(window.endNs)), 4) } : null,
    throttle,
    durationS: t0 !== null && t1 !== null ? round(seconds(t1), 4) : 0,
    samples: rows.length,
  };
}
