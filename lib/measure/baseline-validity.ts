/**
 * Is a baseline really idle? A baseline taken while the GPU worked turns every adjusted figure
 * into noise (a "488 W idle" makes every run's adjusted energy about 0 J). Each GPU's baseline
 * is checked before use: mean power under the model's idle ceiling, low variation, no
 * utilisation, no compute processes, temperature not climbing. A refused baseline is not
 * subtracted (adjusted energy null, raw kept); a doubtful one is used and flagged.
 */
import { z } from "zod";
import type { MeasurementWarning } from "../warnings/measurement-warning.js";
import { idleCeiling } from "./idle-power-ceiling.js";
import type { DeviceBaselinePower } from "./window-energy.js";

export const BASELINE_LIMITS = {
  /** Standard deviation of power above max(this, share x mean) refuses the baseline. */
  maxStdW: 10,
  maxStdShare: 0.2,
  /** Peak GPU utilisation (%) above this refuses it. */
  maxUtilizationPct: 10,
  /** Temperature rising by more than this (°C) across the baseline flags it. */
  maxTemperatureRiseC: 2,
} as const;

export const BaselineValiditySchema = z.object({
  status: z.enum(["accepted", "doubtful", "refused"]),
  /** Why it was refused or flagged; empty when accepted. */
  reasons: z.array(z.string()),
  idleCeilingW: z.number(),
  /** `table:H100`, `generic:25% of 700 W` ... (lib/measure/idle-power-ceiling.ts). */
  idleCeilingSource: z.string(),
});
export type BaselineValidity = z.infer<typeof BaselineValiditySchema>;

export interface BaselineEvidence {
  name: string;
  powerLimitW?: number;
  meanW: number | null;
  stdW: number | null;
  /** Highest utilisation sample, null when the GPU reports none. */
  peakUtilizationPct: number | null;
  temperatureStartC: number | null;
  temperatureEndC: number | null;
  /** Compute processes seen on the GPU at the start or end of the baseline (pid and name). */
  processes: { pid: number; name: string }[];
}

export function judgeBaseline(e: BaselineEvidence): BaselineValidity {
  const L = BASELINE_LIMITS;
  const ceiling = idleCeiling(e.name, e.powerLimitW);
  const refuse: string[] = [];
  const doubt: string[] = [];
  if (e.meanW === null) refuse.push("the GPU reported no power during the baseline");
  else if (e.meanW > ceiling.ceilingW) {
    refuse.push(`mean power ${e.meanW.toFixed(1)} W is above the idle ceiling of ${ceiling.ceilingW.toFixed(0)} W for ${e.name} (${ceiling.source})`);
  }
  if (e.meanW !== null && e.stdW !== null) {
    const maxStd = Math.max(L.maxStdW, L.maxStdShare * e.meanW);
    if (e.stdW > maxStd) refuse.push(`power varied too much for an idle GPU (standard deviation ${e.stdW.toFixed(1)} W, limit ${maxStd.toFixed(1)} W)`);
  }
  if (e.peakUtilizationPct !== null && e.peakUtilizationPct > L.maxUtilizationPct) {
    refuse.push(`GPU utilisation reached ${e.peakUtilizationPct.toFixed(0)} % (limit ${L.maxUtilizationPct} %)`);
  }
  if (e.processes.length > 0) {
    refuse.push(`compute processes were running: ${e.processes.map((p) => `${p.name} (pid ${p.pid})`).join(", ")}`);
  }
  if (e.temperatureStartC !== null && e.temperatureEndC !== null && e.temperatureEndC - e.temperatureStartC > L.maxTemperatureRiseC) {
    doubt.push(`temperature climbed from ${e.temperatureStartC} °C to ${e.temperatureEndC} °C (more than ${L.maxTemperatureRiseC} °C): something was heating the GPU`);
  }
  return {
    status: refuse.length > 0 ? "refused" : doubt.length > 0 ? "doubtful" : "accepted",
    reasons: [...refuse, ...doubt],
    idleCeilingW: ceiling.ceilingW,
    idleCeilingSource: ceiling.source,
  };
}

interface JudgedDevice {
  index: number;
  uuid: string;
  meanW: number | null;
  validity?: BaselineValidity | undefined;
}

/**
 * The idle power to subtract, per GPU, from a baseline's devices: refused ones are left out
 * (their adjusted energy is then null), with a warning saying why; doubtful ones are used and
 * flagged. A baseline without a verdict (written by an older lem) is used as it is.
 */
export function usableBaselinePower(devices: readonly JudgedDevice[]): { power: DeviceBaselinePower[]; warnings: MeasurementWarning[] } {
  const power: DeviceBaselinePower[] = [];
  const warnings: MeasurementWarning[] = [];
  for (const d of devices) {
    const v = d.validity;
    if (v?.status === "refused") {
      warnings.push({
        code: "baseline-refused",
        device: d.index,
        message: `GPU ${d.index}: the idle baseline was refused (${v.reasons.join("; ")}); adjusted energy is withheld, raw energy is kept. Measure the baseline on an idle GPU.`,
      });
      continue;
    }
    if (v?.status === "doubtful") {
      warnings.push({
        code: "baseline-doubtful",
        device: d.index,
        message: `GPU ${d.index}: the idle baseline is doubtful (${v.reasons.join("; ")}); adjusted energy uses it anyway.`,
      });
    }
    if (d.meanW !== null) power.push({ uuid: d.uuid, meanW: d.meanW });
  }
  return { power, warnings };
}
