/**
 * Measures the GPU energy of one command, like `time` measures its duration: pre-flight,
 * optional baseline, sampler started, command run (its window marks honoured), energy of
 * the window accounted. Composes gpu, measure, preflight and backends.
 */
import { runCommand, type CommandRun } from "../backends/run-command.js";
import { markedWindow, markedWindowProblem } from "../backends/protocol.js";
import { listDevices } from "../gpu/devices.js";
import { resolveCudaVisibleDevices } from "../gpu/cuda-visible-devices.js";
import { checkResidualMemory, type ResidualMemoryReport } from "../gpu/residual-memory.js";
import type { SamplerTiming } from "../gpu/power-sampler.js";
import { activeSimulation, simulatedTruthEnergyJ } from "../gpu/provider.js";
import { type Baseline } from "../measure/baseline.js";
import { getBaseline, type BaselineOutcome } from "../measure/baseline-cache.js";
import { usableBaselinePower } from "../measure/baseline-validity.js";
import { deviceFailures, deviceFailureWarnings } from "../measure/device-failures.js";
import { Recorder } from "../measure/recorder.js";
import type { DeviceSeries } from "../measure/timeline.js";
import { energyOfWindow, type WindowEnergy } from "../measure/window-energy.js";
import { runPreflight } from "../preflight/run-preflight.js";
import type { PreflightReport } from "../preflight/types.js";
import { version } from "../version.js";
import { migWarnings } from "./mig-warnings.js";
import { redactArgv, redactText } from "../redact/index.js";

export interface MeasureCommandOptions {
  command: string;
  args: string[];
  /** Which GPUs, as CUDA_VISIBLE_DEVICES would select them; default lem's own (unset: all). */
  cudaVisibleDevices?: string;
  /** Sampling interval, default 10 ms. */
  intervalMs?: number;
  /** Measure (or reuse a cached) idle baseline first. */
  baseline?: { durationS?: number; useCache?: boolean } | false;
  skipPreflight?: boolean;
  /** Memory in use beyond the idle level that draws a warning before the command runs; default 100 MiB. */
  residualThresholdMiB?: number;
  /** Send the command's standard output to standard error (keeps stdout for lem's JSON). */
  commandStdoutToStderr?: boolean;
  /** Called once the sampler runs and the command is about to start. */
  onStart?: (info: { devices: number[]; simulated: boolean }) => void;
}

export interface CommandMeasurement {
  schemaVersion: 1;
  lemVersion: string;
  simulated: boolean;
  command: { command: string; args: string[]; exitCode: number | null; signal: string | null; durationS: number };
  window: { source: "protocol" | "lifetime"; startNs: bigint; endNs: bigint };
  energy: WindowEnergy;
  baseline: (BaselineOutcome & { baseline: Baseline }) | null;
  preflight: PreflightReport;
  /** GPU memory already in use before the command started, and by whom. */
  residualMemory: ResidualMemoryReport;
  sampler: SamplerTiming & { failures: { index: number; nvmlName: string; function: string; atS: number }[] };
  protocol: { events: number; problems: { line: number; problem: string }[] };
  /** On the simulated GPU only: the exact energy of the window, for validation. */
  simulatedTruth?: { index: number; energyJ: number }[];
}


/** GPUs (NVML indices) a CUDA_VISIBLE_DEVICES value selects, each physical GPU once. */
function selectedGpus(spec: string | undefined): number[] {
  return [...new Set(resolveCudaVisibleDevices(spec).devices.map((d) => d.nvmlIndex))].sort((a, b) => a - b);
}

