/**
 * Pre-flight warnings: facts about the selected GPUs that make figures less trustworthy but
 * do not block a study. Each says what was seen, on which GPU, and what to do.
 */
import { NvmlError } from "../errors.js";
import { computeProcesses, listDevices, type GpuDevice } from "../gpu/devices.js";
import { PowerSampler } from "../gpu/power-sampler.js";
import { activeSimulation } from "../gpu/provider.js";
import { SLOWDOWN_REASONS } from "../gpu/throttle-reasons.js";
import type { PreflightGpu, PreflightIssue } from "./types.js";

export interface WarningOptions {
  /** How long to sample clock event reasons at rest (default 200 ms; 0 = skip). */
  throttleSampleMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const nvmlWhy = (error: unknown) =>
  error instanceof NvmlError ? `${error.nvmlFunction ?? "NVML"} failed with ${error.nvmlName}` : (error as Error).message;

function deviceWarnings(d: GpuDevice, migUuid: string | undefined): PreflightIssue[] {
  const where = `GPU ${d.index} (${d.uuid})`;
  const out: PreflightIssue[] = [];
  if (d.persistenceMode === false) {
    out.push({
      check: "persistence-mode",
      message: `${where} has persistence mode off: the driver state is torn down between clients, so first calls are slow and first readings odd.`,
      fix: "Turn it on: sudo nvidia-smi -pm 1 (or run nvidia-persistenced).",
    });
  }
  if (d.migEnabled === true || migUuid !== undefined) {
    out.push({
      check: "mig",
      message: `${where} has MIG enabled${migUuid ? ` and the study uses instance ${migUuid}` : ""}: NVML reports power and energy only for the whole GPU, so every MIG instance's work is counted.`,
      fix: "Measure on a GPU without MIG, or keep the other instances idle and report that energy is the parent GPU's.",
    });
  }
  if (d.powerLimitW !== undefined && d.defaultPowerLimitW !== undefined && d.powerLimitW < d.defaultPowerLimitW) {
    out.push({
      check: "power-limit",
      message: `${where} has its power limit set to ${d.powerLimitW} W, below its default of ${d.defaultPowerLimitW} W: results will not compare with other machines.`,
      fix: `Restore it with sudo nvidia-smi -i ${d.index} -pl ${d.defaultPowerLimitW}, or report the lowered limit with the results.`,
    });
  }
  // One warning per fact: a read with a fallback entry point (memory: _v2, then v1) records both failures.
  for (const e of d.errors.filter((x, i, all) => all.findIndex((y) => y.fact === x.fact) === i)) {
    out.push({
      check: "nvml-read",
      message: `${where}: reading ${e.fact} failed with ${e.nvmlName}.`,
      fix: "Check the GPU with nvidia-smi; run lem as a user allowed to read it.",
    });
  }
  return out;
}

function processWarnings(d: GpuDevice): PreflightIssue[] {
  const where = `GPU ${d.index} (${d.uuid})`;
  try {
    const others = computeProcesses(d.index).filter((p) => p.pid !== process.pid);
    if (others.length === 0) return [];
    const list = others.map((p) => `${p.name} (pid ${p.pid}${p.usedMiB !== undefined ? `, ${p.usedMiB} MiB` : ""})`).join(", ");
    return [
      {
        check: "other-processes",
        message: `${where} is used by other processes: ${list}. Their power and energy would be counted as the study's.`,
        fix: "Stop them before measuring, or choose another GPU.",
      },
    ];
  } catch (error) {
    if (error instanceof NvmlError && error.nvmlName === "NVML_ERROR_NOT_SUPPORTED") return [];
    return [
      {
        check: "other-processes",
        message: `${where}: the processes on it could not be listed (${nvmlWhy(error)}).`,
        fix: "Check with nvidia-smi that nothing else runs on it.",
      },
    ];
  }
}

/** Samples the clock event reasons briefly: a GPU throttled at rest is hot or power-capped already. */
async function throttleWarnings(devices: GpuDevice[], sampleMs: number): Promise<PreflightIssue[]> {
  if (sampleMs <= 0 || devices.length === 0) return [];
  let sampler: PowerSampler | undefined;
  try {
    sampler = new PowerSampler({ devices: devices.map((d) => d.index), intervalMs: 10 }).start();
    await sleep(sampleMs);
    const summary = sampler.stop();
    const out: PreflightIssue[] = [];
    for (const s of summary.devices) {
      const reasons = s.throttle.reasons.filter((r) => (SLOWDOWN_REASONS as readonly string[]).includes(r));
      if (reasons.length > 0) {
        out.push({
          check: "throttled-at-rest",
          message: `GPU ${s.index} (${s.uuid}) is already throttled before the study starts (${reasons.join(", ")}).`,
          fix: "Let it cool down, check its cooling and power limit, and make sure nothing else loads it.",
        });
      }
    }
    return out;
  } catch (error) {
    return [
      {
        check: "throttled-at-rest",
        message: `the clock event (throttle) reasons could not be sampled: ${nvmlWhy(error)}.`,
        fix: "Check the GPUs with nvidia-smi -q -d PERFORMANCE.",
      },
    ];
  } finally {
    sampler?.stop();
  }
}

/** Every warning for the GPUs a study will use. Never throws for NVML trouble. */
export async function collectWarnings(gpus: PreflightGpu[], options: WarningOptions = {}): Promise<PreflightIssue[]> {
  const out: PreflightIssue[] = [];
  const sim = activeSimulation();
  if (sim) {
    out.push({
      check: "simulated",
      message: `the GPU is simulated (scenario "${sim.name}"): figures will be simulated, not measurements of real hardware.`,
      fix: "Unset LEM_SIMULATE and drop --simulate to measure a real GPU.",
    });
  }
  let all: GpuDevice[];
  try {
    all = listDevices();
  } catch (error) {
    out.push({
      check: "nvml-read",
      message: `the GPUs' facts could not be read: ${nvmlWhy(error)}.`,
      fix: "Check the GPUs with nvidia-smi.",
    });
    return out;
  }
  const selected: GpuDevice[] = [];
  for (const index of new Set(gpus.map((g) => g.nvmlIndex))) {
    const d = all.find((x) => x.index === index);
    if (!d) continue;
    selected.push(d);
    const migUuid = gpus.find((g) => g.nvmlIndex === index && g.migUuid)?.migUuid;
    out.push(...deviceWarnings(d, migUuid), ...processWarnings(d));
  }
  out.push(...(await throttleWarnings(selected, options.throttleSampleMs ?? 200)));
  return out;
}
