// `lem measure --devices` runs the command on the GPUs it measures, and MIG is said wherever a
// figure is shown: lem measure's text output, and every study result's warnings; on the
// simulated GPU.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn, writeStudy } from "./support/study.js";

const tmp = () => mkdtempSync(join(tmpdir(), "lem-measure-devices-"));
const writesEnv = (file: string) => `require("fs").writeFileSync(${JSON.stringify(file)}, String(process.env.CUDA_VISIBLE_DEVICES))`;

describe("lem measure --devices", () => {
  it("gives the command CUDA_VISIBLE_DEVICES of the GPUs it measures", async () => {
    const seen = join(tmp(), "seen");
    const r = await runLem(["measure", "--devices", "5", "--", process.execPath, "-e", writesEnv(seen)], cleanEnv({ LEM_SIMULATE: "h100x8" }));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("lem: measuring GPU 5 while");
    expect(readFileSync(seen, "utf8")).toBe("5");
  });

  it("leaves the command lem's own CUDA_VISIBLE_DEVICES without --devices", async () => {
    const seen = join(tmp(), "seen");
    const r = await runLem(["measure", "--", process.execPath, "-e", writesEnv(seen)], cleanEnv({ LEM_SIMULATE: "h100x8", CUDA_VISIBLE_DEVICES: "2" }));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(seen, "utf8")).toBe("2");
  });
});

describe("MIG", () => {
  it("lem measure's text output shows the pre-flight warnings, MIG among them, and the figure's mig warning", async () => {
    const r = await runLem(["measure", "--", process.execPath, "-e", "0"], cleanEnv({ LEM_SIMULATE: "mig" }));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^pre-flight warning \(mig\): GPU 0 \(GPU-[^)]+\) has MIG enabled/m);
    expect(r.stderr).toMatch(/^pre-flight warning \(persistence-mode\): /m);
  });

  it("lem measure --json has the mig warning among the figure's warnings", async () => {
    const r = await runLem(["measure", "--json", "--", process.execPath, "-e", "0"], cleanEnv({ LEM_SIMULATE: "mig" }));
    const m = JSON.parse(r.stdout) as { energy: { warnings: { code: string; device?: number }[] } };
    expect(m.energy.warnings.filter((w) => w.code === "mig")).toEqual([expect.objectContaining({ code: "mig", device: 0 })]);
  });

  it("every result of a study on a MIG GPU carries the mig warning", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ cycles: 2, baselineS: false });
    const r = await runLem(["run", file], cleanEnv({ LEM_SIMULATE: "mig", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") }));
    expect(r.exitCode, r.stderr).toBe(0);
    const studyDir = studyDirIn(dir);
    const m = readJson<{ runs: { resultPath: string }[] }>(join(studyDir, "manifest.json"));
    for (const run of m.runs) {
      const res = readJson<{ warnings: { code: string; message: string }[] }>(join(studyDir, run.resultPath));
      expect(res.warnings.find((w) => w.code === "mig")?.message).toMatch(/^GPU 0 \(GPU-[^)]+\) has MIG enabled: NVML reports power and energy only for the whole GPU/);
    }
  });
});
