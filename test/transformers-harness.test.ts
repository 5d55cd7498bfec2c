// The transformers backend's child: its Python unit tests, the command line lem builds for it,
// the Python it runs with, and what lem receives from it on a Python without torch.
import { execa, execaSync } from "execa";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runChild } from "../lib/backends/child-process.js";
import type { ChildEvent } from "../lib/backends/protocol.js";
import { findPython, PythonNotFoundError } from "../lib/backends/transformers/find-python.js";
import { harnessPath, transformersArgv } from "../lib/backends/transformers/transformers-argv.js";
import { ExperimentSchema } from "../lib/config/schema.js";
import { cleanEnv, repoRoot } from "./support/run-lem.js";

const scratch = mkdtempSync(join(tmpdir(), "lem-transformers-"));
const HARNESS = join(repoRoot, "harness", "python", "lem_transformers.py");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A directory holding executable files with these names (each a shell script that exits 0). */
function binDir(name: string, executables: string[], plainFiles: string[] = []): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const file of executables) {
    writeFileSync(join(dir, file), "#!/bin/sh\nexit 0\n");
    chmodSync(join(dir, file), 0o755);
  }
  for (const file of plainFiles) writeFileSync(join(dir, file), "not a program\n");
  return dir;
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

describe("the Python unit tests of the harness (harness/python/tests)", () => {
  it("all pass, and every test defined there ran", async () => {
    const testsDir = join(repoRoot, "harness", "python", "tests");
    const defined = readdirSync(testsDir)
      .filter((f) => /^test_.*\.py$/.test(f))
      .reduce((n, f) => n + (readFileSync(join(testsDir, f), "utf8").match(/^ {4}def test_/gm) ?? []).length, 0);
    const python = findPython(undefined, cleanEnv()).interpreter;
    // -B: no __pycache__ left in the source tree.
    const r = await execa(python, ["-B", "-m", "unittest", "discover", "-s", "harness/python/tests"], {
      cwd: repoRoot,
      env: cleanEnv(),
      extendEnv: false,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^OK$/m);
    expect(defined).toBeGreaterThanOrEqual(60);
    expect(r.stderr).toContain(`Ran ${defined} tests`);
  }, 120_000);
});

describe("harnessPath", () => {
  it("is the harness in the package, resolved to an absolute path", () => {
    expect(harnessPath()).toBe(HARNESS);
    expect(existsSync(harnessPath())).toBe(true);
  });
});

describe("transformersArgv", () => {
  it("gives the schema defaults when the experiment has no transformers block", () => {
    const cfg = ExperimentSchema.parse({ model: "sshleifer/tiny-gpt2", backend: "transformers" });
    expect(transformersArgv(cfg, { python: "/usr/bin/python3", promptsFile: "/run/prompts.jsonl" })).toEqual([
      "/usr/bin/python3",
      HARNESS,
      "--model",
      "sshleifer/tiny-gpt2",
      "--prompts-file",
      "/run/prompts.jsonl",
      "--batch-size",
      "1",
      "--max-new-tokens",
      "128",
      "--max-input-tokens",
      "512",
      "--dtype",
      "auto",
      "--device-map",
      "auto",
      "--temperature",
      "0",
      "--top-p",
      "1",
      "--seed",
      "0",
      "--warmup-batches",
      "0",
    ]);
  });

  it("passes every transformers and generation option, and warm-up prompts as whole batches", () => {
    const cfg = ExperimentSchema.parse({
      model: "/models/llama-3.1-8b",
      backend: "transformers",
      transformers: { python: "/opt/venv/bin/python", dtype: "bfloat16", deviceMap: "cuda:0", attnImplementation: "sdpa", batchSize: 8, trustRemoteCode: true },
      generation: { maxInputTokens: 1024, maxOutputTokens: 256, temperature: 0.7, topP: 0.9, seed: 7, ignoreEos: true },
      measurement: { warmupRequests: 10 },
    });
    expect(transformersArgv(cfg, { python: "/opt/venv/bin/python", promptsFile: "p.jsonl" })).toEqual([
      "/opt/venv/bin/python",
      HARNESS,
      "--model",
      "/models/llama-3.1-8b",
      "--prompts-file",
      "p.jsonl",
      "--batch-size",
      "8",
      "--max-new-tokens",
      "256",
      "--max-input-tokens",
      "1024",
      "--dtype",
      "bfloat16",
      "--device-map",
      "cuda:0",
      "--attn-implementation",
      "sdpa",
      "--trust-remote-code",
      "--temperature",
      "0.7",
      "--top-p",
      "0.9",
      "--seed",
      "7",
      "--ignore-eos",
      "--warmup-batches",
      "2", // 10 prompts in batches of 8
    ]);
  });
});

describe("findPython", () => {
  const both = binDir("both", ["python3", "python"]);
  const onlyPython = binDir("only-python", ["python"]);
  const custom = join(binDir("custom", ["my-python"]), "my-python");
  const fromEnv = join(binDir("env", ["env-python"]), "env-python");

  it("takes the configured interpreter first", () => {
    expect(findPython(custom, { LEM_PYTHON: fromEnv, PATH: both })).toEqual({ interpreter: custom, source: "config" });
  });

  it("looks a configured bare name up on PATH", () => {
    expect(findPython("my-python", { PATH: join(scratch, "custom") })).toEqual({ interpreter: custom, source: "config" });
  });

  it("takes LEM_PYTHON when nothing is configured", () => {
    expect(findPython(undefined, { LEM_PYTHON: fromEnv, PATH: both })).toEqual({ interpreter: fromEnv, source: "LEM_PYTHON" });
  });

  it("takes python3 on PATH, before python even in an earlier directory", () => {
    expect(findPython(undefined, { PATH: [onlyPython, both].join(delimiter) })).toEqual({ interpreter: join(both, "python3"), source: "PATH" });
  });

  it("takes python on PATH when there is no python3", () => {
    expect(findPython(undefined, { PATH: onlyPython })).toEqual({ interpreter: join(onlyPython, "python"), source: "PATH" });
  });

  it("skips a python3 that is not executable", () => {
    const dir = binDir("not-executable", ["python"], ["python3"]);
    expect(findPython(undefined, { PATH: dir })).toEqual({ interpreter: join(dir, "python"), source: "PATH" });
  });

  it("names everything it tried when there is no Python", () => {
    const empty = binDir("empty", []);
    const e = caught(() => findPython(undefined, { PATH: empty }));
    expect(e).toBeInstanceOf(PythonNotFoundError);
    expect((e as PythonNotFoundError).code).toBe("python-not-found");
    expect((e as PythonNotFoundError).tried).toEqual(["transformers.python (not set)", "LEM_PYTHON (not set)", `python3 and python on PATH (${empty})`]);
    expect((e as Error).message).toContain(`no Python for the transformers backend: tried transformers.python (not set), LEM_PYTHON (not set), python3 and python on PATH (${empty}).`);
    expect((e as Error).message).toContain("LEM_PYTHON=/path/to/venv/bin/python");
  });

  it("never falls back from a configured interpreter that is missing to another Python", () => {
    const e = caught(() => findPython("/opt/missing/bin/python", { LEM_PYTHON: fromEnv, PATH: both }));
    expect((e as PythonNotFoundError).code).toBe("python-not-found");
    expect((e as Error).message).toMatch(/^no Python for the transformers backend: transformers\.python "\/opt\/missing\/bin\/python" \(not an executable file\)\. Fix transformers\.python/);
  });

  it("never falls back from a LEM_PYTHON that is missing either", () => {
    const e = caught(() => findPython(undefined, { LEM_PYTHON: "python3.99", PATH: both }));
    expect((e as Error).message).toContain(`LEM_PYTHON "python3.99" (not on PATH: ${both}). Fix or unset LEM_PYTHON.`);
  });
});

// This machine's python3 has no torch (no PyPI here); where one has it, the child would load a
// model instead and this test could not show the failure path, so it says so and skips.
const python = findPython(undefined, cleanEnv()).interpreter;
const hasTorch =
  execaSync(python, ["-c", "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('torch') else 1)"], { reject: false }).exitCode === 0;

describe("the harness run by lem with a Python that lacks torch", () => {
  it.skipIf(hasTorch)("sends lem an error event that says what is missing and how to install it, and exits 2", async () => {
    const promptsFile = join(scratch, "prompts.jsonl");
    writeFileSync(promptsFile, '{"id":"line-1","prompt":"Hello"}\n{"id":"line-2","prompt":"Bonjour"}\n');
    const logFile = join(scratch, "child.log");
    const cfg = ExperimentSchema.parse({ model: "sshleifer/tiny-gpt2", backend: "transformers", measurement: { warmupRequests: 1 } });
    const seen: ChildEvent[] = [];
    const outcome = await runChild({
      argv: transformersArgv(cfg, { python, promptsFile }),
      env: cleanEnv(),
      logFile,
      // Generous: Python starts in well under a second, but a loaded 2-core machine can stall.
      runTimeoutMs: 60_000,
      silenceTimeoutMs: 60_000,
      onEvent: (e) => seen.push(e),
    });
    expect(outcome.exitCode).toBe(2);
    expect(outcome.stopReason).toBeNull();
    expect(outcome.protocolProblems).toEqual([]);
    expect(outcome.events.map((e) => e.event)).toEqual(["error"]);
    expect(seen).toEqual(outcome.events);
    const message = (outcome.events[0] as { message: string }).message;
    expect(message).toMatch(/^lem_transformers: the Python at \/\S+ \(Python 3\.\d+\.\d+\) lacks torch, transformers and accelerate\. /);
    expect(message).toMatch(/Install them into it \(\/\S+ -m pip install torch transformers accelerate\)/);
    expect(message).toContain("transformers.python in the experiment, or LEM_PYTHON");
    expect(readFileSync(logFile, "utf8")).toContain(message);
  });
});
