/**
 * Residual GPU memory before an experiment: memory in use beyond the idle level on every GPU
 * the experiment will use, and which processes hold it. A previous child's memory is freed
 * asynchronously after it exits, so the caller may ask to wait for it to go.
 */
import { NvmlError } from "../errors.js";
import { computeProcesses, listDevices, type GpuDevice, type GpuProcess } from "./devices.js";
import { nvmlStatus } from "./provider.js";
import { abortableSleep } from "../timing/abortable-sleep.js";

export interface ResidualMemoryOptions {
  /** NVML indices of every GPU the experiment uses. */
  devices: number[];
  /** Residual memory above this is reported (default 100 MiB). */
  thresholdMiB?: number;
  /** Idle level per NVML index; default the device's reserved memory, else 0. */
  idleMiB?: Record<number, number>;
  /** 0: warn at once; > 0: poll until below the threshold or this limit. */
  waitMs?: number;
  /** Poll period while waiting (default 250 ms). */
  pollMs?: number;
  /** Aborting ends the wait at once (Ctrl-C must not wait it out); what was seen last is reported. */
  signal?: AbortSignal;
  log?: (level: "debug" | "warn", message: string) => void;
}

export interface ResidualMemoryDevice {
  index: number;
  uuid: string;
  usedMiB: number;
  idleMiB: number;
  residualMiB: number;
  processes: GpuProcess[];
}

export interface ResidualMemoryReport {
  /** Why the check did not run (e.g. NVML unavailable). */
  skipped?: string;
  devices: ResidualMemoryDevice[];
  warnings: string[];
  waitedMs: number;
  /** No device above the threshold and no device whose check failed. */
  clean: boolean;
}

interface DeviceReading {
  device?: ResidualMemoryDevice;
  /** Above the threshold: waiting may help. */
  residual?: string;
  /** The check itself failed: waiting does not help. */
  failure?: string;
}

const nvmlWhy = (error: unknown): string =>
  error instanceof NvmlError
    ? `${error.nvmlFunction ?? "an NVML call"} failed with ${error.nvmlName}`
    : error instanceof Error
      ? error.message
      : String(error);

const describeProcesses = (processes: GpuProcess[]): string =>
  processes.length === 0
    ? "held by no compute process NVML lists (it may still be being freed, or belong to a graphics process or another container)"
    : `held by ${processes.map((p) => `${p.name} (pid ${p.pid}${p.usedMiB !== undefined ? `, ${p.usedMiB} MiB` : ""})`).join(", ")}`;

function readDevice(index: number, all: GpuDevice[], options: ResidualMemoryOptions, thresholdMiB: number): DeviceReading {
  const dev = all.find((d) => d.index === index);
  if (!dev) {
    return { failure: `GPU ${index}: residual memory check failed: NVML sees ${all.length} GPU(s), none with index ${index}.` };
  }
  const where = `GPU ${index} (${dev.uuid})`;
  let processes: GpuProcess[] = [];
  let processFailure: string | undefined;
  try {
    processes = computeProcesses(index);
  } catch (error) {
    // Not supported is a device fact, not a failure: the memory figure still stands.
    if (!(error instanceof NvmlError && error.nvmlName === "NVML_ERROR_NOT_SUPPORTED")) processFailure = nvmlWhy(error);
  }
  const memoryError = dev.errors.find((e) => e.fact === "memory");
  if (memoryError) {
    return { failure: `${where}: residual memory check failed: reading memory failed with ${memoryError.nvmlName}.` };
  }
  // Without a memory figure, the processes' own memory is the best evidence there is.
  const usedMiB = dev.memoryUsedMiB ?? processes.reduce((sum, p) => sum + (p.usedMiB ?? 0), 0);
  const idleMiB = options.idleMiB?.[index] ?? dev.memoryReservedMiB ?? 0;
  const residualMiB = Math.max(0, Math.round(usedMiB - idleMiB));
  const device: ResidualMemoryDevice = { index, uuid: dev.uuid, usedMiB, idleMiB, residualMiB, processes };
  if (processFailure) {
    return { device, failure: `${where}: residual memory check failed: listing its processes: ${processFailure}.` };
  }
  if (residualMiB > thresholdMiB) {
    return {
      device,
      residual: `${where}: ${residualMiB} MiB in use beyond the idle level (threshold ${thresholdMiB} MiB), ${describeProcesses(processes)}`,
    };
  }
  return { device };
}

function readAll(options: ResidualMemoryOptions, thresholdMiB: number): DeviceReading[] {
  let all: GpuDevice[];
  try {
    all = listDevices();
  } catch (error) {
    const why = nvmlWhy(error);
    return options.devices.map((index) => ({ failure: `GPU ${index}: residual memory check failed: ${why}.` }));
  }
  return options.devices.map((index) => readDevice(index, all, options, thresholdMiB));
}

/**
 * Checks every GPU in `options.devices` for memory in use beyond its idle level. Never throws
 * for NVML trouble: without NVML the check is skipped (a debug note); an NVML error on one
 * device becomes that device's warning while the others are still checked.
 */
export async function checkResidualMemory(options: ResidualMemoryOptions): Promise<ResidualMemoryReport> {
  const thresholdMiB = options.thresholdMiB ?? 100;
  const waitMs = Math.max(0, options.waitMs ?? 0);
  const pollMs = Math.max(1, options.pollMs ?? 250);
  const log = options.log ?? (() => undefined);

  const status = nvmlStatus();
  if (!status.available) {
    const skipped = `NVML unavailable: ${(status.reason ?? "unknown reason").replace(/^NVML is unavailable: /, "")}`;
    log("debug", `residual memory check skipped: ${skipped}`);
    return { skipped, devices: [], warnings: [], waitedMs: 0, clean: true };
  }

  const startMs = performance.now();
  let readings = readAll(options, thresholdMiB);
  while (waitMs > 0 && !options.signal?.aborted && readings.some((r) => r.residual !== undefined)) {
    const leftMs = waitMs - (performance.now() - startMs);
    if (leftMs <= 0) break;
    await abortableSleep(Math.min(pollMs, leftMs), options.signal);
    readings = readAll(options, thresholdMiB);
  }
  const waitedMs = waitMs > 0 ? Math.round(performance.now() - startMs) : 0;

  const warnings: string[] = [];
  for (const r of readings) {
    if (r.failure) warnings.push(r.failure);
    else if (r.residual) warnings.push(waitMs > 0 ? `${r.residual}; still there after waiting ${waitedMs} ms` : r.residual);
  }
  for (const w of warnings) log("warn", w);
  return {
    devices: readings.flatMap((r) => (r.device ? [r.device] : [])),
    warnings,
    waitedMs,
    clean: warnings.length === 0,
  };
}
