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
export {
  collectEnvironment,
  detectCudaRuntimeVersion,
  relevantEnvironmentVariables,
  EnvironmentSnapshotSchema,
  type EnvironmentSnapshot,
  type CollectEnvironmentOptions,
} from "./environment/index.js";
export { Timeline, type DeviceSeries } from "./measure/timeline.js";
export { writeTimelineCsv } from "./measure/timeline-csv.js";
export {
  energyOfWindow,
  MIN_COUNTER_STEPS_FOR_COUNTER,
  type WindowEnergy,
  type DeviceWindowEnergy,
  type WindowEnergyOptions,
} from "./measure/window-energy.js";
export { type MeasurementWarning, WARNING_LIMITS } from "./warnings/measurement-warning.js";
export { measureBaseline, BaselineSchema, type Baseline, type DeviceBaseline } from "./measure/baseline.js";
export { getBaseline, baselineKey, type BaselineRequest, type BaselineOutcome } from "./measure/baseline-cache.js";
export { waitForThermalSettling, fixedGap, type ThermalSettling, type ThermalSettlingOptions } from "./measure/thermal-settling.js";
export { ChildEventSchema, ProtocolReader, markedWindow, type ChildEvent } from "./backends/protocol.js";
export { runCommand, CommandStartError, type CommandRun } from "./backends/run-command.js";
export { measureCommand, type MeasureCommandOptions, type CommandMeasurement } from "./study/measure-command.js";
export * from "./preflight/index.js";
export {
  checkResidualMemory,
  type ResidualMemoryOptions,
  type ResidualMemoryReport,
  type ResidualMemoryDevice,
} from "./gpu/residual-memory.js";
export {
  acquireGpuLocks,
  gpuLockHolder,
  gpuLockFile,
  gpuLockDir,
  GpuBusyError,
  GpuLockSet,
  type GpuLockHolder,
  type GpuLockOwner,
} from "./gpu/gpu-lock.js";
export * from "./config/index.js";
export { runStudy, type RunStudyOptions, type StudyOutcome, type StudyEvent, type StudyStatus } from "./executors/run-study.js";
export { planOf } from "./study/prepare-study.js";
export { mergeStudy } from "./study/merge-study.js";
export { studyState, type StudyState, type RunState } from "./executors/study-state.js";
export { SlurmError } from "./executors/slurm/slurm-cli.js";
export { SlurmStudyActiveError } from "./executors/slurm/submit-study.js";
export { StudyChangedError } from "./study/study-changed.js";
export { planRuns, type PlannedRun } from "./study/plan.js";
export { seedFromHash } from "./random/seed-from-hash.js";
export { Manifest, ManifestSchema, studyDifferences, type ManifestData, type ManifestRun, type RunStatus } from "./study-format/manifest.js";
export {
  RunResultSchema,
  computeDerived,
  summarizeConfigs,
  writeStudySummary,
  writeTimeseriesParquet,
  readRunResult,
  describe as describeValues,
  type RunResult,
  type ConfigSummary,
  type Statistic,
} from "./results/index.js";
export { readStudy, listStudies, StudyReadError, type StudyOnDisk, type StudyListing } from "./results/study-reader.js";
export { compareStudies, type StudyComparison, type ConfigComparison } from "./results/compare.js";
export { exportStudy, EXPORT_FORMATS, type ExportFormat } from "./results/export.js";
export { writeReport, gatherReportData, REPORT_FILE, type WriteReportOptions, type WrittenReport, type ReportData } from "./report/index.js";
export * from "./datasets/index.js";
export {
  runWorkload,
  sendRequest,
  steadyStateWindow,
  summarizeRequests,
  poissonArrivalOffsetsNs,
  type WorkloadOptions,
  type WorkloadOutcome,
} from "./backends/openai/index.js";
export type { RequestRecord } from "./backends/request-record.js";
export type { BackendOutcome, EngineFacts, RequestTotals } from "./backends/backend-outcome.js";
export {
  startServer,
  waitForServer,
  engineInfo,
  serverLaunchArgv,
  defaultHealthPath,
  ServerError,
  type ServerHandle,
  type EngineInfo,
} from "./backends/server/index.js";
export { dockerRunArgv, type DockerRunOptions } from "./backends/docker/docker-run-argv.js";
export { imageDigest } from "./backends/docker/image-digest.js";
export { findPython, PythonNotFoundError } from "./backends/transformers/find-python.js";
export { configurationReferenceMarkdown } from "./config/reference-markdown.js";
