// collectEnvironment(): the whole snapshot, on the simulated GPU and without any GPU.
import { execa } from "execa";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectEnvironment } from "../lib/environment/snapshot.js";
import { EnvironmentSnapshotSchema, type EnvironmentSnapshot } from "../lib/environment/schema.js";
import { useSimulatedGpu } from "../lib/gpu/provider.js";
import { version } from "../lib/version.js";
import { cleanEnv, repoRoot } from "./support/run-lem.js";

function fakePython(): string {
  const file = join(mkdtempSync(join(tmpdir(), "lem-snapshot-")), "python");
  writeFileSync(file, `#!/bin/sh\ncase "$1" in\n  -c) echo 3.11.9 ;;\n  -m) echo torch==2.4.0; echo vllm==0.6.1 ;;\nesac\n`);
  chmodSync(file, 0o755);
  return file;
}

const noCuda = { runtime: () => ({ available: false, reason: "stubbed" }), cudaHomes: [], nvcc: "/nonexistent/nvcc" };

describe("collectEnvironment", () => {
  it("records the simulated GPU with its devices, and says it is simulated", async () => {
    useSimulatedGpu("default");
    const s = await collectEnvironment({ python: false, env: {} });
    expect(s.gpu).toMatchObject({ available: true, simulated: true, source: "simulated:default" });
    if (!s.gpu.available) throw new Error("unreachable");
    expect(s.gpu.devices).toHaveLength(1);
    expect(s.gpu.devices[0]!.uuid).toBe("GPU-5e1a0000-0000-4000-8000-000000000000");
    expect(s.gpu.devices[0]!.name).toBe("NVIDIA H100 80GB HBM3");
    expect(s.gpu.driverVersion).toMatch(/^\d+\./);
    expect(s.gpu.cudaDriverVersion).toMatch(/^\d+\.\d+$/);
  });

  it("states lem, Node, OS, CPU and memory facts and when it was taken", async () => {
    useSimulatedGpu("default");
    const before = Date.now();
    const s = await collectEnvironment({ python: false, env: {} });
    expect(s.schemaVersion).toBe(1);
    expect(s.lem.version).toBe(version);
    expect(s.node).toEqual({ version: process.version, platform: process.platform, arch: process.arch });
    expect(s.os.release.length).toBeGreaterThan(0);
    expect(s.cpu.cores).toBeGreaterThan(0);
    expect(s.memory.totalMiB).toBeGreaterThan(0);
    expect(Date.parse(s.takenAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(s.takenAt)).toBeLessThanOrEqual(Date.now());
  });

  it("includes the engine's Python packages and the redacted environment", async () => {
    useSimulatedGpu("default");
    const python = fakePython();
    const s = await collectEnvironment({
      python,
      env: { PATH: "/usr/bin:/bin", HF_TOKEN: "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345", CUDA_VISIBLE_DEVICES: "0", HOME: "/root" },
      cudaRuntime: noCuda,
    });
    expect(s.python).toEqual({
      interpreter: python,
      version: "3.11.9",
      packages: [
        { name: "torch", version: "2.4.0" },
        { name: "vllm", version: "0.6.1" },
      ],
    });
    expect(s.environmentVariables).toEqual({ CUDA_VISIBLE_DEVICES: "0", HF_TOKEN: "[redacted]", PATH: "/usr/bin:/bin" });
    expect(s).not.toHaveProperty("conda");
  });

  it("captures every part that cannot be gathered instead of failing", async () => {
    useSimulatedGpu("default");
    const s = await collectEnvironment({
      python: "/nonexistent/python",
      env: { CONDA_PREFIX: "/opt/conda/envs/x", CONDA_EXE: "/nonexistent/conda" },
      cudaRuntime: noCuda,
    });
    expect(s.python).toMatchObject({ interpreter: "/nonexistent/python", error: expect.stringMatching(/not found/) });
    expect(s.conda).toMatchObject({ prefix: "/opt/conda/envs/x", error: expect.stringMatching(/\/nonexistent\/conda was not found/) });
    expect(s.cudaRuntime).toMatchObject({ version: null, source: "none", detail: expect.stringMatching(/^no CUDA runtime version found; tried: libcudart: stubbed/) });
  });

  it("returns a snapshot that survives a JSON round trip through the schema", async () => {
    useSimulatedGpu("default");
    const s = await collectEnvironment({ python: false, env: {} });
    expect(EnvironmentSnapshotSchema.parse(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it("says why there is no GPU when NVML cannot be loaded, and still succeeds", async () => {
    // A fresh process, so that no simulation or NVML state of this one leaks in (needs dist/, built by tsc).
    const script = `import { collectEnvironment } from "./dist/environment/index.js";
process.stdout.write(JSON.stringify(await collectEnvironment({ python: false })));`;
    const r = await execa(process.execPath, ["--input-type=module", "-e", script], {
      cwd: repoRoot,
      env: cleanEnv({ LEM_NVML_LIBRARY: "/nonexistent/libnvidia-ml.so.1" }),
      extendEnv: false,
      reject: false,
    });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(r.stdout) as EnvironmentSnapshot;
    expect(s.gpu.available).toBe(false);
    expect(!s.gpu.available && s.gpu.reason).toMatch(/^NVML is unavailable: .*\/nonexistent\/libnvidia-ml\.so\.1/);
    expect(s.lem.version).toBe(version);
  });
});
