/**
 * The result of one run, as written to `result.json`: versioned (schemaVersion), validated
 * with zod on write and on read. Numbers that are unknown are null, never NaN or Infinity;
 * CLOCK_MONOTONIC nanoseconds are decimal strings (JSON has no 64-bit integers).
 *
 * Per-token figures name their denominator (docs/measurement-notes.md):
 * energyPerOutputTokenJ (output tokens), energyPerTokenJ (input + output tokens),
 * energyPerRequestJ (requests), whPer1000Requests.
 */
import { z } from "zod";
import { PlacementSchema } from "../study-format/placement.js";
import { BaselineSchema } from "../measure/baseline.js";
import { PhaseShiftSchema } from "../measure/phase-shift.js";
import type { DeviceWindowEnergy, WindowEnergy } from "../measure/window-energy.js";
import { quantileSorted } from "./bootstrap.js";

export const RESULT_SCHEMA_VERSION = 1;

const num = z.number();
const nullableNumber = z.number().nullable();
const count = z.number().int().nonnegative();
/** A bigint (in memory) or its decimal string (in JSON); always a string once parsed. */
const nanoseconds = z.union([z.bigint(), z.string().regex(/^-?\d+$/, "a decimal integer (ns)")]).transform((v) => String(v));

export const IdentitySchema = z.object({
  lemVersion: z.string(),
  studyName: z.string(),
  configHash: z.string(),
  slug: z.string(),
  backend: z.string(),
  engineVersion: z.string().nullable(),
  model: z.string(),
  /** 0-based (the run directory's name shows it 1-based). */
  cycle: count,
  /** 0-based order of execution in the study. */
  position: count,
});

export const FailureSchema = z.object({
  message: z.string(),
  exitCode: z.number().int().nullable().optional(),
  signal: z.string().nullable().optional(),
});

export const TimingsSchema = z.object({
  startedAt: z.iso.datetime({ offset: true }),
  endedAt: z.iso.datetime({ offset: true }),
  /** From start to end of the run, settling included. */
  wallS: num.nonnegative(),
  /** Time spent waiting for the GPUs to settle before the run. */
  settlingS: num.nonnegative(),
  /** Length of the measurement window. */
  windowS: num.nonnegative(),
});

export const WindowSchema = z.object({
  /** "protocol": opened and closed by the backend's events; "workload": lem's requests to a server, first sent to last finished; "lifetime": the whole child process. */
  source: z.enum(["protocol", "workload", "lifetime"]),
  startNs: nanoseconds,
  endNs: nanoseconds,
});

export const ThrottleSchema = z.object({
  reasons: z.array(z.string()),
  secondsByReason: z.record(z.string(), num),
  slowdown: z.boolean(),
  slowdownFirstS: nullableNumber,
  slowdownLastS: nullableNumber,
});

export const DeviceEnergySchema = z.object({
  index: z.number().int(),
  uuid: z.string(),
  /** The energy lem reports: the counter's or the integral's, see `method`. */
  energyJ: nullableNumber,
  method: z.enum(["counter", "integral", "average", "none"]),
  methodReason: z.string(),
  counterEnergyJ: nullableNumber,
  integralEnergyJ: nullableNumber,
  /** (integral - counter) / counter. */
  integralVsCounter: nullableNumber,
  /** energyJ - baseline power x window, never below zero; null without a baseline. */
  adjustedEnergyJ: nullableNumber,
  baselinePowerW: nullableNumber,
  meanPowerW: nullableNumber,
  peakPowerW: nullableNumber,
  temperature: z.object({ startC: num, peakC: num, endC: num }).nullable(),
  throttle: ThrottleSchema,
  /** Samples inside the window. */
  samples: count,
  /** Energy from NVML's 1 s average power, lag-corrected; null under 1 s or without it. Absent in older results. */
  averagePowerEnergyJ: nullableNumber.optional(),
  /** Share of the window each reading covers (the rest: failed NVML calls). Absent in older results. */
  coverage: z
    .record(z.enum(["power", "averagePower", "energyCounter"]), z.object({ share: num, missingS: num, longestMissingS: num }).nullable())
    .optional(),
});

export const EnergySchema = z.object({
  /** Sum over GPUs; null when any GPU's energy is unknown. */
  totalJ: nullableNumber,
  adjustedTotalJ: nullableNumber,
  devices: z.array(DeviceEnergySchema),
});

