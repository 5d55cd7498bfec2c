/**
 * The measurement warning of a GPU with MIG enabled, in every result measured on it (pre-flight
 * says it once, but a figure read later must carry it): NVML has power and energy only for the
 * whole GPU, so the work of every MIG instance is in the figure.
 */
import { listDevices } from "../gpu/devices.js";
import type { MeasurementWarning } from "../warnings/measurement-warning.js";

export function migWarnings(devices: number[]): MeasurementWarning[] {
  return listDevices()
    .filter((d) => devices.includes(d.index) && d.migEnabled === true)
    .map((d) => ({
      code: "mig" as const,
      device: d.index,
      message: `GPU ${d.index} (${d.uuid}) has MIG enabled: NVML reports power and energy only for the whole GPU, so the figure includes the work of every MIG instance on it`,
    }));
}
