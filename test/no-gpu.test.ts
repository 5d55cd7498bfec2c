// Without a GPU and without simulation, lem still imports, says why NVML is unavailable,
// and its commands fail with one clear sentence saying what to do.
import { describe, expect, it } from "vitest";
import { cleanEnv, runLem } from "./support/run-lem.js";

process.env.LEM_NVML_LIBRARY = "/nonexistent/libnvidia-ml.so.1";
process.env.LEM_CUDA_LIBRARY = "/nonexistent/libcuda.so.1";
delete process.env.LEM_SIMULATE;
const lem = await import("../lib/index.js");

describe("without a GPU or simulation", () => {
  it("imports the package and reports NVML unavailable with the reason and what to do", () => {
    const status = lem.nvmlStatus();
    expect(status.available).toBe(false);
    expect(status.reason).toContain("cannot load /nonexistent/libnvidia-ml.so.1");
    expect(status.reason).toContain("LEM_SIMULATE=default");
    expect(status.nvmlName).toBe("NVML_ERROR_LIBRARY_NOT_FOUND");
  });

  it("throws NvmlUnavailableError from listDevices", () => {
    expect(() => lem.listDevices()).toThrow(lem.NvmlUnavailableError);
  });

  it("refuses to create a PowerSampler with NvmlUnavailableError", () => {
    expect(() => new lem.PowerSampler()).toThrow(/NVML is unavailable/);
  });

  it("makes `lem devices` exit 1 with one sentence that names LEM_SIMULATE and no stack", async () => {
    const r = await runLem(["devices"], cleanEnv());
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^lem: NVML is unavailable: cannot load/);
    expect(r.stderr).toContain("LEM_SIMULATE=default");
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("reports the CUDA driver as unavailable, with the reason, instead of throwing", () => {
    const cuda = lem.cudaDriverDevices();
    expect(cuda.available).toBe(false);
    expect(cuda.reason).toBe("cannot load /nonexistent/libcuda.so.1 (/nonexistent/libcuda.so.1: cannot open shared object file: No such file or directory)");
  });

  it("reads the CUDA runtime version without a GPU, or says which libraries it tried", () => {
    // The runtime needs no driver to report its version; this machine may or may not have one.
    const rt = lem.cudaRuntimeVersion();
    if (rt.available) {
      expect(rt.version).toBeGreaterThanOrEqual(11000);
      expect(rt.library).toMatch(/libcudart\.so\.1[123]/);
    } else {
      expect(rt.reason).toBe("no CUDA runtime library found (tried libcudart.so.13, libcudart.so.12, libcudart.so.11.0, libcudart.so)");
    }
  });
});
