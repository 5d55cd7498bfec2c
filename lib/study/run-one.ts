/**
 * One planned run of a study: residual memory check, settling, sampler, the backend child,
 * the energy of its window, and the result files. Composes gpu, measure, backends, results.
 */
import { join } from "node:path";
import type { BackendOutcome } from "../backends/backend-outcome.js";
import { processStartTicks } from "../backends/child-process.js";
import type { Prompt } from "../datasets/prompt.js";
import { runBackend } from "./backend-for-run.js";
import { isServerBackend } from "../config/schema.js";
import { steadyStateResult } from "./steady-state-result.js";
import { writeRequestsJsonl } from "../results/requests-jsonl.js";
import { checkResidualMemory } from "../gpu/residual-memory.js";
import type { ResolvedExperiment } from "../config/sweep.js";
import type { Baseline } from "../measure/baseline.js";
import type { MeasurementWarning } from "../warnings/measurement-warning.js";
import { fixedGap, waitForThermalSettling, type ThermalSettling } from "../measure/thermal-settling.js";
import { deviceFailures, deviceFailureWarnings } from "../measure/device-failures.js";
import { migWarnings } from "./mig-warnings.js";
import { Recorder } from "../measure/recorder.js";
import { energyOfWindow, type WindowEnergy } from "../measure/window-energy.js";
import { usableBaselinePower } from "../measure/baseline-validity.js";
import { applyPhaseShift, planPhaseShift } from "../measure/phase-shift.js";
import { computeDerived, energyFromWindow, type RunResult } from "../results/result-schema.js";
import { writeTimeseriesParquet } from "../results/timeseries-parquet.js";
import { writeRunResult } from "../results/write-result.js";
import { version } from "../version.js";
import type { Placement } from "../study-format/placement.js";
import { redactRecordedConfig, redactText } from "../redact/index.js";

export interface RunContext {
  studyName: string;
  studyDir: string;
  runDir: string;
  position: number;
  cycle: number;
  experiment: ResolvedExperiment;
  devices: number[];
  persistenceMode: Record<string, boolean | undefined>;
  simulated: boolean;
  baseline: Baseline | null;
  environment: Record<string, unknown> | null;
  preflight: { skipped: boolean; warnings: string[] };
  runTimeoutS: number;
  silenceTimeoutS: number;
  signal: AbortSignal;
  onSpawn: (pid: number, startTicks: string | null) => void;
  /** NVML UUIDs of `devices`, in the same order. */
  gpuUuids: string[];
  /** The study file's directory: relative paths in the configuration start there. */
  baseDir: string;
  /** Window of this configuration's previous run in this study (s), for measurement.phaseShift "auto". */
  previousWindowS?: number | null;
  /** Where this run is measured (machine, executor, Slurm job, GPUs), recorded in its result. */
  placement: Placement;
  /** The experiment's prompts, already loaded (and written to `file` for child harnesses). */
  dataset: { prompts: Prompt[]; file: string; truncated: number; source: Record<string, unknown> };
}

export interface RunOutcome {
  result: RunResult;
  resultPath: string;
  /** Why the study cannot go on (an attached server is gone), when it cannot. */
  stopStudy?: string;
}


