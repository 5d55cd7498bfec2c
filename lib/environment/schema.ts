/**
 * The environment snapshot's shape: the single source of truth for its type and its JSON.
 * Each part that can fail to be gathered has a variant saying why, so a snapshot is always whole.
 */
import { z } from "zod";

/** A GPU as NVML describes it (mirrors GpuDevice from lib/gpu/devices.ts). */
export const GpuDeviceSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  uuid: z.string(),
  pciBusId: z.string().optional(),
  architecture: z.string().optional(),
  memoryTotalMiB: z.number().optional(),
  memoryUsedMiB: z.number().optional(),
  memoryReservedMiB: z.number().optional(),
  memoryFreeMiB: z.number().optional(),
  powerLimitW: z.number().optional(),
  defaultPowerLimitW: z.number().optional(),
  minPowerLimitW: z.number().optional(),
  maxPowerLimitW: z.number().optional(),
  enforcedPowerLimitW: z.number().optional(),
  persistenceMode: z.boolean().optional(),
  migEnabled: z.boolean().optional(),
  migPending: z.boolean().optional(),
  energyCounterSupported: z.boolean(),
  instantPowerSupported: z.boolean(),
  averagePowerSupported: z.boolean(),
  errors: z.array(z.object({ fact: z.string(), nvmlCode: z.number(), nvmlName: z.string() })),
});

export const GpuPartSchema = z.discriminatedUnion("available", [
  z.object({
    available: z.literal(true),
    simulated: z.boolean(),
    /** The NVML library in use, or "simulated:<scenario>". */
    source: z.string(),
    driverVersion: z.string().optional(),
    nvmlVersion: z.string().optional(),
    /** The CUDA version the driver supports, e.g. "12.4". */
    cudaDriverVersion: z.string().optional(),
    devices: z.array(GpuDeviceSchema),
  }),
  z.object({ available: z.literal(false), reason: z.string() }),
]);

export const CUDA_RUNTIME_SOURCES = [
  "libcudart",
  "cuda-home-version-json",
  "cuda-home-version-txt",
  "nvcc",
  "none",
] as const;

export const CudaRuntimeVersionSchema = z.object({
  /** "12.4" or "12.4.1" as the source states it; null when no source gave one. */
  version: z.string().nullable(),
  source: z.enum(CUDA_RUNTIME_SOURCES),
  /** The library, file or nvcc that gave the version; or, for "none", everything tried and why it failed. */
  detail: z.string(),
});

export const PackageSchema = z.object({
  name: z.string(),
  /** null for lines that are not `name==version` (editable installs, `name @ url`), kept verbatim as the name. */
  version: z.string().nullable(),
});

export const CondaPackageSchema = PackageSchema.extend({ channel: z.string().optional(), build: z.string().optional() });

export const PythonPartSchema = z.union([
  z.object({ interpreter: z.string(), version: z.string(), packages: z.array(PackageSchema) }),
  z.object({ interpreter: z.string(), version: z.string().optional(), error: z.string() }),
]);

export const CondaPartSchema = z.union([
  z.object({
    prefix: z.string(),
    packages: z.array(CondaPackageSchema),
  }),
  z.object({ prefix: z.string().optional(), error: z.string() }),
]);

export const EnvironmentSnapshotSchema = z.object({
  schemaVersion: z.literal(1),
  /** ISO 8601, UTC. */
  takenAt: z.iso.datetime(),
  lem: z.object({ version: z.string() }),
  node: z.object({ version: z.string(), platform: z.string(), arch: z.string() }),
  os: z.object({
    type: z.string(),
    /** The kernel release, e.g. "6.8.0-45-generic". */
    release: z.string(),
    /** PRETTY_NAME from /etc/os-release, when there is one. */
    distribution: z.string().optional(),
  }),
  cpu: z.object({ model: z.string(), cores: z.number().int().nonnegative() }),
  memory: z.object({ totalMiB: z.number().nonnegative() }),
  gpu: GpuPartSchema,
  cudaRuntime: CudaRuntimeVersionSchema,
  /** The backend side's Python and its packages; absent only if gathering it was switched off. */
  python: PythonPartSchema.optional(),
  /** Present when CONDA_PREFIX is set. */
  conda: CondaPartSchema.optional(),
  /** The variables that matter for a run, secrets redacted. */
  environmentVariables: z.record(z.string(), z.string()),
});

export type EnvironmentSnapshot = z.infer<typeof EnvironmentSnapshotSchema>;
export type GpuPart = z.infer<typeof GpuPartSchema>;
export type CudaRuntimeVersion = z.infer<typeof CudaRuntimeVersionSchema>;
export type CudaRuntimeSource = CudaRuntimeVersion["source"];
export type PythonPart = z.infer<typeof PythonPartSchema>;
export type CondaPart = z.infer<typeof CondaPartSchema>;
export type Package = z.infer<typeof PackageSchema>;
export type CondaPackage = z.infer<typeof CondaPackageSchema>;
