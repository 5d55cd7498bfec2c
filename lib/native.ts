/**
 * Loads the native addon (a prebuild from prebuilds/, or build/Release from a source build)
 * and describes its interface. Only lib/gpu calls it.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { NativeLoadError } from "./errors.js";

export interface NativeSystemInfo {
  driverVersion?: string;
  nvmlVersion?: string;
  cudaDriverVersion?: number;
}

export interface NativeNvmlStatus {
  available: boolean;
  simulated: boolean;
  source?: string;
  reason?: string;
  nvmlCode?: number;
  nvmlName?: string;
  system?: NativeSystemInfo;
  deviceCount?: number;
}

export interface NativeDeviceInfo {
  index: number;
  name: string;
  uuid: string;
  pciBusId?: string;
  architecture?: string;
  memoryTotalMiB?: number;
  memoryUsedMiB?: number;
  memoryReservedMiB?: number;
  memoryFreeMiB?: number;
  powerLimitW?: number;
  defaultPowerLimitW?: number;
  minPowerLimitW?: number;
  maxPowerLimitW?: number;
  enforcedPowerLimitW?: number;
  persistenceMode?: boolean;
  migEnabled?: boolean;
  migPending?: boolean;
  energyCounterSupported: boolean;
  instantPowerSupported: boolean;
  averagePowerSupported: boolean;
  errors: { fact: string; nvmlCode: number; nvmlName: string }[];
}

export interface NativeProcessInfo {
  pid: number;
  name: string;
  usedMiB?: number;
}

export interface NativeCudaDriverInfo {
  available: boolean;
  reason?: string;
  source?: string;
  driverVersion?: number;
  devices: { ordinal: number; uuid: string; nvmlIndex?: number }[];
}

export interface NativeCudaRuntimeInfo {
  available: boolean;
  reason?: string;
  library?: string;
  version?: number;
}

export interface NativeDeviceStats {
  index: number;
  uuid: string;
  samples: number;
  firstTNs?: bigint;
  lastTNs?: bigint;
  powerSource: string;
  powerAverageSource: string;
  energySource: string;
  energy: {
    counterJ: number | null;
    counterFirstMJ?: number;
    counterLastMJ?: number;
    counterSteps: number;
    counterWraps: number;
    counterResets: number;
    counterFilledJ: number;
    integralJ: number | null;
    integralCoveredS: number;
    averageIntegralJ: number | null;
    averageCoveredS: number;
  };
  power: { samples: number; minW: number; maxW: number; sampleMeanW: number; meanW: number | null } | null;
  temperature: { firstC: number; peakC: number; lastC: number } | null;
  throttle: { reasons: number; observedS: number; secondsByBit: Record<string, number> };
  memoryPeakMiB?: number;
  failure: { nvmlCode: number; nvmlName: string; function: string; tNs: bigint } | null;
  readErrors: number;
  dropped: number;
}

export interface NativeTiming {
  intervalNs: number;
  startedTNs?: bigint;
  stoppedTNs?: bigint;
  ticks: number;
  missedDeadlines: number;
  ticksWithin1ms: number;
  latenessP50Ns: number;
  latenessP99Ns: number;
  latenessMaxNs: number;
  threadCpuNs: number;
}

export interface NativeSamplerStats {
  devices: NativeDeviceStats[];
  timing: NativeTiming;
  running: boolean;
}

export interface NativeWindow {
  name: string;
  beginTNs: bigint;
  endTNs: bigint;
  devices: NativeDeviceStats[];
}

export interface NativeDrainedDevice {
  index: number;
  uuid: string;
  count: number;
  tNs: BigInt64Array;
  powerW: Float64Array;
  powerAverageW: Float64Array;
  energyMJ: Float64Array;
  temperatureC: Float32Array;
  smClockMHz: Float32Array;
  memoryUsedMiB: Float64Array;
  throttleReasons: Uint32Array;
  utilizationGpuPct: Float32Array;
  utilizationMemoryPct: Float32Array;
  present: Uint16Array;
}

export interface NativeSampler {
  start(): void;
  stop(): void;
  readonly running: boolean;
  drain(maxPerDevice?: number): NativeDrainedDevice[];
  stats(): NativeSamplerStats;
  beginWindow(name: string): void;
  endWindow(name: string): NativeWindow;
}

export interface NativeCallLatency {
  function: string;
  available: boolean;
  calls: number;
  failures: number;
  firstError?: string;
  minNs?: number;
  medianNs?: number;
  p99Ns?: number;
  maxNs?: number;
  meanNs?: number;
}

export interface NativeReadingChanges {
  reading: string;
  available: boolean;
  error?: string;
  reads: number;
  failures: number;
  /** ns after the poll's startNs at which each change was seen. */
  tNs: Float64Array;
  value: Float64Array;
  fieldTimestampUs?: Float64Array;
  fieldLatencyUs?: Float64Array;
  timestampChanges?: number;
  truncated: boolean;
}

export interface NativeBinding {
  abiVersion: number;
  nvmlStatus(): NativeNvmlStatus;
  listDevices(): NativeDeviceInfo[];
  computeProcesses(index: number): NativeProcessInfo[];
  useSimulation(scenarioJson: string): void;
  useRealNvml(): void;
  simulationTruth(index: number, t0Ns: bigint, t1Ns: bigint): { energyJ: number; powerAtEndW: number };
  simulationOriginNs(): bigint;
  indexForUuid(uuid: string): number | undefined;
  cudaDevices(): NativeCudaDriverInfo;
  cudaRuntime(): NativeCudaRuntimeInfo;
  monotonicNs(): bigint;
  nvmlCallLatency(index: number, maxCalls: number, maxMsPerFunction: number): NativeCallLatency[];
  nvmlPollChanges(index: number, durationMs: number, maxChanges: number): {
    startNs: bigint;
    durationNs: number;
    readings: NativeReadingChanges[];
  };
  NativeSampler: new (options: {
    devices?: number[];
    intervalNs: number;
    utilizationEvery: number;
    ringCapacity: number;
  }) => NativeSampler;
}

/** The package root: dist/native.js -> .. (and lib/native.ts -> .. under vitest). */
export const packageRoot = fileURLToPath(new URL("..", import.meta.url));

let binding: NativeBinding | undefined;

/** The addon, loaded on first use so that importing lem never fails. */
export function native(): NativeBinding {
  if (binding) return binding;
  const require = createRequire(import.meta.url);
  try {
    const load = require("node-gyp-build") as (dir: string) => unknown;
    binding = load(packageRoot) as NativeBinding;
  } catch (error) {
    throw new NativeLoadError(nativeLoadMessage((error as Error).message), { cause: error });
  }
  return binding;
}

/** What to do when the addon does not load, for this platform. */
export function nativeLoadMessage(reason: string, platform: string = process.platform, arch: string = process.arch): string {
  const head = `measuring needs lem's native addon, which could not be loaded on ${platform}-${arch} (${reason.split("\n")[0]}).`;
  const works = "lem results, lem report, lem schema and lem run --dry-run work without it.";
  if (platform !== "linux") return `${head} Measuring needs Linux with an NVIDIA driver (or LEM_SIMULATE on Linux). ${works}`;
  return (
    `${head} Prebuilt addons ship for linux-x64 and linux-arm64 with glibc >= 2.28; elsewhere it is built at install time, ` +
    `which needs python3, make and a C++17 compiler: install them, then run npm rebuild lem-energy in your project. ${works}`
  );
}