export async function executeRun(ctx: RunContext): Promise<RunOutcome> {
  const cfg = ctx.experiment.config;
  const m = cfg.measurement;
  const startedAt = new Date();
  const warnings: MeasurementWarning[] = [];

  const residual = await checkResidualMemory({
    devices: ctx.devices,
    thresholdMiB: m.residualMemoryThresholdMiB,
    waitMs: m.residualMemoryWaitS * 1000,
    signal: ctx.signal,
  });
  for (const message of residual.warnings) warnings.push({ code: "residual-memory", message });
  warnings.push(...migWarnings(ctx.devices));

  let settling: ThermalSettling | { waitedS: number } | null = null;
  const settleStart = Date.now();
  if (m.settling.mode === "thermal" && ctx.baseline) {
    settling = await waitForThermalSettling({
      baseline: ctx.baseline,
      maxWaitS: m.settling.maxWaitS,
      temperatureBandC: m.settling.temperatureBandC,
      signal: ctx.signal,
    });
  } else if (m.settling.mode === "gap" && m.settling.gapS > 0) {
    settling = await fixedGap(m.settling.gapS, ctx.signal);
  }
  const settlingS = (Date.now() - settleStart) / 1000;
  if (settling && "settled" in settling && !settling.settled) {
    warnings.push({ code: "not-settled", message: `thermal settling gave up: ${settling.reason ?? "not back to baseline"}` });
  }

  const phaseShift = planPhaseShift(m.phaseShift, ctx.previousWindowS ?? null);
  await applyPhaseShift(phaseShift, ctx.signal);
  const recorder = new Recorder({ devices: ctx.devices, intervalMs: m.intervalMs });
  let backend: BackendOutcome;
  try {
    backend = await runBackend({
      config: cfg,
      slug: ctx.experiment.slug,
      runDir: ctx.runDir,
      runName: `${ctx.studyName}-${ctx.position + 1}-${ctx.experiment.hash.slice(0, 8)}`,
      prompts: ctx.dataset.prompts,
      promptsFile: ctx.dataset.file,
      gpuUuids: ctx.gpuUuids,
      baseDir: ctx.baseDir,
      runTimeoutMs: ctx.runTimeoutS * 1000,
      silenceTimeoutMs: ctx.silenceTimeoutS * 1000,
      signal: ctx.signal,
      onSpawn: (pid) => ctx.onSpawn(pid, processStartTicks(pid)),
    });
    // Samples past the window's end (two intervals, however late the sampling thread runs).
    await recorder.waitForSamplesAfter((backend.window?.endNs ?? backend.endedNs) + BigInt(Math.round(2 * m.intervalMs * 1e6)));
  } finally {
    recorder.stop();
  }
  const series = recorder.series();
  const window = backend.window ?? { source: "lifetime" as const, startNs: backend.startedNs, endNs: backend.endedNs };
  let status: RunResult["status"] = backend.status;
  let failure: RunResult["failure"] | undefined = backend.failure;
  for (const w of backend.warnings) warnings.push(w); // never spread: a child may cause many
  if (ctx.dataset.truncated > 0) {
    warnings.push({ code: "dataset-truncated", message: `${ctx.dataset.truncated} prompt(s) were longer than generation.maxInputTokens and were truncated` });
  }

  const idle = ctx.baseline ? usableBaselinePower(ctx.baseline.devices) : undefined;
  if (idle) warnings.push(...idle.warnings);
  const baselinePower = idle?.power;
  const accountWindow = (startNs: bigint, endNs: bigint) =>
    energyOfWindow(series, {
      startNs,
      endNs,
      intervalNs: m.intervalMs * 1e6,
      ...(baselinePower ? { baseline: baselinePower } : {}),
      persistenceMode: ctx.persistenceMode,
      simulated: ctx.simulated,
      powerSources: Object.fromEntries(recorder.sampler.summary().devices.map((d) => [d.uuid, d.sources])),
    });
  let energy: WindowEnergy | null = null;
  if (window.endNs > window.startNs) {
    energy = accountWindow(window.startNs, window.endNs);
    for (const w of energy.warnings) warnings.push(w);
  }
  const counts = backend.requests;
  if ((isServerBackend(cfg.backend) && !cfg.server?.url) || cfg.docker) {
    // A stopped engine (a server, or anything in a container, which `docker kill` leaves to
    // tear down) frees its GPU memory asynchronously: wait for it here, so that the next run
    // starts on empty GPUs, and say so in this run's result when it does not go.
    const released = await checkResidualMemory({
      devices: ctx.devices,
      thresholdMiB: m.residualMemoryThresholdMiB,
      waitMs: m.residualMemoryWaitS * 1000,
      signal: ctx.signal,
    });
    backend.details.memoryReleaseWaitS = released.waitedMs / 1000;
    for (const message of released.warnings) warnings.push({ code: "memory-not-released", message: `after the ${isServerBackend(cfg.backend) ? "server" : "container"} stopped: ${message}` });
  }
  const failures = deviceFailures(recorder.sampler.summary(), window.startNs);
  for (const w of deviceFailureWarnings(failures)) warnings.push(w);
  const windowS = Number(window.endNs - window.startNs) / 1e9;
  const derived = computeDerived({
    energyJ: energy?.total.energyJ ?? null,
    adjustedEnergyJ: energy?.total.adjustedEnergyJ ?? null,
    windowS,
    inputTokens: counts.inputTokens,
    outputTokens: counts.outputTokens,
    requests: counts.requests,
    latenciesNs: counts.latenciesNs,
  });
  const steadyState = steadyStateResult(backend, accountWindow);
  if (status === "completed" && (energy === null || energy.total.energyJ === null)) {
    status = "failed";
    failure = {
      message:
        failures.length > 0
          ? `GPU ${failures.map((f) => f.index).join(", ")} failed during the run (${failures[0]!.nvmlName}); the run's energy is unknown`
          : energy && energy.devices.some((d) => d.energyJ === null)
            ? `the run's energy is unknown: ${energy.devices.filter((d) => d.energyJ === null).map((d) => `GPU ${d.index}: ${d.methodReason}`).join("; ")}`
            : "no GPU samples cover the measurement window; the run's energy is unknown",
    };
  }
  const engineVersion = backend.engine?.version ?? null;
  const endedAt = new Date();

  const result: RunResult = {
    schemaVersion: 1,
    identity: {
      lemVersion: version,
      studyName: ctx.studyName,
      configHash: ctx.experiment.hash,
      slug: ctx.experiment.slug,
      backend: cfg.backend,
      engineVersion,
      model: cfg.model,
      cycle: ctx.cycle,
      position: ctx.position,
    },
    // Recorded with every secret redacted (results are published); the child had the real values.
    config: redactRecordedConfig(cfg) as unknown as Record<string, unknown>,
    status,
    ...(failure ? { failure: { ...failure, message: redactText(failure.message) } } : {}),
    simulated: ctx.simulated,
    timings: {
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      wallS: (endedAt.getTime() - startedAt.getTime()) / 1000,
      settlingS,
      windowS,
    },
    window: { source: window.source, startNs: window.startNs.toString(), endNs: window.endNs.toString() },
    energy: energy ? energyFromWindow(energy) : { totalJ: null, adjustedTotalJ: null, devices: [] },
    ...derived,
    thermal: {
      settling: settling
        ? {
            mode: m.settling.mode,
            waitedS: settling.waitedS,
            settled: "settled" in settling ? settling.settled : true,
            startTemperatureC: "devices" in settling ? (settling.devices[0]?.startTemperatureC ?? null) : null,
          }
        : null,
    },
    warnings: warnings.map((w) => ({ ...w, message: redactText(w.message) })),
    engine: redactRecordedConfig(backend.engine),
    requestOutcomes: { failed: counts.failed, errors: counts.errors },
    ...(steadyState ? { steadyState } : {}),
    dataset: ctx.dataset.source,
    backendDetails: redactRecordedConfig(backend.details),
    preflight: ctx.preflight,
    baseline: ctx.baseline,
    environment: ctx.environment,
    phaseShift,
    placement: ctx.placement,
  };
  // The timeseries first: a result.json that exists always has its samples beside it.
  await writeTimeseriesParquet(join(ctx.runDir, "timeseries.parquet"), series, window);
  if (backend.records) writeRequestsJsonl(join(ctx.runDir, "requests.jsonl"), backend.records, window.startNs);
  writeRunResult(ctx.runDir, result);
  return { result, resultPath: join(ctx.runDir, "result.json"), ...(backend.stopStudy ? { stopStudy: backend.stopStudy } : {}) };
}
