/**
 * The local executor: runs a study in this process: loads and expands it, plans the runs, checks once (pre-flight, GPU locks,
 * environment, baseline), then executes every planned run that is not completed yet,
 * updating the manifest after each change, and writes the study's statistics at the end.
 */
import { mkdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { hostname } from "node:os";
import { loadStudy, type LoadedStudy } from "../../config/load.js";
import { LemError } from "../../errors.js";
import { writeFileAtomic } from "../../fs/atomic-write.js";
import { listDevices } from "../../gpu/devices.js";
import { acquireGpuLocks, type GpuLockSet } from "../../gpu/gpu-lock.js";
import { activeSimulation } from "../../gpu/provider.js";
import { collectEnvironment } from "../../environment/index.js";
import { getBaseline } from "../../measure/baseline-cache.js";
import { BaselineInterruptedError, type Baseline } from "../../measure/baseline.js";
import { runPreflight } from "../../preflight/run-preflight.js";
import { runDirName, studyPaths } from "../../study-format/layout.js";
import type { StudyStatus } from "../../study-format/study-status.js";
import { Manifest, studyDifferences } from "../../study-format/manifest.js";
import { CircuitBreaker } from "../../study/circuit-breaker.js";
import { StudyChangedError } from "../../study/study-changed.js";
import { writeStudyResults } from "../../study/merge-study.js";
import { executeRun } from "../../study/run-one.js";
import { runPlacement } from "../../study/run-placement.js";
import { acquireStudyLock, type StudyLock } from "../../study/study-lock.js";
import { requireStudyFile } from "../../study/resume-study-file.js";
import { killActiveChildrenSync, processStartTicks } from "../../backends/child-process.js";
import { resolveCudaVisibleDevices } from "../../gpu/cuda-visible-devices.js";
import { backendPreflight } from "../../study/backend-preflight.js";
import { PreflightCollector } from "../../study/preflight-collector.js";
import { studyPythonFields } from "../../study/backend-python.js";
import { startIdleContainer } from "../../study/docker-baseline.js";
import { createStudyDir, removeStudyDir } from "../../study/study-dir.js";
import { isDiskFull, stopForFullDisk } from "../../study/disk-full.js";
import { archiveEarlierAttempt } from "../../study/attempts.js";
import { retryDamagedResults } from "../../study/damaged-results.js";
import { redactRecordedConfig, redactText } from "../../redact/index.js";
import { abortableSleep } from "../../timing/abortable-sleep.js";
import { loadDatasets, newManifest, planOf, studyDirName, validateTemplates, writePromptFiles, type LoadedDataset } from "../../study/prepare-study.js";
import type { RunStudyOptions, StudyOutcome } from "../study-events.js";


/** Stops a child a killed lem left running (same pid and start time), and marks its run interrupted. */
function recoverAbandonedRuns(manifest: Manifest): void {
  for (const r of manifest.data.runs) {
    if (r.status !== "running") continue;
    // A pid means something only on the machine that recorded it (a study directory may be shared).
    const here = !r.placement || r.placement.hostname === hostname();
    if (here && r.child && r.child.startTicks !== null && processStartTicks(r.child.pid) === r.child.startTicks) {
      try {
        process.kill(-r.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    manifest.update(r.position, { status: "interrupted", child: null, error: "lem stopped during this run" });
  }
}

export async function runLocalStudy(o: RunStudyOptions): Promise<StudyOutcome> {
  // The study's lock is held from before anything in it changes until runStudy returns.
  let studyLock: StudyLock | undefined;
  const releaseLock = () => studyLock?.release();
  process.once("exit", releaseLock);
  try {
    return await runStudyLocked(o, (dir) => (studyLock = acquireStudyLock(dir)));
  } finally {
    releaseLock();
    process.off("exit", releaseLock);
  }
}

async function runStudyLocked(o: RunStudyOptions, lockStudy: (dir: string) => void): Promise<StudyOutcome> {
  let loaded: LoadedStudy;
  let manifest!: Manifest; // assigned on resume, or once pre-flight has passed
  let dir: string;
  let datasets: LoadedDataset[];
  if (o.resumeDir) {
    dir = resolve(o.resumeDir);
    manifest = Manifest.load(dir);
    lockStudy(dir); // before recoverAbandonedRuns: a live lem's child is not abandoned
    requireStudyFile(dir, manifest.data.study.file);
    loaded = await loadStudy(manifest.data.study.file);
    const diffs = studyDifferences(manifest.data, {
      experiments: loaded.expansion.experiments.map((e) => ({ hash: e.hash, slug: e.slug })),
      execution: loaded.study.execution as unknown as Record<string, unknown>,
    });
    if (diffs.length) throw new StudyChangedError(dir, diffs);
    validateTemplates(loaded);
    datasets = loadDatasets(loaded);
    recoverAbandonedRuns(manifest);
    for (const message of retryDamagedResults(manifest, dir)) o.onEvent?.({ type: "warning", message });
  } else {
    if (!o.studyFile) throw new LemError("LEM_USAGE", "runStudy needs a study file or a directory to resume");
    loaded = await loadStudy(o.studyFile);
    validateTemplates(loaded);
    datasets = loadDatasets(loaded);
    // The study directory is created once pre-flight has passed (below): a failed check leaves nothing.
    dir = resolve(o.outputDir ?? resolve(loaded.file, "..", loaded.study.output.dir));
  }
  const experiments = loaded.expansion.experiments;
  const ex = loaded.study.execution;
  const first = experiments[0]!.config;

  // Pre-flight once per distinct GPU selection and program; each experiment samples its own GPUs.
  const gpusOf = new Map<string, number[]>();
  const preflightWarnings: string[] = [];
  let preflightSkipped = false;
  const baseDir = dirname(resolve(loaded.file));
  const preflightKeyOf = new Map<number, string>();
  const preflightFailures = new PreflightCollector();
  for (const [i, e] of experiments.entries()) {
    const spec = e.config.devices;
    const needs = backendPreflight(e.config, baseDir, `${loaded.file}: ${e.slug}`);
    const key = `${spec ?? "\u0000default"}\u0000${needs.key}`;
    preflightKeyOf.set(i, key);
    if (gpusOf.has(key)) continue;
    const report = await preflightFailures.collect(() =>
      runPreflight({
        ...(spec !== undefined ? { cudaVisibleDevices: spec } : {}),
        ...needs.request,
        checks: needs.checks,
        outputDir: dir,
        skip: o.skipPreflight ?? false,
      }),
    );
    if (report === null) continue;
    preflightSkipped = report.skipped;
    for (const w of report.warnings) if (!preflightWarnings.includes(w.message)) preflightWarnings.push(w.message);
    const gpus = report.skipped
      ? resolveCudaVisibleDevices(spec ?? process.env.CUDA_VISIBLE_DEVICES).devices.map((d) => d.nvmlIndex)
      : report.gpus.map((g) => g.nvmlIndex);
    gpusOf.set(key, [...new Set(gpus)].sort((a, b) => a - b));
  }
  preflightFailures.throwIfAny();
  let createdDirs: string[] = [];
  if (!o.resumeDir) {
    const study = loaded;
    const created = createStudyDir(dir, studyDirName(loaded), (d) => {
      const m = new Manifest(d, newManifest(study, planOf(study)));
      m.save();
      writeFileAtomic(
        studyPaths(d).configJson,
        `${JSON.stringify(redactRecordedConfig({ study: study.study, experiments: study.expansion.experiments, invalid: study.expansion.invalid }), null, 2)}\n`,
      );
      return m;
    });
    ({ dir, manifest, createdDirs } = created);
    lockStudy(dir);
  }
  let promptFiles: string[];
  try {
    promptFiles = writePromptFiles(dir, experiments, datasets);
  } catch (error) {
    throw isDiskFull(error) ? stopForFullDisk(error, dir, manifest) : error;
  }
  // Only now: without NVML, listing the GPUs would hide every other pre-flight failure behind its own.
  const facts = listDevices();
  const devicesFor = (e: (typeof experiments)[number]) => gpusOf.get(preflightKeyOf.get(experiments.indexOf(e))!)!;
  const devices = [...new Set([...gpusOf.values()].flat())].sort((a, b) => a - b);
  const uuids = devices.map((d) => facts.find((f) => f.index === d)!.uuid);
  const locks: GpuLockSet = await acquireGpuLocks(uuids, { study: `${loaded.study.name} (${dir})` }).catch((error: unknown) => {
    removeStudyDir(createdDirs);
    throw error;
  });
  // On any exit (a second Ctrl-C included) no child may outlive lem holding a GPU lem released.
  const releaseOnExit = () => {
    killActiveChildrenSync();
    locks.releaseSync();
  };
  process.once("exit", releaseOnExit);
  const simulated = activeSimulation() !== undefined;

  try {
    const environment = (await collectEnvironment({ python: false })) as unknown as Record<string, unknown>;
    // The Python of each backend as it runs (its interpreter, or its image), not lem's own.
    Object.assign(environment, await studyPythonFields(experiments));
    writeFileAtomic(studyPaths(dir).environmentJson, `${JSON.stringify(environment, null, 2)}\n`);
    let baseline: Baseline | null = null;
    if (first.measurement.baseline.enabled) {
      // Measured beside an idle container of the image the backend runs in, when it runs in one.
      const idle = first.docker ? await startIdleContainer(first.docker, uuids, `lem-baseline-${process.pid}-${Date.now()}`) : undefined;
      try {
        baseline = (
          await getBaseline({
            devices,
            durationS: first.measurement.baseline.durationS,
            ttlS: first.measurement.baseline.cacheTtlS,
            ...(first.docker ? { context: `docker:${first.docker.image}` } : {}),
            ...(o.signal ? { signal: o.signal } : {}),
          })
        ).baseline;
      } catch (error) {
        // Ctrl-C during the baseline: no baseline, and the loop below ends the study as interrupted.
        if (!(error instanceof BaselineInterruptedError)) throw error;
      } finally {
        await idle?.remove();
      }
    }
    const persistenceMode = Object.fromEntries(facts.map((f) => [f.uuid, f.persistenceMode]));
    const preflightRecord = { skipped: preflightSkipped, warnings: preflightWarnings };

    const total = manifest.data.runs.length;
    const todo = manifest.data.runs.filter((r) => r.status !== "completed" && r.status !== "skipped");
    o.onEvent?.({ type: "study-start", dir, runs: total, pending: todo.length, simulated, devices });
    const breaker = new CircuitBreaker(ex.maxConsecutiveFailures);
    const lastWindowS = new Map<string, number>(); // per configuration, for measurement.phaseShift "auto"
    const startedAt = Date.now();
    let status: StudyStatus = "completed";

    for (const r of todo) {
      if (o.signal?.aborted) {
        status = "interrupted";
        break;
      }
      if (ex.studyTimeoutS !== undefined && Date.now() - startedAt > ex.studyTimeoutS * 1000) {
        status = "stopped";
        break;
      }
      const experiment = experiments[r.experiment]!;
      const runDir = join(dir, runDirName(r.position, r.cycle, experiment.slug, experiment.hash));
      archiveEarlierAttempt(manifest, dir, runDir, r.position);
      mkdirSync(runDir, { recursive: true });
      const placement = runPlacement("local", devicesFor(experiment), facts);
      manifest.update(r.position, { status: "running", attempts: r.attempts + 1, startedAt: new Date().toISOString(), endedAt: null, error: null, placement });
      o.onEvent?.({ type: "run-start", position: r.position, total, slug: experiment.slug, cycle: r.cycle, devices: devicesFor(experiment) });
      let outcome;
      try {
        outcome = await executeRun({
          studyName: loaded.study.name,
          studyDir: dir,
          runDir,
          position: r.position,
          cycle: r.cycle,
          experiment,
          devices: devicesFor(experiment),
          persistenceMode,
          simulated,
          baseline: baseline && { ...baseline, devices: baseline.devices.filter((d) => devicesFor(experiment).includes(d.index)) },
          environment,
          preflight: preflightRecord,
          runTimeoutS: ex.runTimeoutS,
          silenceTimeoutS: ex.silenceTimeoutS,
          signal: o.signal ?? new AbortController().signal,
          onSpawn: (pid, startTicks) => {
            manifest.update(r.position, { child: { pid, startTicks } });
            locks.recordChild(pid); // the child's group holds the GPUs even if lem is killed
          },
          gpuUuids: devicesFor(experiment).map((d) => facts.find((f) => f.index === d)!.uuid),
          baseDir,
          dataset: { ...datasets[r.experiment]!, file: promptFiles[r.experiment]! },
          previousWindowS: lastWindowS.get(experiment.hash) ?? null,
          placement,
        });
      } catch (error) {
        if (isDiskFull(error)) throw error; // stops the study (below), the run marked interrupted
        // A run that cannot even be attempted (template error, I/O) fails; the study goes on.
        const message = redactText(error instanceof Error ? error.message : String(error));
        manifest.update(r.position, { status: "failed", endedAt: new Date().toISOString(), error: message, child: null });
        o.onEvent?.({ type: "run-end", position: r.position, total, slug: experiment.slug, cycle: r.cycle, status: "failed", energyJ: null, energyPerOutputTokenJ: null, windowS: 0, outputTokensPerS: null, error: message });
        if (o.failFast || ex.failFast || breaker.record(false) === "stop") {
          status = "stopped";
          break;
        }
        continue;
      }
      const res = outcome.result;
      if (res.status === "completed") lastWindowS.set(experiment.hash, res.timings.windowS);
      manifest.update(r.position, {
        status: res.status,
        endedAt: res.timings.endedAt,
        resultPath: relative(dir, outcome.resultPath),
        error: res.failure?.message ?? null,
        child: null,
      });
      o.onEvent?.({
        type: "run-end",
        position: r.position,
        total,
        slug: experiment.slug,
        cycle: r.cycle,
        status: res.status,
        energyJ: res.energy.totalJ,
        energyPerOutputTokenJ: res.perToken.energyPerOutputTokenJ,
        windowS: res.timings.windowS,
        outputTokensPerS: res.throughput.outputTokensPerS,
        ...(res.failure ? { error: res.failure.message } : {}),
      });
      if (res.status === "interrupted") {
        status = "interrupted";
        break;
      }
      if (outcome.stopStudy) {
        o.onEvent?.({ type: "study-stopping", reason: outcome.stopStudy });
        status = "stopped";
        break;
      }
      if (res.status === "failed" && (o.failFast || ex.failFast)) {
        status = "stopped";
        break;
      }
      const next = breaker.record(res.status === "completed");
      if (next === "stop") {
        status = "stopped";
        break;
      }
      if (next === "pause-then-trial") {
        o.onEvent?.({ type: "circuit-pause", pauseS: ex.circuitPauseS, failures: breaker.consecutiveFailures });
        await abortableSleep(ex.circuitPauseS * 1000, o.signal);
      }
    }
    const counts = manifest.counts();
    if (status === "completed" && counts.failed > 0) status = "completed-with-failures";
    const { report } = await writeStudyResults(dir, manifest, loaded, status, (message) => o.onEvent?.({ type: "warning", message }));
    o.onEvent?.({ type: "study-end", dir, status, counts, report });
    return { dir, status, counts, report };
  } catch (error) {
    throw isDiskFull(error) ? stopForFullDisk(error, dir, manifest) : error;
  } finally {
    locks.release();
    process.off("exit", releaseOnExit);
  }
}

