// The real loading path: lem dlopens an NVML library (here the standalone simulated
// libnvidia-ml.so.1, which exports the real NVML symbol names) exactly as it would the driver's.
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { buildFakeNvml } from "./support/fake-nvml.js";
import { cleanEnv, repoRoot, runLem } from "./support/run-lem.js";

let library = "";
beforeAll(async () => {
  library = await buildFakeNvml();
}, 300_000);

const withLibrary = (extra: Record<string, string> = {}) => cleanEnv({ LEM_NVML_LIBRARY: library, ...extra });

async function runScript(code: string, env: Record<string, string>) {
  const r = await execa(process.execPath, ["--input-type=module", "-e", code], { cwd: repoRoot, env, extendEnv: false });
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe("NVML through dlopen", () => {
  it("lists the devices of the library LEM_NVML_LIBRARY names, as real hardware (not simulated)", async () => {
    const r = await runLem(["devices", "--json"], withLibrary({ LEM_SIM_SCENARIO: "h100x8" }));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("SIMULATED");
    const out = JSON.parse(r.stdout) as { nvml: Record<string, unknown>; devices: { name: string }[] };
    expect(out.nvml).toMatchObject({ available: true, simulated: false, source: library });
    expect(out.nvml.driverVersion).toMatch(/^\d+\.\d+/);
    expect(out.devices).toHaveLength(8);
  });

  it("samples through the loaded library: counter and integral agree, instant power from its field", async () => {
    const out = await runScript(
      `import { PowerSampler } from "./dist/index.js";
       const s = new PowerSampler({ intervalMs: 1 }).start();
       await new Promise((r) => setTimeout(r, 1500));
       const d = s.stop().devices[0];
       console.log(JSON.stringify({ counter: d.counterEnergyJ, integral: d.integralEnergyJ, sources: d.sources, samples: d.samples }));`,
      withLibrary({ LEM_SIM_SCENARIO: "idle" }),
    );
    expect(out.sources).toEqual({ power: "field:instant", averagePower: "field:average", energy: "field:energy" });
    expect(out.samples as number).toBeGreaterThan(1000);
    const counter = out.counter as number;
    expect(Math.abs((out.integral as number) - counter) / counter).toBeLessThan(0.01);
  });

  it("says why when the library cannot be loaded", async () => {
    const out = await runScript(
      `import { nvmlStatus } from "./dist/index.js"; console.log(JSON.stringify(nvmlStatus()));`,
      cleanEnv({ LEM_NVML_LIBRARY: "/nowhere/libnvidia-ml.so.1" }),
    );
    expect(out.available).toBe(false);
    expect(out.reason).toMatch(/^NVML is unavailable: cannot load \/nowhere\/libnvidia-ml\.so\.1 \(.*No such file/);
  });

  it("says which required functions a library lacks", async () => {
    const out = await runScript(
      `import { nvmlStatus } from "./dist/index.js"; console.log(JSON.stringify(nvmlStatus()));`,
      cleanEnv({ LEM_NVML_LIBRARY: "libm.so.6" }),
    );
    expect(out.reason).toMatch(/lacks required NVML functions: nvmlInit_v2, nvmlShutdown, nvmlErrorString/);
    expect(out.nvmlName).toBe("NVML_ERROR_FUNCTION_NOT_FOUND");
  });

  it("reports nvmlInit's error when the library loads but cannot initialise", async () => {
    const out = await runScript(
      `import { nvmlStatus } from "./dist/index.js"; console.log(JSON.stringify(nvmlStatus()));`,
      withLibrary({ LEM_SIM_SCENARIO: "/nonexistent/scenario.json" }),
    );
    expect(out.available).toBe(false);
    expect(out.reason).toContain(`nvmlInit failed in ${library}: NVML_ERROR_DRIVER_NOT_LOADED`);
    expect(out.nvmlName).toBe("NVML_ERROR_DRIVER_NOT_LOADED");
  });
});
