/** lem's public API for measurement scripts. */
export { version } from "./version.js";
export * from "./errors.js";
export {
  nvmlStatus,
  useSimulatedGpu,
  useRealGpu,
  activeSimulation,
  simulatedTruthEnergyJ,
  simulationOriginNs,
  formatCudaVersion,
  type NvmlStatus,
} from "./gpu/provider.js";
export { listDevices, computeProcesses, type GpuDevice, type GpuProcess } from "./gpu/devices.js";
export {
  parseCudaVisibleDevices,
  mapCudaVisibleDevices,
  resolveCudaVisibleDevices,
  type CudaDeviceMapping,
  type ResolvedCudaDevice,
  type CudaVisibleEntry,
} from "./gpu/cuda-visible-devices.js";
export {
  PowerSampler,
  PowerSamplerOptionsSchema,
  SAMPLE_FIELDS,
  monotonicNs,
  type PowerSamplerOptions,
  type SamplerSummary,
  type SamplerTiming,
  type DeviceEnergySummary,
  type DeviceTimeline,
  type WindowMeasurement,
} from "./gpu/power-sampler.js";
export { THROTTLE_REASONS, SLOWDOWN_REASONS, throttleReasonNames, type ThrottleReason } from "./gpu/throttle-reasons.js";
export { cudaRuntimeVersion, cudaDriverDevices } from "./gpu/cuda.js";
export { builtinScenarioNames, ScenarioError, ScenarioSchema, type Scenario } from "./gpu/scenario.js";
