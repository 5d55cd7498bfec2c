/**
 * collectEnvironment(): everything about the machine and software a published measurement
 * should state. Parts are gathered concurrently; one that fails says why, the snapshot never does.
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import { listDevices } from "../gpu/devices.js";
import { nvmlStatus } from "../gpu/provider.js";
import { version as lemVersion } from "../version.js";
import { detectCudaRuntimeVersion, type CudaRuntimeChainOptions } from "./cuda-runtime-version.js";
import { relevantEnvironmentVariables } from "./environment-variables.js";
import { collectConda, collectPython, DEFAULT_COMMAND_TIMEOUT_MS } from "./python-packages.js";
import { EnvironmentSnapshotSchema, type EnvironmentSnapshot, type GpuPart } from "./schema.js";

export interface CollectEnvironmentOptions {
  /** The engine's Python interpreter (default python3 on PATH); false leaves Python out. */
  python?: string | false;
  /** Time limit for each external command (python, pip, conda, nvcc). Default 20 s. */
  timeoutMs?: number;
  /** The environment the engine will run with. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Overrides for the CUDA runtime chain (tests). */
  cudaRuntime?: CudaRuntimeChainOptions;
}

export async function collectEnvironment(options: CollectEnvironmentOptions = {}): Promise<EnvironmentSnapshot> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const takenAt = new Date().toISOString();

  const [distribution, cudaRuntime, python, conda] = await Promise.all([
    readDistribution(),
    detectCudaRuntimeVersion({ timeoutMs, env, ...options.cudaRuntime }),
    options.python === false ? undefined : collectPython({ python: options.python, timeoutMs, env }),
    collectConda({ timeoutMs, env }),
  ]);

  const cpus = os.cpus();
  return EnvironmentSnapshotSchema.parse({
    schemaVersion: 1,
    takenAt,
    lem: { version: lemVersion },
    node: { version: process.version, platform: process.platform, arch: process.arch },
    os: { type: os.type(), release: os.release(), ...(distribution ? { distribution } : {}) },
    cpu: { model: cpus[0]?.model.trim() || "unknown", cores: cpus.length },
    memory: { totalMiB: Math.round(os.totalmem() / 2 ** 20) },
    gpu: collectGpu(),
    cudaRuntime,
    ...(python ? { python } : {}),
    ...(conda ? { conda } : {}),
    environmentVariables: relevantEnvironmentVariables(env),
  } satisfies EnvironmentSnapshot);
}

/** NVML's view: driver, versions and every device; or why there is none. */
export function collectGpu(): GpuPart {
  try {
    const status = nvmlStatus();
    if (!status.available) return { available: false, reason: status.reason ?? "NVML is unavailable" };
    return {
      available: true,
      simulated: status.simulated,
      source: status.source ?? "unknown",
      ...(status.driverVersion ? { driverVersion: status.driverVersion } : {}),
      ...(status.nvmlVersion ? { nvmlVersion: status.nvmlVersion } : {}),
      ...(status.cudaDriverVersion ? { cudaDriverVersion: status.cudaDriverVersion } : {}),
      devices: listDevices(),
    };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** PRETTY_NAME from /etc/os-release, if the system has one. */
async function readDistribution(file = "/etc/os-release"): Promise<string | undefined> {
  try {
    const m = /^PRETTY_NAME=(.*)$/m.exec(await readFile(file, "utf8"));
    const value = m?.[1]?.trim().replace(/^(["'])(.*)\1$/, "$2");
    return value || undefined;
  } catch {
    return undefined;
  }
}
