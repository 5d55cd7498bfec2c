// `lem run-one DIR --index N`: one planned run, as a scheduler's task runs it (here without a scheduler).
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, runLem } from "./support/run-lem.js";
import { writeStudy } from "./support/study.js";

const env = cleanEnv({ LEM_SIMULATE: "steady" });
let dir: string;

function manifest(): any {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
}

function stateFileOf(position: number): string {
  const name = readdirSync(dir).find((d) => d.startsWith(`${String(position + 1).padStart(3, "0")}_`))!;
  return join(dir, name, "state.json");
}

beforeAll(async () => {
  const { dir: base, file } = writeStudy({ name: "run-one", cycles: 1, baselineS: false, sweep: { "params.batch_size": [1, 2] } });
  const r = await runLem(["run", file, "--output", join(base, "results"), "--quiet"], env);
  expect(r.exitCode, r.stderr).toBe(0);
  const results = join(base, "results");
  dir = join(results, readdirSync(results)[0]!);
}, 120_000);

describe("lem run-one", () => {
  it("leaves a completed run alone", async () => {
    const before = readFileSync(stateFileOf(1), "utf8");
    const r = await runLem(["run-one", dir, "--index", "1"], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("is completed already: nothing to do");
    expect(readFileSync(stateFileOf(1), "utf8")).toBe(before);
  });

  it("measures a run found in progress (its node died) again from scratch, keeping that attempt's files", async () => {
    const file = stateFileOf(0);
    const state = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...state, run: { ...state.run, status: "running", endedAt: null, child: { pid: 999_999, startTicks: "1" } } }));
    const r = await runLem(["run-one", dir, "--index", "0"], env);
    expect(r.exitCode, r.stderr).toBe(0);
    // The index (manifest.json) is not a task's to write; the state file is the truth.
    expect(manifest().runs[0].attempts).toBe(1);
    const run = JSON.parse(readFileSync(file, "utf8")).run;
    expect(run.status).toBe("completed");
    expect(run.attempts).toBe(2);
    expect(run.history).toHaveLength(1);
    expect(run.history[0]).toMatchObject({ attempt: 1, status: "interrupted", evidence: expect.stringMatching(/attempt-1$/) });
    expect(run.history[0].error).toContain("measured again from scratch");
    expect(existsSync(join(dir, run.history[0].evidence, "result.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, run.resultPath), "utf8")).placement).toMatchObject({ executor: "slurm", slurm: null });
  }, 60_000);

  it("refuses a run that the study does not have, saying which exist", async () => {
    const r = await runLem(["run-one", dir, "--index", "7"], env);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toContain("has 2 planned run(s), numbered 0 to 1; there is no run 7");
  });

  it("needs --index as a whole number", async () => {
    const r = await runLem(["run-one", dir, "--index", "x"], env);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toContain('needs --index N, a whole number from 0, got "x"');
  });
});
