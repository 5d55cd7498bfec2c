/**
 * One planned run of a study, measured by the process a scheduler started for it: a Slurm
 * array task (`lem run-one DIR --index N`), and later e.g. a Kubernetes Indexed Job. It
 * measures only the GPUs it was given (CUDA_VISIBLE_DEVICES mapped to NVML by UUID), runs
 * pre-flight, the residual-memory check, settling and the baseline (cached per node) there,
 * and writes nothing but its own run's files: its state file, its result, its evidence.
 * A run already completed is left alone (requeue, resubmission); a run found "running" was
 * cut short by the node or the scheduler, and is measured again from scratch, its earlier
 * attempt's files kept beside it.
 */
import { join } from "node:path";
import { loadStudy } from "../../config/load.js";
import { loadDataset } from "../../datasets/index.js";
import { collectEnvironment } from "../../environment/index.js";
import { LemError } from "../../errors.js";
import { listDevices } from "../../gpu/devices.js";
import { acquireGpuLocks, type GpuLockSet } from "../../gpu/gpu-lock.js";
import { activeSimulation } from "../../gpu/provider.js";
import { resolveCudaVisibleDevices } from "../../gpu/cuda-visible-devices.js";
import { getBaseline } from "../../measure/baseline-cache.js";
import { BaselineInterruptedError, type Baseline } from "../../measure/baseline.js";
import { PreflightError } from "../../preflight/preflight-error.js";
import { runPreflight } from "../../preflight/run-preflight.js";
import { redactText } from "../../redact/index.js";
import { runDirOf } from "../../study-format/layout.js";
import { Manifest, studyDifferences } from "../../study-format/manifest.js";
import type { Placement } from "../../study-format/placement.js";
import { isRunDone, type RunStatus } from "../../study-format/run-status.js";
import { archiveEarlierAttempt } from "../../study/attempts.js";
import { backendPreflight } from "../../study/backend-preflight.js";
import { studyPythonFields } from "../../study/backend-python.js";
import { isDiskFull } from "../../study/disk-full.js";
import { requireStudyFile } from "../../study/resume-study-file.js";
import { executeRun } from "../../study/run-one.js";
import { runPlacement } from "../../study/run-placement.js";
import { StudyChangedError } from "../../study/study-changed.js";
import { killActiveChildrenSync } from "../../backends/child-process.js";
import { dirname, resolve } from "node:path";
import { relative } from "node:path";

