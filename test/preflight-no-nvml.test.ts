// Pre-flight without NVML: the NVML failure is reported once, the checks that need NVML are
// left out, and the other checks still run and report with it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

process.env.LEM_NVML_LIBRARY = "/nonexistent/libnvidia-ml.so.1";
process.env.LEM_CUDA_LIBRARY = "/nonexistent/libcuda.so.1";
delete process.env.LEM_SIMULATE;
const { runPreflight } = await import("../lib/preflight/run-preflight.js");
const { PreflightError } = await import("../lib/preflight/preflight-error.js");

describe("pre-flight without NVML", () => {
  it("reports NVML's failure with what to do, and the other checks' failures beside it", async () => {
    const error = (await runPreflight({ cudaVisibleDevices: "banana", model: "./no-such-model" }).catch((e: unknown) => e)) as InstanceType<
      typeof PreflightError
    >;
    expect(error).toBeInstanceOf(PreflightError);
    expect(error.failures.map((f) => f.check)).toEqual(["nvml", "model"]);
    expect(error.failures[0]!.message).toMatch(/^NVML is unavailable: cannot load \/nonexistent\/libnvidia-ml\.so\.1/);
    expect(error.failures[0]!.fix).toContain("LEM_SIMULATE=default");
  });

  it("still passes the checks that need no GPU", async () => {
    const error = (await runPreflight({ outputDir: mkdtempSync(join(tmpdir(), "lem-out-")), command: { executable: "sh" } }).catch(
      (e: unknown) => e,
    )) as InstanceType<typeof PreflightError>;
    expect(error.failures.map((f) => f.check)).toEqual(["nvml"]);
    expect(error.warnings).toEqual([]);
  });

  it("does not touch NVML when skipped", async () => {
    const report = await runPreflight({ skip: true });
    expect(report.skipped).toBe(true);
  });
});