export async function measureCommand(o: MeasureCommandOptions): Promise<{ measurement: CommandMeasurement; timeline: DeviceSeries[] }> {
  const spec = o.cudaVisibleDevices ?? process.env.CUDA_VISIBLE_DEVICES;
  const preflight = await runPreflight({
    ...(spec !== undefined ? { cudaVisibleDevices: spec } : {}),
    command: { executable: o.command },
    skip: o.skipPreflight ?? false,
  });
  const devices = preflight.skipped ? selectedGpus(spec) : [...new Set(preflight.gpus.map((g) => g.nvmlIndex))].sort((a, b) => a - b);
  const intervalMs = o.intervalMs ?? 10;
  const baseline =
    o.baseline === false || o.baseline === undefined
      ? null
      : await getBaseline({
          devices,
          ...(o.baseline.durationS !== undefined ? { durationS: o.baseline.durationS } : {}),
          ...(o.baseline.useCache === false ? { ttlS: 0 } : {}),
        });

  const residualMemory = await checkResidualMemory({ devices, thresholdMiB: o.residualThresholdMiB ?? 100 });
  const facts = listDevices();
  const simulated = activeSimulation() !== undefined;
  const recorder = new Recorder({ devices, intervalMs });
  // Ctrl-C reaches the command from the terminal; lem stays to account for the energy.
  const ignoreInterrupt = () => {};
  process.on("SIGINT", ignoreInterrupt);
  let run: CommandRun;
  try {
    o.onStart?.({ devices, simulated });
    run = await runCommand(o.command, o.args, {
      // The command runs on the GPUs that are measured: --devices is its CUDA_VISIBLE_DEVICES too.
      ...(o.cudaVisibleDevices !== undefined ? { env: { ...process.env, CUDA_VISIBLE_DEVICES: o.cudaVisibleDevices } } : {}),
      forwardSignals: ["SIGTERM", "SIGHUP"],
      ...(o.commandStdoutToStderr ? { stdout: "stderr" as const } : {}),
    });
    // Samples on both sides of the window's end let its edge be interpolated.
    await recorder.waitForSamplesAfter(run.endedNs + BigInt(Math.round(2 * intervalMs * 1e6)));
  } finally {
    process.off("SIGINT", ignoreInterrupt);
    recorder.stop();
  }
  const summary = recorder.sampler.summary();
  const marked = markedWindow(run.events);
  const window = marked
    ? { source: "protocol" as const, ...marked }
    : { source: "lifetime" as const, startNs: run.startedNs, endNs: run.endedNs };
  const series = recorder.series();
  const idle = baseline ? usableBaselinePower(baseline.baseline.devices) : undefined;
  const energy = energyOfWindow(series, {
    startNs: window.startNs,
    endNs: window.endNs,
    intervalNs: intervalMs * 1e6,
    ...(idle ? { baseline: idle.power } : {}),
    persistenceMode: Object.fromEntries(facts.map((f) => [f.uuid, f.persistenceMode])),
    simulated,
    powerSources: Object.fromEntries(summary.devices.map((d) => [d.uuid, d.sources])),
  });
  const failures = deviceFailures(summary, window.startNs);
  for (const message of residualMemory.warnings) energy.warnings.push({ code: "residual-memory", message });
  if (idle) for (const w of idle.warnings) energy.warnings.push(w);
  for (const w of migWarnings(devices)) energy.warnings.push(w);
  for (const w of deviceFailureWarnings(failures)) energy.warnings.push(w);
  const markProblem = markedWindowProblem(run.events);
  if (markProblem) energy.warnings.push({ code: "protocol", message: `${markProblem}: the whole lifetime was measured instead` });
  const measurement: CommandMeasurement = {
    schemaVersion: 1,
    lemVersion: version,
    simulated,
    command: {
      command: redactText(o.command),
      // Recorded (and printed) with secrets redacted: the command itself got the real arguments.
      args: redactArgv(o.args),
      exitCode: run.exitCode,
      signal: run.signal,
      durationS: Number(run.endedNs - run.startedNs) / 1e9,
    },
    window,
    energy,
    baseline,
    preflight,
    residualMemory,
    sampler: { ...summary.timing, failures },
    protocol: { events: run.events.length, problems: run.protocolProblems.map((p) => ({ line: p.line, problem: p.problem })) },
    ...(simulated
      ? { simulatedTruth: devices.map((index) => ({ index, energyJ: simulatedTruthEnergyJ(index, window.startNs, window.endNs) })) }
      : {}),
  };
  return { measurement, timeline: series };
}
