// Behaviours that a review of the study engine asked for: per-experiment GPUs, template
// typos caught before anything runs, a GPU lost mid-run, a damaged manifest, window marks.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requestsInWindow, windowWithinLifetime, type ChildEvent } from "../lib/backends/protocol.js";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn, writeStudy } from "./support/study.js";

const envFor = (dir: string, scenario = "steady") =>
  cleanEnv({ LEM_SIMULATE: scenario, LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });

interface Manifest {
  runs: { status: string; error: string | null; resultPath: string | null }[];
}
interface Result {
  config: { devices?: string };
  energy: { devices: { index: number }[] };
  warnings: { code: string; message: string }[];
}

describe("study engine review fixes", () => {
  it("samples each experiment's own GPUs when experiments select different ones", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ sweep: { devices: ["0", "3"] }, baselineS: false });
    const r = await runLem(["run", file], envFor(dir, "h100x8"));
    expect(r.exitCode, r.stderr).toBe(0);
    const studyDir = studyDirIn(dir);
    const m = readJson<Manifest>(join(studyDir, "manifest.json"));
    const results = m.runs.map((x) => readJson<Result>(join(studyDir, x.resultPath!)));
    expect(results.map((x) => [x.config.devices, x.energy.devices.map((d) => d.index)])).toEqual([
      ["0", [0]],
      ["3", [3]],
    ]);
  });

  it("refuses a command template that names no field before running anything, naming the experiment and argument", async () => {
    const { dir, file } = writeStudy({ extraArgs: ["--model", "{modle}"] });
    for (const args of [["run", file], ["run", file, "--dry-run"]]) {
      const r = await runLem(args, envFor(dir));
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/command\.argv\[\d+\]: "\{modle\}" names no field or param of the experiment/);
    }
  });

  it("fails a run whose GPU was lost mid-run, with a device-failed warning", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ baselineS: false, prompts: 64, stepMs: 10 });
    const r = await runLem(["run", file], envFor(dir, "gpu-lost"));
    expect(r.exitCode).toBe(1);
    const studyDir = studyDirIn(dir);
    const m = readJson<Manifest>(join(studyDir, "manifest.json"));
    expect(m.runs[0]!.status).toBe("failed");
    expect(m.runs[0]!.error).toMatch(/^GPU 1 failed during the run \(NVML_ERROR_GPU_IS_LOST\); the run's energy is unknown$/);
    const result = readJson<Result>(join(studyDir, m.runs[0]!.resultPath!));
    expect(result.warnings.find((w) => w.code === "device-failed")?.message).toMatch(/^GPU 1 failed with NVML_ERROR_GPU_IS_LOST/);
  });

  it("explains a damaged manifest instead of failing with a stack trace", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ baselineS: false });
    expect((await runLem(["run", file], envFor(dir))).exitCode).toBe(0);
    const studyDir = studyDirIn(dir);
    writeFileSync(join(studyDir, "manifest.json"), readFileSync(join(studyDir, "manifest.json"), "utf8").slice(0, 50));
    const r = await runLem(["run", "--resume", studyDir], envFor(dir));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/manifest\.json is not valid JSON .*edited or damaged outside lem/);
    expect(r.stderr).not.toContain("internal error");
  });
});

describe("window marks", () => {
  const ev = (e: object) => e as ChildEvent;
  it("counts only the requests reported between the window's marks", () => {
    const events = [
      ev({ event: "request", output_tokens: 5 }),
      ev({ event: "window_start", t_ns: 10n }),
      ev({ event: "request", output_tokens: 7 }),
      ev({ event: "window_end", t_ns: 20n }),
      ev({ event: "request", output_tokens: 9 }),
    ];
    const { inside, outside } = requestsInWindow(events, true);
    expect(inside).toHaveLength(1);
    expect(outside).toBe(2);
    expect(requestsInWindow(events, false).inside).toHaveLength(3);
  });

  it("recognises marks taken on another clock than the child's lifetime", () => {
    const lifetime = { startedNs: 5_000_000_000n, endedNs: 9_000_000_000n };
    expect(windowWithinLifetime({ startNs: 6_000_000_000n, endNs: 8_000_000_000n }, lifetime)).toBe(true);
    expect(windowWithinLifetime({ startNs: 1_700_000_000_000_000_000n, endNs: 1_700_000_000_100_000_000n }, lifetime)).toBe(false);
  });
});
