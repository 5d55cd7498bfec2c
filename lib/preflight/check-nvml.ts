/** Check "nvml": the NVML library loads and initialises, and the driver is new enough. */
import { NO_NVML_HINT, nvmlStatus, type NvmlStatus } from "../gpu/provider.js";
import { emptyOutcome, type CheckOutcome } from "./types.js";

/** Compares dotted versions numerically ("550.54.15" > "535.104"); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface NvmlCheck extends CheckOutcome {
  /** NVML can be used: the checks that need it may run. */
  available: boolean;
  status: NvmlStatus;
}

export function checkNvml(minDriverVersion?: string): NvmlCheck {
  const out = emptyOutcome();
  const status = nvmlStatus();
  if (!status.available) {
    const reason = (status.reason ?? "NVML is unavailable").replace(` ${NO_NVML_HINT}`, "");
    out.failures.push({ check: "nvml", message: reason, fix: NO_NVML_HINT });
    return { ...out, available: false, status };
  }
  if (minDriverVersion !== undefined) {
    const driver = status.driverVersion;
    if (driver === undefined) {
      out.warnings.push({
        check: "driver-version",
        message: `the NVIDIA driver did not report its version, so it cannot be compared with the required ${minDriverVersion}.`,
        fix: `Check the driver version with nvidia-smi; it must be ${minDriverVersion} or newer.`,
      });
    } else if (compareVersions(driver, minDriverVersion) < 0) {
      out.failures.push({
        check: "nvml",
        message: `the NVIDIA driver is ${driver}, older than the required ${minDriverVersion}.`,
        fix: `Install NVIDIA driver ${minDriverVersion} or newer.`,
      });
    }
  }
  return { ...out, available: true, status };
}
