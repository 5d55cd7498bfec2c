/**
 * One planned run of a study: residual memory check, settling, sampler, the backend child,
 * the energy of its window, and the result files. Composes gpu, measure, backends, results.
 */
import { join } from "node:path";
import { fillArgv } from "../backends/command-template.js";
import { runChild, processStartTicks, type ChildOutcome } from "../backends/child-process.js";
import { markedWindow, requestsInWindow, windowWithinLifetime, type ChildEvent } from "../backends/protocol.js";
import { checkResidualMemory } from "../gpu/residual-memory.js";
import type { ResolvedExperiment } from "../config/sweep.js";
import type { Baseline } from "../measure/baseline.js";
import type { MeasurementWarning } from "../measure/measurement-warning.js";
import { fixedGap, waitForThermalSettling, type ThermalSettling } from "../measure/thermal-settling.js";
import { deviceFailures, deviceFailureWarnings } from "../measure/device-failures.js";
import { Recorder } from "../measure/recorder.js";
import { energyOfWindow, type WindowEnergy } from "../measure/window-energy.js";
import { computeDerived, energyFromWindow, type RunResult } from "../results/result-schema.js";
import { writeTimeseriesParquet } from "../results/timeseries-parquet.js";
import { writeRunResult } from "../results/write-result.js";
import { version } from "../version.js";

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
}

