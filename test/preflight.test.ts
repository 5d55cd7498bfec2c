// Pre-flight checks on the simulated GPU: each check, and every failure reported together.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { gpuLockFile } from "../lib/gpu/gpu-lock.js";
import { useSimulatedGpu } from "../lib/gpu/provider.js";
import { PreflightError } from "../lib/preflight/preflight-error.js";
import { runPreflight } from "../lib/preflight/run-preflight.js";
import type { PreflightIssue, PreflightRequest } from "../lib/preflight/types.js";
import { simulateScenario } from "./support/simulate.js";

const UUID0 = "GPU-5e1a0000-0000-4000-8000-000000000000";
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `lem-${prefix}-`));
const quick = (r: PreflightRequest = {}): PreflightRequest => ({ cudaVisibleDevices: "0", throttleSampleMs: 0, ...r });

async function failuresOf(request: PreflightRequest): Promise<PreflightIssue[]> {
  try {
    await runPreflight(request);
  } catch (error) {
    if (error instanceof PreflightError) return error.failures;
    throw error;
  }
  throw new Error("pre-flight passed, but a failure was expected");
}

/** A stand-in Python: answers the probes lem sends, knows the modules "json" and "broken". */
function fakePython(): string {
  const file = join(tmp("python"), "python");
  writeFileSync(
    file,
    `#!/bin/sh
case "$2" in
  "import sys; print(sys.version)") echo "3.12.0 (fake)";;
  "import json") exit 0;;
  "import broken") echo "Traceback (most recent call last):" >&2; echo "ImportError: libcudart.so.12: cannot open shared object file" >&2; exit 1;;
  *) echo "ModuleNotFoundError: No module named '\${2#import }'" >&2; exit 1;;
esac
`,
  );
  chmodSync(file, 0o755);
  return file;
}

beforeEach(() => {
  process.env.LEM_LOCK_DIR = tmp("locks");
  useSimulatedGpu("default");
});

