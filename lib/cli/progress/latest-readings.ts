/**
 * The newest reading of each field per GPU, from a PowerSampler's drained batches. Fields
 * are read at different rates (utilisation only every few ticks) or not at all on some
 * GPUs, so each keeps its own last present value; null means never read.
 */
import { SAMPLE_FIELDS, type DeviceTimeline } from "../../gpu/power-sampler.js";

export interface GpuReading {
  index: number;
  powerW: number | null;
  temperatureC: number | null;
  smClockMHz: number | null;
  memoryUsedMiB: number | null;
  /** NVML clock event reason bits. */
  throttleReasons: number | null;
  utilizationGpuPct: number | null;
  utilizationMemoryPct: number | null;
}

function emptyReading(index: number): GpuReading {
  return {
    index,
    powerW: null,
    temperatureC: null,
    smClockMHz: null,
    memoryUsedMiB: null,
    throttleReasons: null,
    utilizationGpuPct: null,
    utilizationMemoryPct: null,
  };
}

/** Index of the newest sample with `bit` present, or -1. */
function newestWith(d: DeviceTimeline, bit: number): number {
  for (let i = d.count - 1; i >= 0; i--) if ((d.present[i]! & bit) !== 0) return i;
  return -1;
}

export class LatestReadings {
  readonly #byIndex = new Map<number, GpuReading>();

  /** Takes in one drain's batches; fields absent from this batch keep their older value. */
  update(timelines: DeviceTimeline[]): void {
    for (const d of timelines) {
      const r = this.#byIndex.get(d.index) ?? emptyReading(d.index);
      let i = newestWith(d, SAMPLE_FIELDS.powerW);
      if (i >= 0) r.powerW = d.powerW[i]!;
      i = newestWith(d, SAMPLE_FIELDS.temperatureC);
      if (i >= 0) r.temperatureC = d.temperatureC[i]!;
      i = newestWith(d, SAMPLE_FIELDS.smClockMHz);
      if (i >= 0) r.smClockMHz = d.smClockMHz[i]!;
      i = newestWith(d, SAMPLE_FIELDS.memoryUsedMiB);
      if (i >= 0) r.memoryUsedMiB = d.memoryUsedMiB[i]!;
      i = newestWith(d, SAMPLE_FIELDS.throttleReasons);
      if (i >= 0) r.throttleReasons = d.throttleReasons[i]!;
      i = newestWith(d, SAMPLE_FIELDS.utilization);
      if (i >= 0) {
        r.utilizationGpuPct = d.utilizationGpuPct[i]!;
        r.utilizationMemoryPct = d.utilizationMemoryPct[i]!;
      }
      this.#byIndex.set(d.index, r);
    }
  }

  /** The reading of GPU `index` (all fields null before its first sample). */
  of(index: number): GpuReading {
    return { ...(this.#byIndex.get(index) ?? emptyReading(index)) };
  }
}