export interface RunOutcome {
  result: RunResult;
  resultPath: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function latencies(events: ChildEvent[]) {
  const ttft: number[] = [];
  const interToken: number[] = [];
  const request: number[] = [];
  let input = 0;
  let output = 0;
  let requests = 0;
  let sawInput = false;
  let sawOutput = false;
  for (const e of events) {
    if (e.event !== "request") continue;
    requests++;
    if (e.input_tokens !== undefined) {
      input += e.input_tokens;
      sawInput = true;
    }
    if (e.output_tokens !== undefined) {
      output += e.output_tokens;
      sawOutput = true;
    }
    if (e.ttft_ns !== undefined) ttft.push(e.ttft_ns);
    if (e.latency_ns !== undefined) request.push(e.latency_ns);
    const it = (e as { inter_token_ns?: unknown }).inter_token_ns;
    if (typeof it === "number") interToken.push(it);
  }
  return {
    inputTokens: sawInput ? input : null,
    outputTokens: sawOutput ? output : null,
    requests: requests > 0 ? requests : null,
    latenciesNs: { ttft, interToken, request },
  };
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
  });
  for (const message of residual.warnings) warnings.push({ code: "residual-memory", message });

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
    settling = await fixedGap(m.settling.gapS);
  }
  const settlingS = (Date.now() - settleStart) / 1000;
  if (settling && "settled" in settling && !settling.settled) {
    warnings.push({ code: "not-settled", message: `thermal settling gave up: ${settling.reason ?? "not back to baseline"}` });
  }

  const command = cfg.command!;
  const argv = fillArgv(command.argv, cfg as unknown as Record<string, unknown>, ctx.experiment.slug);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, command.env);
  if (cfg.devices !== undefined) env.CUDA_VISIBLE_DEVICES = cfg.devices;
  // The backend runs this many warm-up requests before it opens its window.
  env.LEM_WARMUP_REQUESTS = String(m.warmupRequests);

  const recorder = new Recorder({ devices: ctx.devices, intervalMs: m.intervalMs });
  let child: ChildOutcome;
  try {
    child = await runChild({
      argv,
      env,
      ...(command.cwd ? { cwd: command.cwd } : {}),
      logFile: join(ctx.runDir, "child.log"),
      runTimeoutMs: ctx.runTimeoutS * 1000,
      silenceTimeoutMs: ctx.silenceTimeoutS * 1000,
      signal: ctx.signal,
      onSpawn: (pid) => ctx.onSpawn(pid, processStartTicks(pid)),
    });
    await sleep(Math.max(20, 2 * m.intervalMs)); // samples past the window's end
  } finally {
    recorder.stop();
  }
  const series = recorder.series();
  let marked = command.measure === "lifetime" ? undefined : markedWindow(child.events);
  if (marked && !windowWithinLifetime(marked, child)) {
    warnings.push({
      code: "protocol",
      message:
        `the window the child marked (${marked.startNs}..${marked.endNs} ns) lies outside its own lifetime ` +
        `(${child.startedNs}..${child.endedNs} ns): its marks are not CLOCK_MONOTONIC ns (use time.monotonic_ns() or ` +
        `process.hrtime.bigint()); the whole lifetime was measured instead.`,
    });
    marked = undefined;
  }
  const window = marked
    ? { source: "protocol" as const, ...marked }
    : { source: "lifetime" as const, startNs: child.startedNs, endNs: child.endedNs };

  let status: RunResult["status"] = "completed";
  let failure: RunResult["failure"] | undefined;
  const errorEvent = child.events.find((e) => e.event === "error") as { message?: string } | undefined;
  if (child.stopReason === "aborted") {
    status = "interrupted";
    failure = { message: "interrupted: the study was stopped during this run" };
  } else if (child.spawnError) {
    status = "failed";
    failure = { message: `the command could not be started: ${child.spawnError}` };
  } else if (child.stopReason === "timeout") {
    status = "failed";
    failure = { message: `the run exceeded its time limit of ${ctx.runTimeoutS} s and was stopped` };
  } else if (child.stopReason === "silence") {
    status = "failed";
    failure = { message: `the child was silent for more than ${ctx.silenceTimeoutS} s and was stopped` };
  } else if (child.exitCode !== 0) {
    status = "failed";
    failure = {
      message: `the child ${child.signal ? `was ended by ${child.signal}` : `exited with code ${child.exitCode}`}${errorEvent?.message ? `: ${errorEvent.message}` : ""} (see child.log)`,
      ...(child.exitCode !== null ? { exitCode: child.exitCode } : {}),
      ...(child.signal ? { signal: child.signal } : {}),
    };
  } else if (command.measure === "window" && !marked) {
    status = "failed";
    failure = { message: "the child marked no measurement window on fd 3 (command.measure is \"window\")" };
  }

  let energy: WindowEnergy | null = null;
  if (window.endNs > window.startNs) {
    energy = energyOfWindow(series, {
      startNs: window.startNs,
      endNs: window.endNs,
      intervalNs: m.intervalMs * 1e6,
      ...(ctx.baseline
        ? { baseline: ctx.baseline.devices.flatMap((d) => (d.meanW === null ? [] : [{ uuid: d.uuid, meanW: d.meanW }])) }
        : {}),
      persistenceMode: ctx.persistenceMode,
      simulated: ctx.simulated,
    });
    warnings.push(...energy.warnings);
  }
  for (const p of child.protocolProblems) {
    warnings.push({ code: "protocol", message: `fd 3 line ${p.line} ignored: ${p.problem}` });
  }
  const requests = requestsInWindow(child.events, marked !== undefined);
  if (requests.outside > 0) {
    warnings.push({
      code: "protocol",
      message: `${requests.outside} request(s) reported outside the measurement window were not counted (their energy is not in the window either).`,
    });
  }
  const counts = latencies(requests.inside);
  const failures = deviceFailures(recorder.sampler.summary(), window.startNs);
  warnings.push(...deviceFailureWarnings(failures));
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
  if (status === "completed" && (energy === null || energy.total.energyJ === null)) {
    status = "failed";
    failure = {
      message:
        failures.length > 0
          ? `GPU ${failures.map((f) => f.index).join(", ")} failed during the run (${failures[0]!.nvmlName}); the run's energy is unknown`
          : "no GPU samples cover the measurement window; the run's energy is unknown",
    };
  }
  const resultEvent = child.events.find((e) => e.event === "result") as Record<string, unknown> | undefined;
  const engineVersion = typeof resultEvent?.engine_version === "string" ? resultEvent.engine_version : null;
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
    config: cfg as unknown as Record<string, unknown>,
    status,
    ...(failure ? { failure } : {}),
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
    warnings,
    preflight: ctx.preflight,
    baseline: ctx.baseline,
    environment: ctx.environment,
  };
  // The timeseries first: a result.json that exists always has its samples beside it.
  await writeTimeseriesParquet(join(ctx.runDir, "timeseries.parquet"), series, window);
  writeRunResult(ctx.runDir, result);
  return { result, resultPath: join(ctx.runDir, "result.json") };
}
