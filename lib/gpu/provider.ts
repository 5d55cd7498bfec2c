/**
 * Which NVML lem talks to: the real driver library, or the simulated GPU selected with
 * LEM_SIMULATE=<built-in name or scenario file> or useSimulatedGpu().
 */
import { fromNativeError, NvmlUnavailableError } from "../errors.js";
import { native } from "../native.js";
import { resolveScenario } from "./scenario.js";

let envApplied = false;
let simulation: { name: string; source: string } | undefined;

/** Applies LEM_SIMULATE once, before the first call that needs NVML. */
export function ensureProvider(): void {
  if (envApplied) return;
  envApplied = true;
  const spec = process.env.LEM_SIMULATE?.trim();
  if (spec) useSimulatedGpu(spec);
}

/**
 * Switches lem to the simulated GPU. `scenario` is a built-in name ("default", "h100x8",
 * ...) or the path of a scenario JSON file. Throws ScenarioError for an invalid scenario.
 */
export function useSimulatedGpu(scenario = "default"): { name: string; source: string } {
  envApplied = true;
  const resolved = resolveScenario(scenario);
  try {
    native().useSimulation(resolved.json);
  } catch (error) {
    throw fromNativeError(error);
  }
  simulation = { name: resolved.name, source: resolved.source };
  return simulation;
}

/** Switches lem back to the real NVML library (the default). */
export function useRealGpu(): void {
  envApplied = true;
  simulation = undefined;
  native().useRealNvml();
}

/** The simulated scenario in use, if any. */
export function activeSimulation(): { name: string; source: string } | undefined {
  ensureProvider();
  return simulation;
}

export interface NvmlStatus {
  available: boolean;
  simulated: boolean;
  /** The NVML library in use, or "simulated:<scenario>". */
  source?: string;
  /** Why NVML is unavailable, and what to do. */
  reason?: string;
  nvmlName?: string;
  driverVersion?: string;
  nvmlVersion?: string;
  /** CUDA version the driver supports, e.g. "12.4". */
  cudaDriverVersion?: string;
  deviceCount?: number;
}

export const NO_NVML_HINT =
  "Install the NVIDIA driver (it provides libnvidia-ml.so.1), point LEM_NVML_LIBRARY at the library, " +
  "or set LEM_SIMULATE=default to run on the simulated GPU.";

/** Formats CUDA's integer version (12040) as "12.4". */
export function formatCudaVersion(v: number): string {
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}

/** Says whether NVML can be used, and if not, why and what to do. Never throws for a missing GPU. */
export function nvmlStatus(): NvmlStatus {
  ensureProvider();
  const s = native().nvmlStatus();
  if (!s.available) {
    return {
      available: false,
      simulated: false,
      reason: `NVML is unavailable: ${s.reason ?? "unknown reason"}. ${NO_NVML_HINT}`,
      ...(s.nvmlName ? { nvmlName: s.nvmlName } : {}),
    };
  }
  const sys = s.system ?? {};
  return {
    available: true,
    simulated: s.simulated,
    ...(s.source ? { source: s.source } : {}),
    ...(sys.driverVersion ? { driverVersion: sys.driverVersion } : {}),
    ...(sys.nvmlVersion ? { nvmlVersion: sys.nvmlVersion } : {}),
    ...(sys.cudaDriverVersion ? { cudaDriverVersion: formatCudaVersion(sys.cudaDriverVersion) } : {}),
    ...(s.deviceCount !== undefined ? { deviceCount: s.deviceCount } : {}),
  };
}

/** Throws NvmlUnavailableError (with what to do) unless NVML can be used. */
export function requireNvml(): NvmlStatus {
  const status = nvmlStatus();
  if (!status.available) throw new NvmlUnavailableError(status.reason ?? NO_NVML_HINT, status.nvmlName);
  return status;
}

/** Runs a native call, mapping its errors onto lem's typed errors. */
export function call<T>(fn: () => T): T {
  ensureProvider();
  try {
    return fn();
  } catch (error) {
    throw fromNativeError(error);
  }
}

/**
 * The simulated GPU's true energy (J) of device `index` between two CLOCK_MONOTONIC times,
 * the exact integral of the power it reports. Throws InvalidStateError unless simulating.
 */
export function simulatedTruthEnergyJ(index: number, t0Ns: bigint, t1Ns: bigint): number {
  return call(() => native().simulationTruth(index, t0Ns, t1Ns).energyJ);
}

/** CLOCK_MONOTONIC ns of the simulated timeline's t = 0 (when the scenario was loaded). */
export function simulationOriginNs(): bigint {
  return call(() => native().simulationOriginNs());
}