export const TokensSchema = z.object({
  input: count.nullable(),
  output: count.nullable(),
  requests: count.nullable(),
});

export const ThroughputSchema = z.object({
  outputTokensPerS: nullableNumber,
  requestsPerS: nullableNumber,
});

export const LatencySummarySchema = z.object({ mean: num, p50: num, p95: num, p99: num });

export const LatencySchema = z.object({
  /** Time to first token per request. */
  ttftMs: LatencySummarySchema.nullable(),
  /** Time between consecutive output tokens. */
  interTokenMs: LatencySummarySchema.nullable(),
  /** Whole request. */
  requestMs: LatencySummarySchema.nullable(),
});

export const PerTokenSchema = z.object({
  /** energy / output tokens. */
  energyPerOutputTokenJ: nullableNumber,
  /** energy / (input + output tokens). */
  energyPerTokenJ: nullableNumber,
  /** energy / requests. */
  energyPerRequestJ: nullableNumber,
  /** energy per request x 1000 / 3600. */
  whPer1000Requests: nullableNumber,
  /** adjusted (idle-subtracted) energy / output tokens. */
  adjustedEnergyPerOutputTokenJ: nullableNumber,
});

export const ResultWarningSchema = z.object({
  code: z.string(),
  message: z.string(),
  /** NVML index of the GPU it concerns; absent when it concerns the whole run. */
  device: z.number().int().optional(),
});

export const EngineSchema = z.object({
  name: z.string(),
  version: z.string().nullable(),
  /** The engine's effective settings as it reported them. */
  settings: z.record(z.string(), z.unknown()),
});

/** The ML.ENERGY steady-state window: while `concurrency` requests were decoding together. */
export const SteadyStateSchema = z.union([
  z.object({ unavailable: z.string() }),
  z.object({
    startNs: nanoseconds,
    endNs: nanoseconds,
    windowS: num.nonnegative(),
    energyJ: nullableNumber,
    adjustedEnergyJ: nullableNumber,
    method: z.array(z.enum(["counter", "integral", "average", "none"])),
    outputTokens: count,
    requests: count,
    energyPerOutputTokenJ: nullableNumber,
    outputTokensPerS: nullableNumber,
  }),
]);

export const RunResultSchema = z.object({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  identity: IdentitySchema,
  /** The resolved experiment configuration. */
  config: z.record(z.string(), z.unknown()),
  status: z.enum(["completed", "failed", "interrupted"]),
  failure: FailureSchema.optional(),
  simulated: z.boolean(),
  timings: TimingsSchema,
  /** The measurement window (the child's lifetime when the backend marked none). */
  window: WindowSchema,
  energy: EnergySchema,
  tokens: TokensSchema,
  throughput: ThroughputSchema,
  latency: LatencySchema,
  perToken: PerTokenSchema,
  thermal: z.object({
    settling: z
      .object({
        mode: z.string(),
        waitedS: num.nonnegative(),
        settled: z.boolean(),
        startTemperatureC: nullableNumber,
      })
      .nullable(),
  }),
  warnings: z.array(ResultWarningSchema),
  /** The engine that served the run and its settings (from its endpoints or its result event). */
  engine: EngineSchema.nullable().optional(),
  /** Requests that failed inside the window, grouped by message. */
  requestOutcomes: z.object({ failed: count, errors: z.array(z.object({ message: z.string(), count: count })) }).optional(),
  steadyState: SteadyStateSchema.optional(),
  /** Which prompts were used: synthetic (with its seed) or a file (with its SHA-256). */
  dataset: z.record(z.string(), z.unknown()).optional(),
  /** Backend facts: the server's URL and launch command, time to ready, the container image digest, ... */
  backendDetails: z.record(z.string(), z.unknown()).optional(),
  preflight: z.object({ skipped: z.boolean(), warnings: z.array(z.string()) }),
  baseline: BaselineSchema.nullable(),
  environment: z.record(z.string(), z.unknown()).nullable(),
  /** The random delay of the run's start within one sensor period (lib/measure/phase-shift.ts); absent in older results. */
  phaseShift: PhaseShiftSchema.optional(),
  /** Where the run was measured: machine, executor, Slurm job, GPU models, drivers, power limits; absent in older results. */
  placement: PlacementSchema.optional(),
});

