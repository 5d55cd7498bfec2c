// harness/python as a Python package (lem-harness): installed offline into a fresh virtual
// environment, its lem_protocol module marks the window of a program lem measures.
import { execa } from "execa";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, lemBin, repoRoot } from "./support/run-lem.js";

const work = mkdtempSync(join(tmpdir(), "lem-pip-"));
const venv = join(work, "venv");
const python = join(venv, "bin", "python");
let install: Awaited<ReturnType<typeof execa>>;

beforeAll(async () => {
  // A copy, so that nothing the build writes lands in the repository.
  cpSync(join(repoRoot, "harness", "python"), join(work, "src"), { recursive: true, filter: (s) => !s.includes("__pycache__") });
  await execa("python3", ["-m", "venv", venv]);
  // No index at all: the harness needs nothing to build or to run.
  install = await execa(python, ["-m", "pip", "install", "--no-index", "--no-cache-dir", "--disable-pip-version-check", join(work, "src")], {
    env: { ...process.env, PIP_FIND_LINKS: "", PIP_EXTRA_INDEX_URL: "", PIP_CONSTRAINT: "" },
    reject: false,
    all: true,
  });
}, 180_000);

describe("pip install ./harness/python", () => {
  it("installs offline (--no-index) into a fresh virtual environment", () => {
    expect(install.exitCode, String(install.all)).toBe(0);
    expect(String(install.all)).toContain("Successfully installed lem-harness-0.1.0");
  });

  it("declares no dependencies, and torch, transformers and accelerate with minimum versions as the transformers extra", async () => {
    const r = await execa(python, ["-c", "import importlib.metadata as m, json; d = m.metadata('lem-harness'); print(json.dumps({'python': d['Requires-Python'], 'extras': d.get_all('Provides-Extra'), 'requires': d.get_all('Requires-Dist')}))"], { cwd: work });
    expect(JSON.parse(r.stdout)).toEqual({
      python: ">=3.9",
      extras: ["transformers"],
      requires: ['torch>=1.10; extra == "transformers"', 'transformers>=4.36; extra == "transformers"', 'accelerate>=0.21; extra == "transformers"'],
    });
  });

  it("gives the lem-transformers command, which says what is missing when torch is not installed", async () => {
    const promptsFile = join(work, "prompts.jsonl");
    writeFileSync(promptsFile, '{"id":"p1","prompt":"hi"}\n');
    const r = await execa(join(venv, "bin", "lem-transformers"), ["--model", "m", "--prompts-file", promptsFile], { cwd: work, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("lacks torch, transformers and accelerate");
  });

  it("gives lem_protocol, whose Channel marks the measurement window of a program lem measures", { timeout: 60_000 }, async () => {
    const child = join(work, "child.py");
    writeFileSync(
      child,
      [
        "import time",
        "from lem_protocol import Channel, now_ns, prompts",
        "lem = Channel()",
        "lem.ready()",
        "time.sleep(0.2)  # loading: outside the window",
        "with lem.window():",
        "    for p in prompts(['a b c', 'd e']):",
        "        start = now_ns(); time.sleep(0.05)",
        "        lem.request(input_tokens=len(p.split()), output_tokens=4, ttft_ns=1000, latency_ns=now_ns() - start)",
        "lem.result(engine='mine', engine_version='1.0')",
        "print('done')",
      ].join("\n"),
    );
    const r = await execa(process.execPath, [lemBin, "measure", "--json", "--", python, child], { cwd: work, env: cleanEnv({ LEM_SIMULATE: "default" }), extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { window: { source: string }; energy: { durationS: number }; protocol: { events: number; problems: unknown[] }; command: { durationS: number } };
    expect(out.window.source).toBe("protocol");
    expect(out.protocol).toEqual({ events: 6, problems: [] });
    expect(out.energy.durationS).toBeGreaterThan(0.09);
    expect(out.energy.durationS).toBeLessThan(out.command.durationS - 0.15);
    expect(r.stderr).toContain("done");
  });

  it("leaves lem_protocol silent where no lem started the program (no fd 3)", async () => {
    const r = await execa(python, ["-c", "from lem_protocol import Channel; c = Channel(); c.ready(); c.window_start(); print(c.connected)"], { cwd: work });
    expect(r.stdout).toBe("False");
    expect(r.stderr).toBe("");
  });
});