export interface RunTaskOptions {
  dir: string;
  /** The planned run's position (0-based). */
  index: number;
  executor: Placement["executor"];
  /** Aborted when the scheduler asks the task to stop (USR1 before the time limit, SIGTERM). */
  signal: AbortSignal;
  skipPreflight?: boolean;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface RunTaskOutcome {
  position: number;
  /** "already-done": the run was completed before; nothing was measured. */
  status: RunStatus | "already-done";
  error: string | null;
  manifest: Manifest;
}

export class RunIndexError extends LemError {
  constructor(dir: string, index: number, runs: number) {
    super("LEM_USAGE", `the study in ${dir} has ${runs} planned run(s), numbered 0 to ${runs - 1}; there is no run ${index}.`);
  }
}

export async function runTask(o: RunTaskOptions): Promise<RunTaskOutcome> {
  const env = o.env ?? process.env;
  const log = o.log ?? (() => {});
  const dir = resolve(o.dir);
  const manifest = Manifest.load(dir, { writeIndex: false });
  for (const w of manifest.warnings) log(`warning: ${w}`);
  if (!Number.isInteger(o.index) || o.index < 0 || o.index >= manifest.data.runs.length) throw new RunIndexError(dir, o.index, manifest.data.runs.length);
  const r = manifest.run(o.index);
  if (isRunDone(r.status)) {
    log(`run ${r.position + 1} (${r.slug}, cycle ${r.cycle + 1}) is ${r.status} already: nothing to do`);
    return { position: r.position, status: "already-done", error: null, manifest };
  }
  requireStudyFile(dir, manifest.data.study.file);
  const loaded = await loadStudy(manifest.data.study.file);
  const diffs = studyDifferences(manifest.data, {
    experiments: loaded.expansion.experiments.map((e) => ({ hash: e.hash, slug: e.slug })),
    execution: loaded.study.execution as unknown as Record<string, unknown>,
  });
  if (diffs.length) throw new StudyChangedError(dir, diffs);
  const experiment = loaded.expansion.experiments[r.experiment]!;
  const baseDir = dirname(resolve(loaded.file));
  const cfg = experiment.config;

  if (r.status === "running") {
    // This task was started again while its run was in progress: the node failed, or Slurm requeued or cancelled it.
    manifest.update(r.position, { status: "interrupted", child: null, endedAt: null, error: "the run's task was stopped while the run was in progress (node failure, requeue or cancellation); measured again from scratch" });
  }
  const runDir = join(dir, runDirOf(r));
  archiveEarlierAttempt(manifest, dir, runDir, r.position);
  manifest.update(r.position, {
    status: "running",
    attempts: r.attempts + 1,
    startedAt: new Date().toISOString(),
    endedAt: null,
    error: null,
    child: null,
    placement: runPlacement(o.executor, [], [], env),
  });
  log(`run ${r.position + 1} (${r.slug}, cycle ${r.cycle + 1}), attempt ${r.attempts}`);

  const fail = (status: "failed" | "interrupted", message: string): RunTaskOutcome => {
    const error = redactText(message);
    manifest.update(r.position, { status, endedAt: new Date().toISOString(), error, child: null });
    log(`run ${r.position + 1} ${status}: ${error}`);
    return { position: r.position, status, error, manifest };
  };

  let locks: GpuLockSet | undefined;
  const releaseOnExit = () => {
    killActiveChildrenSync();
    locks?.releaseSync();
  };
  process.once("exit", releaseOnExit);
  try {
    // The GPUs the scheduler gave this task, as NVML knows them (by UUID: a device cgroup renumbers them from 0).
    const needs = backendPreflight(cfg, baseDir, `${loaded.file}: ${experiment.slug}`);
    let devices: number[];
    let preflight = { skipped: false, warnings: [] as string[] };
    try {
      const report = await runPreflight({
        cudaVisibleDevices: env.CUDA_VISIBLE_DEVICES,
        ...needs.request,
        checks: needs.checks,
        outputDir: dir,
        skip: o.skipPreflight ?? false,
      });
      preflight = { skipped: report.skipped, warnings: report.warnings.map((w) => w.message) };
      devices = report.skipped ? resolveCudaVisibleDevices(env.CUDA_VISIBLE_DEVICES).devices.map((d) => d.nvmlIndex) : report.gpus.map((g) => g.nvmlIndex);
      devices = [...new Set(devices)].sort((a, b) => a - b);
    } catch (error) {
      if (error instanceof PreflightError) return fail("failed", `pre-flight on this node failed: ${error.message}`);
      throw error;
    }
    const facts = listDevices();
    const placement = runPlacement(o.executor, devices, facts, env);
    manifest.update(r.position, { placement });
    const uuids = placement.gpus.map((g) => g.uuid);
    locks = await acquireGpuLocks(uuids, { study: `${loaded.study.name} (${dir}) run ${r.position + 1}` });

    const environment = (await collectEnvironment({ python: false })) as unknown as Record<string, unknown>;
    Object.assign(environment, await studyPythonFields([experiment]));
    let baseline: Baseline | null = null;
    if (cfg.measurement.baseline.enabled) {
      try {
        baseline = (
          await getBaseline({
            devices,
            durationS: cfg.measurement.baseline.durationS,
            ttlS: cfg.measurement.baseline.cacheTtlS,
            ...(cfg.docker ? { context: `docker:${cfg.docker.image}` } : {}),
            signal: o.signal,
          })
        ).baseline;
      } catch (error) {
        if (!(error instanceof BaselineInterruptedError)) throw error;
        return fail("interrupted", "stopped during the idle baseline");
      }
    }
    if (o.signal.aborted) return fail("interrupted", "stopped before the run started");
    const dataset = loadDataset(cfg, baseDir);
    const outcome = await executeRun({
      studyName: loaded.study.name,
      studyDir: dir,
      runDir,
      position: r.position,
      cycle: r.cycle,
      experiment,
      devices,
      persistenceMode: Object.fromEntries(facts.map((f) => [f.uuid, f.persistenceMode])),
      simulated: activeSimulation() !== undefined,
      baseline,
      environment,
      preflight,
      runTimeoutS: loaded.study.execution.runTimeoutS,
      silenceTimeoutS: loaded.study.execution.silenceTimeoutS,
      signal: o.signal,
      onSpawn: (pid, startTicks) => {
        manifest.update(r.position, { child: { pid, startTicks } });
        locks?.recordChild(pid);
      },
      gpuUuids: uuids,
      baseDir,
      dataset: {
        prompts: dataset.prompts,
        truncated: dataset.truncated,
        source: dataset.source as unknown as Record<string, unknown>,
        file: join(dir, "prompts", `${experiment.hash.slice(0, 8)}.jsonl`),
      },
      previousWindowS: null,
      placement,
    });
    const res = outcome.result;
    const error = res.failure?.message ?? null;
    manifest.update(r.position, { status: res.status, endedAt: res.timings.endedAt, resultPath: relative(dir, outcome.resultPath), error, child: null });
    log(`run ${r.position + 1} ${res.status}${error ? `: ${error}` : ""}${res.energy.totalJ !== null ? ` (${res.energy.totalJ.toFixed(2)} J)` : ""}`);
    return { position: r.position, status: res.status, error, manifest };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isDiskFull(error)) {
      try {
        fail("interrupted", `the disk filled during this run: ${message}`);
      } catch {
        // still full: the state file on disk is the last one written whole ("running"), which a restart recovers
      }
      throw error;
    }
    // A run that cannot even be attempted on this node (locks, I/O) fails with the reason; the study goes on.
    return fail(o.signal.aborted ? "interrupted" : "failed", message);
  } finally {
    await locks?.release();
    process.off("exit", releaseOnExit);
  }
}