/** A result as stored (ns as strings). */
export type RunResult = z.output<typeof RunResultSchema>;
/** A result as built in memory (ns may be bigints). */
export type RunResultInput = z.input<typeof RunResultSchema>;
export type DeviceEnergy = z.output<typeof DeviceEnergySchema>;
export type LatencySummary = z.output<typeof LatencySummarySchema>;

/** `a / b`, or null unless both are known, b > 0 and the quotient is finite. */
function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (!Number.isFinite(a) || !Number.isFinite(b) || !(b > 0)) return null;
  const q = a / b;
  return Number.isFinite(q) ? q : null;
}

/** Mean, p50, p95, p99 (linear interpolation) in ms of latencies in ns; null when none is finite. */
export function summarizeLatencyNs(valuesNs: readonly number[] | undefined): LatencySummary | null {
  const ms = (valuesNs ?? []).filter((v) => Number.isFinite(v)).map((v) => v / 1e6);
  if (ms.length === 0) return null;
  const sorted = ms.sort((a, b) => a - b);
  return {
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    p50: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
  };
}

export interface DerivedInput {
  energyJ: number | null;
  adjustedEnergyJ: number | null;
  /** Length of the measurement window (s). */
  windowS: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  requests: number | null;
  /** Per-request (ttft, request) and per-gap (interToken) latencies in ns, where the backend reports them. */
  latenciesNs?: { ttft: number[]; interToken: number[]; request: number[] };
}

export interface Derived {
  tokens: RunResult["tokens"];
  throughput: RunResult["throughput"];
  latency: RunResult["latency"];
  perToken: RunResult["perToken"];
}

const knownCount = (v: number | null | undefined): number | null =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : null;

/** The figures derived from a run's raw numbers; null wherever a numerator or denominator is missing or zero. */
export function computeDerived(input: DerivedInput): Derived {
  const inputTokens = knownCount(input.inputTokens);
  const outputTokens = knownCount(input.outputTokens);
  const requests = knownCount(input.requests);
  const energy = input.energyJ;
  const energyPerRequestJ = ratio(energy, requests);
  return {
    tokens: { input: inputTokens, output: outputTokens, requests },
    throughput: {
      outputTokensPerS: ratio(outputTokens, input.windowS),
      requestsPerS: ratio(requests, input.windowS),
    },
    latency: {
      ttftMs: summarizeLatencyNs(input.latenciesNs?.ttft),
      interTokenMs: summarizeLatencyNs(input.latenciesNs?.interToken),
      requestMs: summarizeLatencyNs(input.latenciesNs?.request),
    },
    perToken: {
      energyPerOutputTokenJ: ratio(energy, outputTokens),
      energyPerTokenJ: ratio(energy, inputTokens !== null && outputTokens !== null ? inputTokens + outputTokens : null),
      energyPerRequestJ,
      whPer1000Requests: energyPerRequestJ === null ? null : (energyPerRequestJ * 1000) / 3600,
      adjustedEnergyPerOutputTokenJ: ratio(input.adjustedEnergyJ, outputTokens),
    },
  };
}

function deviceEnergyOf(d: DeviceWindowEnergy): DeviceEnergy {
  return {
    index: d.index,
    uuid: d.uuid,
    energyJ: d.energyJ,
    method: d.method,
    methodReason: d.methodReason,
    counterEnergyJ: d.counterEnergyJ,
    integralEnergyJ: d.integralEnergyJ,
    integralVsCounter: d.integralVsCounter,
    adjustedEnergyJ: d.adjustedEnergyJ,
    baselinePowerW: d.baselinePowerW,
    meanPowerW: d.power?.meanW ?? null,
    peakPowerW: d.power?.peakW ?? null,
    temperature: d.temperature,
    throttle: d.throttle,
    samples: d.samples,
    averagePowerEnergyJ: d.averagePowerEnergyJ,
    coverage: d.coverage,
  };
}

/** The `energy` section of a result from a window's energy account. */
export function energyFromWindow(w: WindowEnergy): RunResult["energy"] {
  return {
    totalJ: w.total.energyJ,
    adjustedTotalJ: w.total.adjustedEnergyJ,
    devices: w.devices.map(deviceEnergyOf),
  };
}
