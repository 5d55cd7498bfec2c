// `lem preflight` as a user runs it: passed checks, warnings, and all failures with exit 1.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, runLem } from "./support/run-lem.js";

const env = (extra: Record<string, string> = {}) =>
  cleanEnv({ LEM_SIMULATE: "default", LEM_LOCK_DIR: mkdtempSync(join(tmpdir(), "lem-locks-")), ...extra });

describe("lem preflight", () => {
  it("prints the passed checks and warnings and exits 0 on a healthy GPU", async () => {
    const r = await runLem(["preflight", "--output", mkdtempSync(join(tmpdir(), "lem-out-")), "--command", "sh"], env());
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("passed: nvml\npassed: gpus\npassed: gpu-lock\npassed: backend\npassed: output-dir\n");
    expect(r.stdout).toContain("warning: [simulated] the GPU is simulated");
    expect(r.stdout).toMatch(/pre-flight passed for GPU 0 \(GPU-5e1a0000-0000-4000-8000-000000000000\) in \d+ ms\./);
    expect(r.stderr).toContain("*** SIMULATED GPU");
  });

  it("lists every failure together and exits 1", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "lem-file-")), "f");
    writeFileSync(file, "");
    const r = await runLem(
      ["preflight", "--devices", "0,banana", "--model", "./no-such-model", "--output", join(file, "out"), "--command", "no-such-engine"],
      env(),
    );
    expect(r.exitCode).toBe(1);
    const lines = r.stderr.trim().split("\n").filter((l) => !l.startsWith("***"));
    expect(lines[0]).toBe("lem: pre-flight found 4 problem(s):");
    expect(lines.slice(1).every((l) => /^- .+ Fix: .+/.test(l))).toBe(true);
    expect(lines).toHaveLength(5);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("prints the report as JSON with --json", async () => {
    const r = await runLem(["preflight", "--json"], env({ LEM_SIMULATE: "mig" }));
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; passed: string[]; warnings: { check: string }[]; skipped: boolean };
    expect(report).toMatchObject({ ok: true, skipped: false, passed: ["nvml", "gpus", "gpu-lock"] });
    expect(report.warnings.map((w) => w.check)).toEqual(expect.arrayContaining(["simulated", "persistence-mode", "mig"]));
  });

  it("prints the failures as JSON with --json and exits 1", async () => {
    const r = await runLem(["preflight", "--json", "--model", "./no-such-model"], env());
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; failures: { check: string; message: string; fix: string }[] };
    expect(out.ok).toBe(false);
    expect(out.failures.map((f) => f.check)).toEqual(["model"]);
  });

  it("fails without NVML with one problem that names LEM_SIMULATE", async () => {
    const r = await runLem(["preflight"], cleanEnv({ LEM_LOCK_DIR: mkdtempSync(join(tmpdir(), "lem-locks-")) }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^lem: pre-flight found 1 problem\(s\):\n- NVML is unavailable: cannot load .* Fix: .*LEM_SIMULATE=default/);
  });

  it("rejects an unknown option as a usage error", async () => {
    const r = await runLem(["preflight", "--bogus"], env());
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toContain("--bogus");
  });

  it("prints its help", async () => {
    const r = await runLem(["preflight", "--help"], env());
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: lem preflight/);
  });
});
