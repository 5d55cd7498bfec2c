/**
 * Before a run: wait until every GPU's temperature and power are back within bands of its
 * baseline (with a maximum wait), instead of sleeping a fixed time; or a fixed gap.
 */
import { SAMPLE_FIELDS } from "../gpu/power-sampler.js";
import { Recorder } from "./recorder.js";
import type { Baseline } from "./baseline.js";

export interface ThermalSettlingOptions {
  baseline: Baseline;
  /** Settled when temperature is within this of the baseline's; default 3 °C. */
  temperatureBandC?: number;
  /** Settled when mean power over `windowS` is within this fraction of baseline power; default 0.15. */
  powerBand?: number;
  /** ...and within this many watts, whichever is larger; default 10 W. */
  powerBandW?: number;
  /** Averaging window for the comparison; default 1 s. */
  windowS?: number;
  /** Give up after this long; default 300 s. */
  maxWaitS?: number;
  intervalMs?: number;
  /** Aborting ends the wait at once (not settled, reason "interrupted"). */
  signal?: AbortSignal;
}

export interface ThermalSettling {
  settled: boolean;
  waitedS: number;
  /** Per GPU at the start and at the end of the wait. */
  devices: { index: number; uuid: string; startTemperatureC: number | null; endTemperatureC: number | null; endPowerW: number | null }[];
  /** Why settling gave up, when it did. */
  reason?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits for the GPUs of `baseline` to come back to idle; never throws for a GPU that stays warm. */
export async function waitForThermalSettling(o: ThermalSettlingOptions): Promise<ThermalSettling> {
  const tBand = o.temperatureBandC ?? 3;
  const windowNs = BigInt(Math.round((o.windowS ?? 1) * 1e9));
  const maxWaitMs = (o.maxWaitS ?? 300) * 1000;
  const devices = o.baseline.devices.map((d) => d.index);
  const recorder = new Recorder({ devices, intervalMs: o.intervalMs ?? 50 });
  const started = Date.now();
  const state = o.baseline.devices.map((d) => ({
    index: d.index,
    uuid: d.uuid,
    startTemperatureC: null as number | null,
    endTemperatureC: null as number | null,
    endPowerW: null as number | null,
  }));
  let settled = false;
  let reason: string | undefined;
  try {
    for (;;) {
      await sleep(Math.min(250, Number(windowNs / 1_000_000n)));
      const series = recorder.series();
      const ready: boolean[] = [];
      for (const [i, b] of o.baseline.devices.entries()) {
        const d = series.find((s) => s.index === b.index);
        const st = state[i]!;
        if (!d || d.count === 0) {
          ready.push(false);
          continue;
        }
        const lastT = d.tNs[d.count - 1]!;
        let sumW = 0;
        let n = 0;
        let temp: number | null = null;
        for (let k = d.count - 1; k >= 0 && lastT - d.tNs[k]! <= windowNs; k--) {
          if (d.present[k]! & SAMPLE_FIELDS.powerW) {
            sumW += d.powerW[k]!;
            n++;
          }
          if (temp === null && d.present[k]! & SAMPLE_FIELDS.temperatureC) temp = d.temperatureC[k]!;
        }
        for (let k = 0; k < d.count && st.startTemperatureC === null; k++)
          if (d.present[k]! & SAMPLE_FIELDS.temperatureC) st.startTemperatureC = d.temperatureC[k]!;
        st.endTemperatureC = temp;
        st.endPowerW = n > 0 ? sumW / n : null;
        const powerOk =
          st.endPowerW === null ||
          b.meanW === null ||
          Math.abs(st.endPowerW - b.meanW) <= Math.max(o.powerBandW ?? 10, (o.powerBand ?? 0.15) * b.meanW);
        const tempOk = temp === null || b.temperatureC === null || temp <= b.temperatureC + tBand;
        const longEnough = Number(lastT - d.tNs[0]!) >= Number(windowNs);
        ready.push(powerOk && tempOk && longEnough);
      }
      if (o.signal?.aborted) {
        reason = "interrupted";
        break;
      }
      if (ready.every(Boolean)) {
        settled = true;
        break;
      }
      if (Date.now() - started >= maxWaitMs) {
        const warm = state
          .filter((_, i) => !ready[i])
          .map((s) => `GPU ${s.index} at ${s.endTemperatureC ?? "?"} °C / ${s.endPowerW?.toFixed(0) ?? "?"} W`);
        reason = `not back to baseline after ${maxWaitMs / 1000} s: ${warm.join(", ")}`;
        break;
      }
    }
  } finally {
    recorder.stop();
  }
  return { settled, waitedS: (Date.now() - started) / 1000, devices: state, ...(reason ? { reason } : {}) };
}

/** The fixed alternative: sleep `seconds`. */
export async function fixedGap(seconds: number, signal?: AbortSignal): Promise<{ waitedS: number }> {
  const started = Date.now();
  // Ctrl-C must not wait out the gap.
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, seconds * 1000);
    signal?.addEventListener("abort", done);
    if (signal?.aborted) done();
  });
  return { waitedS: signal?.aborted ? (Date.now() - started) / 1000 : seconds };
}