describe("runPreflight", () => {
  it("passes on a healthy simulated GPU and reports the GPUs, driver and passed checks", async () => {
    const report = await runPreflight(quick());
    expect(report.skipped).toBe(false);
    expect(report.passed).toEqual(["nvml", "gpus", "gpu-lock"]);
    expect(report.gpus).toEqual([{ nvmlIndex: 0, uuid: UUID0, cudaOrdinal: 0 }]);
    expect(report.driverVersion).toBe("550.54.15");
    expect(report.warnings.map((w) => w.check)).toEqual(["simulated"]);
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("reports every failure together in one PreflightError", async () => {
    const file = join(tmp("file"), "a-file");
    writeFileSync(file, "not a directory");
    const attempt = runPreflight(
      quick({
        cudaVisibleDevices: "0,banana",
        command: { executable: "no-such-engine-binary" },
        model: "./no/such/model",
        outputDir: join(file, "results"),
      }),
    );
    await expect(attempt).rejects.toBeInstanceOf(PreflightError);
    const error = (await attempt.catch((e: unknown) => e)) as PreflightError;
    expect(error.code).toBe("LEM_PREFLIGHT");
    expect(error.failures.map((f) => f.check)).toEqual(["gpus", "backend", "model", "output-dir"]);
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("pre-flight found 4 problem(s):");
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^- .*entry 2 \("banana"\) is not a device index.* Fix: Set CUDA_VISIBLE_DEVICES/);
    expect(lines[2]).toMatch(/^- the backend executable "no-such-engine-binary" is not on PATH .* Fix: Install it/);
    expect(lines[3]).toMatch(/^- the model path .*no\/such\/model does not exist\. Fix: /);
    expect(lines[4]).toContain(`the output directory ${join(file, "results")} cannot be created`);
  });

  it("returns at once without touching NVML when skipped", async () => {
    const report = await runPreflight({ skip: true, cudaVisibleDevices: "banana", model: "./missing" });
    expect(report).toEqual({ skipped: true, passed: [], warnings: [], gpus: [], durationMs: 0 });
  });
});

describe("check nvml", () => {
  it("fails when the driver is older than the minimum, saying both versions", async () => {
    const failures = await failuresOf(quick({ minDriverVersion: "560.1" }));
    expect(failures).toEqual([
      { check: "nvml", message: "the NVIDIA driver is 550.54.15, older than the required 560.1.", fix: "Install NVIDIA driver 560.1 or newer." },
    ]);
  });

  it("accepts a driver at or above the minimum", async () => {
    const report = await runPreflight(quick({ minDriverVersion: "535.104.05" }));
    expect(report.passed).toContain("nvml");
  });
});

describe("check gpus", () => {
  it("fails for a GPU index that does not exist, naming the entry", async () => {
    const failures = await failuresOf(quick({ cudaVisibleDevices: "3" }));
    expect(failures).toHaveLength(1);
    expect(failures[0]!.check).toBe("gpus");
    expect(failures[0]!.message).toContain('entry 1 ("3") names CUDA device 3, but CUDA sees 1 device(s)');
  });

  it("fails when no GPU is selected", async () => {
    const failures = await failuresOf(quick({ cudaVisibleDevices: "-1" }));
    expect(failures.map((f) => f.check)).toEqual(["gpus"]);
    expect(failures[0]!.message).toContain("no GPU is selected");
  });

  it("maps CUDA ordinals to NVML indices through the CUDA order", async () => {
    simulateScenario({ name: "swapped", cuda: { order: [1, 0] }, devices: [{ name: "A" }, { name: "B" }] });
    const report = await runPreflight(quick({ cudaVisibleDevices: "0" }));
    expect(report.gpus).toEqual([{ nvmlIndex: 1, uuid: "GPU-5e1a0000-0000-4000-8000-000000000001", cudaOrdinal: 0 }]);
  });

  it("fails for a lost GPU with the NVML name instead of throwing", async () => {
    simulateScenario({ name: "lost", devices: [{ name: "G", errors: [{ atS: 0, functions: ["*"], error: "NVML_ERROR_GPU_IS_LOST" }] }] });
    const failures = await failuresOf(quick());
    expect(failures.map((f) => f.check)).toEqual(["gpus"]);
    expect(failures[0]!.message).toContain("NVML_ERROR_GPU_IS_LOST");
    expect(failures[0]!.fix).toContain("nvidia-smi");
  });

  it("uses every GPU when CUDA_VISIBLE_DEVICES is unset", async () => {
    useSimulatedGpu("h100x8");
    const report = await runPreflight({ cudaVisibleDevices: undefined, throttleSampleMs: 0 });
    expect(report.gpus.map((g) => g.nvmlIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe("check backend", () => {
  it("passes an executable found on PATH", async () => {
    const report = await runPreflight(quick({ command: { executable: "sh" } }));
    expect(report.passed).toContain("backend");
  });

  it("passes an executable given by path whose probe succeeds", async () => {
    const report = await runPreflight(quick({ command: { executable: process.execPath, probeArgs: ["--version"] } }));
    expect(report.passed).toContain("backend");
  });

  it("fails a probe that exits non-zero, quoting the last line of its stderr", async () => {
    const failures = await failuresOf(
      quick({ command: { executable: process.execPath, probeArgs: ["-e", "console.error('first'); console.error('engine is broken'); process.exit(3)"] } }),
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/failed: it exited with code 3: engine is broken\.$/);
  });

  it("fails a probe that does not finish within the timeout", async () => {
    const failures = await failuresOf(
      quick({ probeTimeoutMs: 300, command: { executable: process.execPath, probeArgs: ["-e", "setTimeout(() => {}, 10000)"] } }),
    );
    expect(failures[0]!.message).toContain("it did not finish within 300 ms");
    expect(failures[0]!.fix).toContain("raise the probe timeout");
  });

  it("fails a path that is not executable", async () => {
    const file = join(tmp("noexec"), "engine");
    writeFileSync(file, "#!/bin/sh\n");
    const failures = await failuresOf(quick({ command: { executable: file } }));
    expect(failures[0]!.message).toBe(`the backend executable ${file} does not exist or is not an executable file.`);
  });

  it("passes a Python interpreter whose modules import", async () => {
    const report = await runPreflight(quick({ python: { interpreter: fakePython(), modules: ["json"] } }));
    expect(report.passed).toContain("backend");
  });

  it("names each missing Python module and suggests pip install", async () => {
    const python = fakePython();
    const failures = await failuresOf(quick({ python: { interpreter: python, modules: ["json", "vllm", "broken"] } }));
    expect(failures).toHaveLength(2);
    expect(failures[0]).toEqual({
      check: "backend",
      message: `the Python module "vllm" is not installed for ${python}.`,
      fix: `Install it into that environment: ${python} -m pip install vllm (the package name may differ from the module name).`,
    });
    expect(failures[1]!.message).toContain('importing the Python module "broken"');
    expect(failures[1]!.message).toContain("ImportError: libcudart.so.12: cannot open shared object file");
  });

  it("fails a Python interpreter that is not there", async () => {
    const failures = await failuresOf(quick({ python: { interpreter: "/no/such/python3", modules: ["vllm"] } }));
    expect(failures.map((f) => f.message)).toEqual(['the Python interpreter "/no/such/python3" was not found.']);
  });

  it("rejects a module name that is not a Python identifier instead of running it", async () => {
    const failures = await failuresOf(quick({ python: { interpreter: fakePython(), modules: ["os; print(1)"] } }));
    expect(failures[0]!.message).toBe('"os; print(1)" is not a Python module name.');
  });
});

describe("check model", () => {
  let cache: string;
  beforeEach(() => {
    cache = tmp("hf");
    process.env.HF_HUB_CACHE = cache;
  });

  it("passes a local model directory", async () => {
    const report = await runPreflight(quick({ model: tmp("model") }));
    expect(report.passed).toContain("model");
  });

  it("passes a hub id found in the local Hugging Face cache", async () => {
    mkdirSync(join(cache, "models--org--tiny", "snapshots", "abc123"), { recursive: true });
    const report = await runPreflight(quick({ model: "org/tiny" }));
    expect(report.passed).toContain("model");
  });

  it("fails a hub id missing from the cache, saying where it looked and how to download it", async () => {
    mkdirSync(join(cache, "models--org--empty", "snapshots"), { recursive: true });
    const failures = await failuresOf(quick({ model: "org/empty" }));
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toContain(`${join(cache, "models--org--empty", "snapshots")} is missing or empty`);
    expect(failures[0]!.fix).toContain("huggingface-cli download org/empty");
  });

  it("looks in $HF_HOME/hub when HF_HUB_CACHE is unset", async () => {
    delete process.env.HF_HUB_CACHE;
    const home = tmp("hfhome");
    process.env.HF_HOME = home;
    mkdirSync(join(home, "hub", "models--org--tiny", "snapshots", "abc"), { recursive: true });
    const report = await runPreflight(quick({ model: "org/tiny" }));
    expect(report.passed).toContain("model");
    delete process.env.HF_HOME;
  });
});

describe("check output-dir", () => {
  it("passes for a missing output directory it can create, and leaves nothing behind", async () => {
    const parent = tmp("out");
    const report = await runPreflight(quick({ outputDir: join(parent, "a", "b") }));
    expect(report.passed).toContain("output-dir");
    expect(readdirSync(parent)).toEqual([]);
  });

  it("fails, at once, for a directory inside /proc (where recursive mkdir never returns)", async () => {
    const failures = await failuresOf(quick({ outputDir: "/proc/nope/out" }));
    expect(failures).toEqual([
      {
        check: "output-dir",
        message: "the output directory /proc/nope/out cannot be created: /proc/nope cannot be created in /proc (ENOENT: no such file or directory, mkdir '/proc/nope').",
        fix: "Choose an output directory (output.dir or --output) below a directory you can write to on a real disk: no parent may be a file, read-only, or a virtual filesystem such as /proc.",
      },
    ]);
  });

  it("fails for a directory below a file, naming the file", async () => {
    const file = join(tmp("out"), "passwd");
    writeFileSync(file, "root:x:0:0\n");
    const failures = await failuresOf(quick({ outputDir: join(file, "out") }));
    expect(failures.map((f) => [f.check, f.message])).toEqual([
      ["output-dir", `the output directory ${file}/out cannot be created: ${file} is a file, not a directory, so ${file}/out cannot be created below it.`],
    ]);
  });

  it("fails when there is less free disk than required", async () => {
    const dir = tmp("out");
    const failures = await failuresOf(quick({ outputDir: dir, minFreeDiskMiB: Number.MAX_SAFE_INTEGER }));
    expect(failures[0]!.check).toBe("output-dir");
    expect(failures[0]!.message).toMatch(new RegExp(`^the output directory ${dir} has \\d+ MiB free, less than the \\d+ MiB required\\.$`));
  });
});

describe("check gpu-lock", () => {
  it("fails when another live lem study holds the GPU, naming the study", async () => {
    writeFileSync(
      gpuLockFile(UUID0),
      JSON.stringify({ study: "llama-sweep", pid: process.pid, since: "2025-06-01T10:00:00.000Z", host: hostname() }),
    );
    const failures = await failuresOf(quick());
    expect(failures).toEqual([
      {
        check: "gpu-lock",
        message: `GPU ${UUID0} is in use by lem study "llama-sweep" (pid ${process.pid} on ${hostname()}, since 2025-06-01T10:00:00.000Z).`,
        fix: `Wait for that study to finish, or choose other GPUs with CUDA_VISIBLE_DEVICES; if that process is really gone, delete ${gpuLockFile(UUID0)}.`,
      },
    ]);
  });

  it("passes when the lock's holder is dead", async () => {
    writeFileSync(gpuLockFile(UUID0), JSON.stringify({ study: "crashed", pid: 999_999_999, since: "2025-06-01T10:00:00.000Z", host: hostname() }));
    const report = await runPreflight(quick());
    expect(report.passed).toContain("gpu-lock");
  });
});
