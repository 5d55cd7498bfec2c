/** GPUs that failed during a measurement (e.g. lost), and the warning each one earns. */
import type { SamplerSummary } from "../gpu/power-sampler.js";
import type { MeasurementWarning } from "../warnings/measurement-warning.js";

export interface DeviceFailureRecord {
  index: number;
  nvmlName: string;
  function: string;
  /** When it failed, in seconds from the window start (negative: before the window). */
  atS: number;
}

export function deviceFailures(summary: SamplerSummary, windowStartNs: bigint): DeviceFailureRecord[] {
  return summary.devices.flatMap((d) =>
    d.failure
      ? [{ index: d.index, nvmlName: d.failure.nvmlName, function: d.failure.function, atS: Number(d.failure.tNs - windowStartNs) / 1e9 }]
      : [],
  );
}

export function deviceFailureWarnings(failures: DeviceFailureRecord[]): MeasurementWarning[] {
  return failures.map((f) => ({
    code: "device-failed",
    device: f.index,
    message: `GPU ${f.index} failed with ${f.nvmlName} (${f.function}) ${f.atS.toFixed(2)} s into the window and was no longer sampled; its energy is incomplete.`,
  }));
}
