// `lem run` options and limits, and `lem schema`, as a user runs them.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireGpuLocks } from "../lib/gpu/gpu-lock.js";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn, writeStudy } from "./support/study.js";

const envFor = (dir: string) => cleanEnv({ LEM_SIMULATE: "steady", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });

interface Manifest {
  runs: { status: string; error: string | null }[];
}

describe("lem run --dry-run", () => {
  it("prints the plan, the estimated duration and the invalid points, and runs nothing", async () => {
    const { dir, file } = writeStudy({ sweep: { "params.batch_size": [1, 2], "dataset.prompts": [4, 0] }, cycles: 2, baselineS: 3 });
    const r = await runLem(["run", file, "--dry-run"], envFor(dir));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^study test-study \([0-9a-f]{16}\): 2 configuration\(s\) x 2 cycle\(s\), order interleaved/);
    expect(r.stdout.split("\n").filter((l) => /^\d+\s+[12]\s+\S+\s+[0-9a-f]{16}$/.test(l))).toHaveLength(4);
    expect(r.stdout).toContain("estimated duration: at least 3 s (baseline 3 s; 4 run(s) with no earlier run to go by (not counted))");
    expect(r.stdout).toMatch(/skipped invalid point .*"dataset\.prompts":0.*dataset\.prompts/);
  });

  it("estimates the duration from earlier runs of the same configurations", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ cycles: 2, baselineS: false });
    expect((await runLem(["run", file], envFor(dir))).exitCode).toBe(0);
    const r = await runLem(["run", file, "--dry-run"], envFor(dir));
    expect(r.stdout).toMatch(/estimated duration: \d+ s \(baseline 0 s; run times from 2 earlier run\(s\) of 1 configuration\(s\)\)/);
  });

  it("warns that 3 configurations in 2 latin-square cycles leave carry-over unbalanced, and says what balances it", async () => {
    const { dir, file } = writeStudy({ sweep: { "params.batch_size": [1, 2, 3] }, cycles: 2, order: "latin-square" });
    const r = await runLem(["run", file, "--dry-run"], envFor(dir));
    expect(r.stdout).toMatch(/warning: carry-over-imbalance: with order latin-square and 2 cycle\(s\) of 3 configurations, one configuration follows another between 0 and 1 times .* set execution\.cycles to a multiple of 6/);
  });

  it("prints the plan as JSON with --json", async () => {
    const { dir, file } = writeStudy({ sweep: { "params.batch_size": [1, 2, 3] }, cycles: 2, order: "latin-square" });
    const r = await runLem(["run", file, "--dry-run", "--json"], envFor(dir));
    const out = JSON.parse(r.stdout) as { plan: { experiment: number }[]; experiments: unknown[] };
    expect(out.experiments).toHaveLength(3);
    expect(out.plan).toHaveLength(6);
  });
});

describe("lem run limits", () => {
  it("stops a run that exceeds its time limit and fails it", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ prompts: 200, stepMs: 20, baselineS: false, execution: { runTimeoutS: 1 } });
    const r = await runLem(["run", file], envFor(dir));
    expect(r.exitCode).toBe(1);
    const m = readJson<Manifest>(join(studyDirIn(dir), "manifest.json"));
    expect(m.runs[0]!.error).toBe("the run exceeded its time limit of 1 s and was stopped");
  });

  it("stops the study at its wall-clock limit, leaving the remaining runs pending", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ cycles: 5, prompts: 8, stepMs: 30, baselineS: false, execution: { studyTimeoutS: 0.5 } });
    const r = await runLem(["run", file], envFor(dir));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/lem: study stopped: /);
    const m = readJson<Manifest>(join(studyDirIn(dir), "manifest.json"));
    expect(m.runs[0]!.status).toBe("completed");
    expect(m.runs.filter((x) => x.status === "pending").length).toBeGreaterThanOrEqual(3);
  });

  it("refuses to share a GPU with another study that holds it", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ baselineS: false });
    process.env.LEM_LOCK_DIR = join(dir, "locks");
    const held = await acquireGpuLocks(["GPU-5e1a0000-0000-4000-8000-000000000000"], { study: "other-study" });
    try {
      const r = await runLem(["run", file], envFor(dir));
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain("other-study");
      expect(r.stderr).toMatch(/^lem: pre-flight found 1 problem\(s\):/m);
    } finally {
      held.release();
      delete process.env.LEM_LOCK_DIR;
    }
  });

  it("says what to give when neither a study nor --resume is given", async () => {
    const r = await runLem(["run"]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toBe('lem: give a study file (lem run STUDY.yaml) or a study to resume (lem run --resume DIR). See "lem run --help".');
  });

  it("names the file and the field of a bad study, without a stack trace", async () => {
    const { dir, file } = writeStudy({ execution: { cycles: "three" } });
    const r = await runLem(["run", file], envFor(dir));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("execution.cycles");
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});

describe("lem schema", () => {
  it("prints the JSON Schema of a study", async () => {
    const r = await runLem(["schema"]);
    expect(r.exitCode).toBe(0);
    const schema = JSON.parse(r.stdout) as { type: string; properties: Record<string, unknown> };
    expect(schema.type).toBe("object");
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["name", "sweep", "execution", "base"]));
  });
});
