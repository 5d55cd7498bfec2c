// Pre-flight warnings on the simulated GPU: each names the GPU, what was seen and what to do,
// and none of them blocks.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { useSimulatedGpu } from "../lib/gpu/provider.js";
import { runPreflight } from "../lib/preflight/run-preflight.js";
import type { PreflightIssue } from "../lib/preflight/types.js";
import { simulateScenario } from "./support/simulate.js";

const WHERE = "GPU 0 (GPU-5e1a0000-0000-4000-8000-000000000000)";
const only = (warnings: PreflightIssue[], check: string) => warnings.filter((w) => w.check === check);

beforeEach(() => {
  process.env.LEM_LOCK_DIR = mkdtempSync(join(tmpdir(), "lem-locks-"));
});

describe("pre-flight warnings", () => {
  it("says the GPU is simulated and nothing else on a healthy GPU", async () => {
    useSimulatedGpu("default");
    const { warnings } = await runPreflight({ cudaVisibleDevices: "0" });
    expect(warnings).toEqual([
      {
        check: "simulated",
        message: 'the GPU is simulated (scenario "default"): figures will be simulated, not measurements of real hardware.',
        fix: "Unset LEM_SIMULATE and drop --simulate to measure a real GPU.",
      },
    ]);
  });

  it("warns when persistence mode is off", async () => {
    simulateScenario({ name: "nopm", devices: [{ name: "G", persistenceMode: false }] });
    const { warnings } = await runPreflight({ cudaVisibleDevices: "0", throttleSampleMs: 0 });
    expect(only(warnings, "persistence-mode")).toHaveLength(1);
    expect(only(warnings, "persistence-mode")[0]!.message).toMatch(new RegExp(`^${WHERE.replace(/[()]/g, "\\$&")} has persistence mode off`));
    expect(only(warnings, "persistence-mode")[0]!.fix).toContain("nvidia-smi -pm 1");
  });

  it("warns that energy is the parent GPU's when MIG is enabled", async () => {
    useSimulatedGpu("mig");
    const { warnings, gpus } = await runPreflight({ cudaVisibleDevices: "MIG-5e1a0000-0000-4000-9000-000000000001", throttleSampleMs: 0 });
    expect(gpus[0]).toMatchObject({ nvmlIndex: 0, migUuid: "MIG-5e1a0000-0000-4000-9000-000000000001" });
    const [mig] = only(warnings, "mig");
    expect(mig!.message).toContain("uses instance MIG-5e1a0000-0000-4000-9000-000000000001");
    expect(mig!.message).toContain("NVML reports power and energy only for the whole GPU");
  });

  it("warns when the power limit is below the default, giving both values", async () => {
    simulateScenario({ name: "capped", devices: [{ name: "G", powerLimitW: 400, defaultPowerLimitW: 700 }] });
    const { warnings } = await runPreflight({ cudaVisibleDevices: "0", throttleSampleMs: 0 });
    expect(only(warnings, "power-limit")).toEqual([
      {
        check: "power-limit",
        message: `${WHERE} has its power limit set to 400 W, below its default of 700 W: results will not compare with other machines.`,
        fix: "Restore it with sudo nvidia-smi -i 0 -pl 700, or report the lowered limit with the results.",
      },
    ]);
  });

  it("warns about other processes on the GPU with their names, pids and MiB", async () => {
    simulateScenario({
      name: "busy",
      devices: [{ name: "G", processes: [{ pid: 4242, name: "python3", usedMiB: 500 }, { pid: 4343, name: "vllm", usedMiB: 20480 }] }],
    });
    const { warnings } = await runPreflight({ cudaVisibleDevices: "0", throttleSampleMs: 0 });
    expect(only(warnings, "other-processes").map((w) => w.message)).toEqual([
      `${WHERE} is used by other processes: python3 (pid 4242, 500 MiB), vllm (pid 4343, 20480 MiB). Their power and energy would be counted as the study's.`,
    ]);
  });

  it("warns when the clocks are already throttled at rest, naming the reasons", async () => {
    simulateScenario({
      name: "hot",
      devices: [{ name: "G", throttle: [{ startS: 0, endS: 600, reasons: ["HwThermalSlowdown", "GpuIdle"] }] }],
    });
    const { warnings } = await runPreflight({ cudaVisibleDevices: "0", throttleSampleMs: 100 });
    expect(only(warnings, "throttled-at-rest").map((w) => w.message)).toEqual([
      `${WHERE} is already throttled before the study starts (HwThermalSlowdown).`,
    ]);
  });

  it("does not count GpuIdle as throttling", async () => {
    simulateScenario({ name: "idle", devices: [{ name: "G", throttle: [{ startS: 0, endS: 600, reasons: ["GpuIdle"] }] }] });
    const { warnings } = await runPreflight({ cudaVisibleDevices: "0", throttleSampleMs: 100 });
    expect(only(warnings, "throttled-at-rest")).toEqual([]);
  });

  it("warns about a fact NVML failed to read", async () => {
    simulateScenario({
      name: "denied",
      devices: [{ name: "G", errors: [{ atS: 0, functions: ["nvmlDeviceGetPersistenceMode"], error: "NVML_ERROR_NO_PERMISSION" }] }],
    });
    const { warnings } = await runPreflight({ cudaVisibleDevices: "0", throttleSampleMs: 0 });
    expect(only(warnings, "nvml-read").map((w) => w.message)).toEqual([`${WHERE}: reading persistenceMode failed with NVML_ERROR_NO_PERMISSION.`]);
  });

  it("warns once about a fact whose read and fallback read both failed", async () => {
    simulateScenario({
      name: "denied-memory",
      devices: [{ name: "G", errors: [{ atS: 0, functions: ["nvmlDeviceGetMemoryInfo_v2", "nvmlDeviceGetMemoryInfo"], error: "NVML_ERROR_NO_PERMISSION" }] }],
    });
    const { warnings } = await runPreflight({ cudaVisibleDevices: "0", throttleSampleMs: 0 });
    expect(only(warnings, "nvml-read").map((w) => w.message)).toEqual([`${WHERE}: reading memory failed with NVML_ERROR_NO_PERMISSION.`]);
  });

  it("turns an NVML error while listing processes into a warning instead of an exception", async () => {
    simulateScenario({
      name: "flaky",
      devices: [{ name: "G", errors: [{ atS: 0, functions: ["nvmlDeviceGetComputeRunningProcesses_v3"], error: "NVML_ERROR_UNKNOWN" }] }],
    });
    const report = await runPreflight({ cudaVisibleDevices: "0", throttleSampleMs: 0 });
    expect(only(report.warnings, "other-processes").map((w) => w.message)).toEqual([
      `${WHERE}: the processes on it could not be listed (nvmlDeviceGetComputeRunningProcesses_v3 failed with NVML_ERROR_UNKNOWN).`,
    ]);
  });

  it("warns only about the GPUs the study uses", async () => {
    simulateScenario({ name: "two", devices: [{ name: "G" }, { name: "G", persistenceMode: false, powerLimitW: 300 }] });
    const { warnings } = await runPreflight({ cudaVisibleDevices: "0", throttleSampleMs: 0 });
    expect(warnings.map((w) => w.check)).toEqual(["simulated"]);
  });
});
