// Device facts and compute processes, as NVML reports them through the simulated GPU.
import { describe, expect, it } from "vitest";
import { computeProcesses, listDevices } from "../lib/gpu/devices.js";
import { nvmlStatus, useSimulatedGpu } from "../lib/gpu/provider.js";
import { simulateScenario } from "./support/simulate.js";

describe("listDevices", () => {
  it("reports every fact of an H100-like device", () => {
    useSimulatedGpu("default");
    const [d] = listDevices();
    expect(d).toMatchObject({
      index: 0,
      name: "NVIDIA H100 80GB HBM3",
      uuid: "GPU-5e1a0000-0000-4000-8000-000000000000",
      pciBusId: "00000000:18:00.0",
      architecture: "hopper",
      powerLimitW: 700,
      defaultPowerLimitW: 700,
      minPowerLimitW: 200,
      maxPowerLimitW: 700,
      persistenceMode: true,
      migEnabled: false,
      energyCounterSupported: true,
      instantPowerSupported: true,
      averagePowerSupported: true,
      errors: [],
    });
    expect(d!.memoryTotalMiB).toBe(81559);
    expect(d!.memoryReservedMiB).toBe(534);
  });

  it("reports MIG mode and persistence mode off", () => {
    useSimulatedGpu("mig");
    const [d] = listDevices();
    expect(d!.migEnabled).toBe(true);
    expect(d!.persistenceMode).toBe(false);
  });

  it("leaves out facts the device does not support instead of reporting zero", () => {
    simulateScenario({ name: "bare", devices: [{ name: "Bare", unsupported: ["powerLimit", "architecture", "memory"] }] });
    const [d] = listDevices();
    expect(d).not.toHaveProperty("powerLimitW");
    expect(d).not.toHaveProperty("architecture");
    expect(d).not.toHaveProperty("memoryTotalMiB");
    expect(d!.errors).toEqual([]);
  });

  it("records a fact that failed for another reason than 'not supported'", () => {
    simulateScenario({
      name: "flaky",
      devices: [{ name: "Flaky", errors: [{ atS: 0, functions: ["nvmlDeviceGetPersistenceMode"], error: "NVML_ERROR_NO_PERMISSION" }] }],
    });
    const [d] = listDevices();
    expect(d).not.toHaveProperty("persistenceMode");
    expect(d!.errors).toEqual([{ fact: "persistenceMode", nvmlCode: 4, nvmlName: "NVML_ERROR_NO_PERMISSION" }]);
  });

  it("reports driver, NVML and CUDA driver versions in nvmlStatus", () => {
    useSimulatedGpu("default");
    const s = nvmlStatus();
    expect(s).toMatchObject({ available: true, simulated: true, source: "simulated:default", deviceCount: 1 });
    expect(s.cudaDriverVersion).toMatch(/^\d+\.\d+$/);
    expect(s.driverVersion).toMatch(/^\d+\./);
  });
});

describe("computeProcesses", () => {
  it("lists each process holding GPU memory with its pid, name and MiB", () => {
    simulateScenario({
      name: "busy",
      devices: [
        {
          name: "Busy",
          processes: [
            { pid: 4242, name: "python3", usedMiB: 500 },
            { pid: 4343, name: "vllm", usedMiB: 20480 },
          ],
        },
      ],
    });
    expect(computeProcesses(0)).toEqual([
      { pid: 4242, name: "python3", usedMiB: 500 },
      { pid: 4343, name: "vllm", usedMiB: 20480 },
    ]);
  });

  it("lists more processes than NVML's first guess holds (the sizing protocol)", () => {
    const processes = Array.from({ length: 40 }, (_, i) => ({ pid: 1000 + i, name: `p${i}`, usedMiB: 10 }));
    simulateScenario({ name: "many", devices: [{ name: "Many", processes }] });
    expect(computeProcesses(0)).toHaveLength(40);
  });

  it("throws NvmlError with the NVML name when the device is lost", () => {
    simulateScenario({
      name: "lost",
      devices: [{ name: "Lost", errors: [{ atS: 0, functions: ["*"], error: "NVML_ERROR_GPU_IS_LOST" }] }],
    });
    expect(() => computeProcesses(0)).toThrow(/nvmlDeviceGetComputeRunningProcesses_v3 failed: NVML_ERROR_GPU_IS_LOST/);
  });
});
