// `lem env`: the environment snapshot as a user prints it.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runEnv } from "../lib/cli/env.js";
import type { EnvironmentSnapshot } from "../lib/environment/schema.js";
import { useSimulatedGpu } from "../lib/gpu/provider.js";
import { cleanEnv, runLem } from "./support/run-lem.js";

function fakePython(): string {
  const file = join(mkdtempSync(join(tmpdir(), "lem-cli-env-")), "python");
  writeFileSync(
    file,
    `#!/bin/sh\ncase "$1" in\n  -c) echo 3.11.9 ;;\n  -m) printf 'numpy==2.0.1\\ntorch==2.4.0\\nvllm==0.6.1\\nllama_cpp_python==0.2.90\\n' ;;\nesac\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

/** Runs runEnv in this process, capturing what it prints. */
async function captureEnv(args: string[]) {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await runEnv(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("runEnv", () => {
  it("prints a readable summary with the GPUs, the CUDA runtime source and the engine packages", async () => {
    useSimulatedGpu("default");
    const r = await captureEnv(["--python", fakePython()]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('*** SIMULATED GPU (scenario "default")');
    expect(r.stdout).toMatch(/^System\n {2}lem {6}\d+\.\d+\.\d+/);
    expect(r.stdout).toContain("0: NVIDIA H100 80GB HBM3, GPU-5e1a0000-0000-4000-8000-000000000000, 81559 MiB");
    expect(r.stdout).toMatch(/CUDA runtime\n {2}(\d+\.\d+\S* \(from (libcudart|cuda-home-version-json|cuda-home-version-txt|nvcc): |none found)/);
    expect(r.stdout).toContain("(Python 3.11.9)\n  4 packages\n  torch 2.4.0\n  vllm 0.6.1\n  llama_cpp_python 0.2.90\n");
    expect(r.stdout).not.toContain("numpy 2.0.1");
  });

  it("prints the whole snapshot as JSON with --json", async () => {
    useSimulatedGpu("default");
    const r = await captureEnv(["--json", "--python", fakePython()]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as EnvironmentSnapshot;
    expect(s.schemaVersion).toBe(1);
    expect(s.python).toMatchObject({ version: "3.11.9", packages: expect.arrayContaining([{ name: "vllm", version: "0.6.1" }]) });
  });

  it("rejects a timeout that is not a positive number of seconds", async () => {
    await expect(runEnv(["--timeout", "soon"])).rejects.toThrow('--timeout must be a positive number of seconds, got "soon"');
  });

  it("rejects arguments it does not take", async () => {
    await expect(runEnv(["extra"])).rejects.toThrow('"lem env" takes no arguments, got: extra');
  });

  it("shows help with examples", async () => {
    const r = await captureEnv(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: lem env [--json] [--python PATH]");
    expect(r.stdout).toContain("lem env --json > environment.json");
  });
});

describe("lem env (the built command)", () => {
  it("prints the JSON snapshot of the simulated GPU", async () => {
    const r = await runLem(["env", "--json"], cleanEnv({ LEM_SIMULATE: "default" }));
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(r.stdout) as EnvironmentSnapshot;
    expect(s.gpu.available && s.gpu.devices[0]!.uuid).toBe("GPU-5e1a0000-0000-4000-8000-000000000000");
  });

  it("works without a GPU, saying why there is none", async () => {
    const r = await runLem(["env", "--python", "/nonexistent/python"], cleanEnv());
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/GPUs\n {2}unavailable: NVML is unavailable: /);
    expect(r.stdout).toMatch(/Python\n {2}\/nonexistent\/python\n {2}unavailable: .*was not found/);
  });

  it("rejects an unknown option with a usage error and exit code 64", async () => {
    const r = await runLem(["env", "--jsn"], cleanEnv());
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/^lem: Unknown option '--jsn'/);
  });
});
