// Residual GPU memory before an experiment, on the simulated GPU: what is held, by whom,
// waiting for it to be freed, and NVML trouble that must never stop a study.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { checkResidualMemory } from "../lib/gpu/residual-memory.js";
import { useSimulatedGpu } from "../lib/gpu/provider.js";
import { cleanEnv, repoRoot } from "./support/run-lem.js";
import { simulateScenario } from "./support/simulate.js";

const gpu = (extra: object = {}) => ({ name: "Sim H100", memoryReservedMiB: 534, ...extra });

describe("checkResidualMemory", () => {
  it("gives no warning on a clean GPU", async () => {
    useSimulatedGpu("default");
    const r = await checkResidualMemory({ devices: [0] });
    expect(r.clean).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.devices).toEqual([
      { index: 0, uuid: "GPU-5e1a0000-0000-4000-8000-000000000000", usedMiB: 534, idleMiB: 534, residualMiB: 0, processes: [] },
    ]);
  });

  it("warns, naming the process and its MiB, when 500 MiB are held above a 100 MiB threshold", async () => {
    simulateScenario({ name: "held", devices: [gpu({ processes: [{ pid: 4242, name: "python3", usedMiB: 500 }] })] });
    const r = await checkResidualMemory({ devices: [0], thresholdMiB: 100 });
    expect(r.clean).toBe(false);
    expect(r.devices[0]).toMatchObject({ usedMiB: 1034, idleMiB: 534, residualMiB: 500 });
    expect(r.warnings).toEqual([
      "GPU 0 (GPU-5e1a0000-0000-4000-8000-000000000000): 500 MiB in use beyond the idle level (threshold 100 MiB), held by python3 (pid 4242, 500 MiB)",
    ]);
  });

  it("stays quiet when the residual memory is below the threshold", async () => {
    simulateScenario({ name: "small", devices: [gpu({ processes: [{ pid: 7, name: "tiny", usedMiB: 50 }] })] });
    const r = await checkResidualMemory({ devices: [0], thresholdMiB: 100 });
    expect(r.clean).toBe(true);
    expect(r.devices[0]!.residualMiB).toBe(50);
  });

  it("checks every GPU it is given, not only GPU 0", async () => {
    simulateScenario({
      name: "two",
      devices: [gpu(), gpu({ processes: [{ pid: 99, name: "vllm", usedMiB: 2048 }] })],
    });
    const r = await checkResidualMemory({ devices: [0, 1] });
    expect(r.devices.map((d) => d.residualMiB)).toEqual([0, 2048]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^GPU 1 \(GPU-5e1a0000-0000-4000-8000-000000000001\): 2048 MiB .* held by vllm \(pid 99, 2048 MiB\)$/);
  });

  it("measures against the idle level it is given instead of the reserved memory", async () => {
    simulateScenario({ name: "idle", devices: [gpu({ memoryUsedMiB: 300 })] });
    const r = await checkResidualMemory({ devices: [0], idleMiB: { 0: 900 } });
    expect(r.devices[0]).toMatchObject({ usedMiB: 834, idleMiB: 900, residualMiB: 0 });
    expect(r.clean).toBe(true);
  });

  it("waits for memory that is freed after a while and reports how long it waited", async () => {
    // Scenario time starts when it is loaded: the process exits 0.3 s later.
    simulateScenario({ name: "freed", devices: [gpu({ processes: [{ pid: 5, name: "child", usedMiB: 500, untilS: 0.3 }] })] });
    const r = await checkResidualMemory({ devices: [0], waitMs: 2000, pollMs: 50 });
    expect(r.clean).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.waitedMs).toBeGreaterThan(0);
    expect(r.waitedMs).toBeLessThan(2000);
    expect(r.devices[0]!.processes).toEqual([]);
  });

  it("gives up waiting at the limit and says so in the warning", async () => {
    simulateScenario({ name: "stuck", devices: [gpu({ processes: [{ pid: 6, name: "stuck", usedMiB: 500 }] })] });
    const r = await checkResidualMemory({ devices: [0], waitMs: 300, pollMs: 50 });
    expect(r.clean).toBe(false);
    expect(r.waitedMs).toBeGreaterThanOrEqual(300);
    expect(r.warnings[0]).toMatch(/held by stuck \(pid 6, 500 MiB\); still there after waiting \d+ ms$/);
  });

  it("stops waiting at once when aborted (Ctrl-C), reporting what it saw", async () => {
    simulateScenario({ name: "stuck-abort", devices: [gpu({ processes: [{ pid: 7, name: "stuck", usedMiB: 500 }] })] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const r = await checkResidualMemory({ devices: [0], waitMs: 30_000, pollMs: 50, signal: controller.signal });
    expect(r.clean).toBe(false);
    expect(r.waitedMs).toBeLessThan(30_000);
    expect(r.warnings[0]).toMatch(/held by stuck \(pid 7, 500 MiB\); still there after waiting \d+ ms$/);
  });

  it("turns an NVML error on one GPU into that GPU's warning and still checks the others", async () => {
    simulateScenario({
      name: "flaky",
      devices: [
        gpu({ processes: [{ pid: 4242, name: "python3", usedMiB: 500 }] }),
        gpu({ errors: [{ atS: 0, functions: ["nvmlDeviceGetComputeRunningProcesses_v3"], error: "NVML_ERROR_UNKNOWN" }] }),
      ],
    });
    const logged: string[] = [];
    const r = await checkResidualMemory({ devices: [0, 1], log: (level, m) => logged.push(`${level}: ${m}`) });
    expect(r.clean).toBe(false);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toContain("held by python3 (pid 4242, 500 MiB)");
    expect(r.warnings[1]).toMatch(/^GPU 1 \(GPU-[0-9a-f-]+\): residual memory check failed: .*nvmlDeviceGetComputeRunningProcesses_v3 failed with NVML_ERROR_UNKNOWN/);
    expect(logged.filter((l) => l.startsWith("warn: "))).toHaveLength(2);
  });

  it("handles a lost GPU without throwing or waiting for it", async () => {
    simulateScenario({ name: "lost", devices: [gpu({ errors: [{ atS: 0, functions: ["*"], error: "NVML_ERROR_GPU_IS_LOST" }] })] });
    const r = await checkResidualMemory({ devices: [0], waitMs: 2000 });
    expect(r.clean).toBe(false);
    expect(r.waitedMs).toBeLessThan(1000);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^GPU 0.*residual memory check failed: .*NVML_ERROR_GPU_IS_LOST/);
  });

  it("warns about a GPU index that does not exist", async () => {
    useSimulatedGpu("default");
    const r = await checkResidualMemory({ devices: [3] });
    expect(r.warnings).toEqual(["GPU 3: residual memory check failed: NVML sees 1 GPU(s), none with index 3."]);
  });

  it("is skipped with a debug note, not an error, when NVML is unavailable", async () => {
    // The NVML provider is process-global, so this runs in a fresh Node process without NVML.
    const script = `
      import { checkResidualMemory } from ${JSON.stringify(`${repoRoot}dist/gpu/residual-memory.js`)};
      const logged = [];
      const r = await checkResidualMemory({ devices: [0], log: (level, message) => logged.push({ level, message }) });
      console.log(JSON.stringify({ r, logged }));
    `;
    const out = await execa(process.execPath, ["--input-type=module", "-e", script], { env: cleanEnv(), extendEnv: false });
    const { r, logged } = JSON.parse(out.stdout) as {
      r: { skipped: string; devices: unknown[]; warnings: string[]; clean: boolean; waitedMs: number };
      logged: { level: string; message: string }[];
    };
    expect(r.skipped).toMatch(/^NVML unavailable: cannot load \/nonexistent\/libnvidia-ml\.so\.1/);
    expect(r).toMatchObject({ devices: [], warnings: [], clean: true, waitedMs: 0 });
    expect(logged).toHaveLength(1);
    expect(logged[0]!.level).toBe("debug");
    expect(out.stderr).toBe("");
  });
});
