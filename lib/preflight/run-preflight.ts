/**
 * Pre-flight: every check runs, then all failures are raised together as one PreflightError,
 * so a user fixes everything in one go instead of one problem per attempt. Warnings never block.
 */
import { checkDockerAll } from "./check-docker.js";
import { checkCommand, checkPython } from "./check-backend.js";
import { checkGpuLocks } from "./check-gpu-locks.js";
import { checkGpus } from "./check-gpus.js";
import { checkModel } from "./check-model.js";
import { checkNvml } from "./check-nvml.js";
import { checkOutputDir } from "./check-output-dir.js";
import { PreflightError } from "./preflight-error.js";
import type { CheckOutcome, PreflightGpu, PreflightIssue, PreflightReport, PreflightRequest } from "./types.js";
import { collectWarnings } from "./warnings.js";

/** Runs every pre-flight check; resolves with the report, or rejects with PreflightError listing all failures. */
export async function runPreflight(request: PreflightRequest = {}): Promise<PreflightReport> {
  const startMs = performance.now();
  // Skipping must not touch NVML at all: the caller records that pre-flight was skipped.
  if (request.skip) return { skipped: true, passed: [], warnings: [], gpus: [], durationMs: 0 };

  const failures: PreflightIssue[] = [];
  const warnings: PreflightIssue[] = [];
  const passed: string[] = [];
  const record = (id: string, outcome: CheckOutcome) => {
    failures.push(...outcome.failures);
    warnings.push(...outcome.warnings);
    if (outcome.failures.length === 0) passed.push(id);
  };
  const timeoutMs = request.probeTimeoutMs ?? 15_000;

  // Checks without NVML run concurrently with the GPU checks (the probes may take seconds).
  const offGpu = (async () => {
    const outcomes: [string, CheckOutcome][] = [];
    const backend: CheckOutcome[] = await Promise.all([
      request.command ? checkCommand(request.command, timeoutMs) : undefined,
      request.python ? checkPython(request.python, timeoutMs) : undefined,
      ...(request.checks ?? []).map((check) => check()),
    ]).then((list) => list.filter((o): o is CheckOutcome => o !== undefined));
    if (backend.length > 0) {
      outcomes.push(["backend", { failures: backend.flatMap((o) => o.failures), warnings: backend.flatMap((o) => o.warnings) }]);
    }
    if (request.docker && request.docker.length > 0) outcomes.push(["docker", await checkDockerAll(request.docker, timeoutMs)]);
    if (request.model !== undefined) outcomes.push(["model", checkModel(request.model)]);
    if (request.outputDir !== undefined) {
      outcomes.push(["output-dir", await checkOutputDir(request.outputDir, request.minFreeDiskMiB ?? 1024)]);
    }
    return outcomes;
  })();

  let gpus: PreflightGpu[] = [];
  const nvml = checkNvml(request.minDriverVersion);
  record("nvml", nvml);
  // Checks that need NVML are left out when it failed: its failure already says why.
  if (nvml.available) {
    const spec = "cudaVisibleDevices" in request ? request.cudaVisibleDevices : process.env.CUDA_VISIBLE_DEVICES;
    const selected = checkGpus(spec);
    record("gpus", selected);
    gpus = selected.gpus;
    if (gpus.length > 0) {
      record("gpu-lock", await checkGpuLocks(gpus));
      warnings.push(
        ...(await collectWarnings(gpus, request.throttleSampleMs !== undefined ? { throttleSampleMs: request.throttleSampleMs } : {})),
      );
    }
  }
  for (const [id, outcome] of await offGpu) record(id, outcome);

  if (failures.length > 0) throw new PreflightError(failures, warnings);
  return {
    skipped: false,
    passed,
    warnings,
    gpus,
    ...(nvml.status.driverVersion ? { driverVersion: nvml.status.driverVersion } : {}),
    durationMs: Math.round(performance.now() - startMs),
  };
}
