// `lem devices` as a user runs it.
import { describe, expect, it } from "vitest";
import { cleanEnv, runLem } from "./support/run-lem.js";

describe("lem devices", () => {
  it("prints the table of simulated GPUs and says loudly that they are simulated", async () => {
    const r = await runLem(["devices"], cleanEnv({ LEM_SIMULATE: "h100x8" }));
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('*** SIMULATED GPU (scenario "h100x8")');
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NVML .* \(simulated:h100x8\), driver /);
    expect(lines.filter((l) => /^\d+\s+NVIDIA H100/.test(l))).toHaveLength(8);
  });

  it("prints JSON with --json, every fact present or absent, never zero for unsupported", async () => {
    const r = await runLem(["devices", "--json", "--simulate", "no-energy-counter"], cleanEnv());
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as { nvml: { simulated: boolean }; devices: Record<string, unknown>[] };
    expect(out.nvml.simulated).toBe(true);
    const d = out.devices[0]!;
    expect(d.energyCounterSupported).toBe(false);
    expect(d.instantPowerSupported).toBe(false);
    expect(typeof d.uuid).toBe("string");
  });

  it("shows help with examples", async () => {
    const r = await runLem(["devices", "--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("Usage: lem devices [--json]");
    expect(r.stdout).toContain("LEM_SIMULATE=h100x8 lem devices");
  });

  it("rejects an unknown option with a usage error and exit code 64", async () => {
    const r = await runLem(["devices", "--jsn"], cleanEnv({ LEM_SIMULATE: "default" }));
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/^lem: Unknown option '--jsn'/);
  });

  it("names the built-in scenarios when LEM_SIMULATE names none", async () => {
    const r = await runLem(["devices"], cleanEnv({ LEM_SIMULATE: "h100x9" }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/h100x9/);
    expect(r.stderr).toMatch(/default/);
  });

  it("rejects an unknown command and lists the commands", async () => {
    const r = await runLem(["devics"]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toBe('lem: unknown command "devics". Commands: init, run, status, run-one, results, report, merge, devices, measure, monitor, baseline, preflight, schema, env. See "lem --help".');
  });
});
