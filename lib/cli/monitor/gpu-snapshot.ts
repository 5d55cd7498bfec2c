/** One refresh of `lem monitor`: every watched GPU's figures now and since the monitor started. */
import type { GpuDevice } from "../../gpu/devices.js";
import type { DeviceEnergySummary } from "../../gpu/power-sampler.js";
import { throttleReasonNames } from "../../gpu/throttle-reasons.js";
import type { GpuReading } from "../progress/latest-readings.js";

/** A figure the GPU did not report (not supported, or not read yet) is null. */
export interface GpuRow {
  index: number;
  uuid: string;
  name: string;
  powerW: number | null;
  /** Mean power since the monitor started (time-weighted, from the sampler's running statistics). */
  powerMeanW: number | null;
  /** Energy since the monitor started: the hardware counter's, else the integral of instant power. */
  energyJ: number | null;
  energySource: "counter" | "power-integral" | null;
  temperatureC: number | null;
  smClockMHz: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  utilizationGpuPct: number | null;
  utilizationMemoryPct: number | null;
  /** Clock event ("throttle") reasons active now, by name; [] none. */
  throttleReasons: string[] | null;
}

export interface MonitorSnapshot {
  time: string;
  elapsedS: number;
  gpus: GpuRow[];
}

export function gpuRow(facts: GpuDevice, reading: GpuReading, stats: DeviceEnergySummary | undefined): GpuRow {
  const energyJ = stats?.counterEnergyJ ?? stats?.integralEnergyJ ?? null;
  return {
    index: facts.index,
    uuid: facts.uuid,
    name: facts.name,
    powerW: reading.powerW,
    powerMeanW: stats?.power ? (stats.power.meanW ?? stats.power.sampleMeanW) : null,
    energyJ,
    energySource: stats?.counterEnergyJ != null ? "counter" : stats?.integralEnergyJ != null ? "power-integral" : null,
    temperatureC: reading.temperatureC,
    smClockMHz: reading.smClockMHz,
    memoryUsedMiB: reading.memoryUsedMiB,
    memoryTotalMiB: facts.memoryTotalMiB ?? null,
    utilizationGpuPct: reading.utilizationGpuPct,
    utilizationMemoryPct: reading.utilizationMemoryPct,
    throttleReasons: reading.throttleReasons === null ? null : throttleReasonNames(reading.throttleReasons),
  };
}
