// The pieces of a Slurm submission that need no cluster: array chunks, sbatch arguments, batch scripts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { arrayChunks, rangeSpec } from "../lib/executors/slurm/array-chunks.js";
import { mergeScript, shellQuote, taskScript } from "../lib/executors/slurm/batch-script.js";
import { mergeSbatchArgs, slurmTime, taskSbatchArgs, taskTimeLimit } from "../lib/executors/slurm/sbatch-args.js";
import { SlurmSchema } from "../lib/config/slurm-schema.js";

describe("array chunks", () => {
  it("keeps a study within MaxArraySize in one array whose task i runs position i", () => {
    expect(arrayChunks([0, 1, 2, 3, 4, 5], 1001)).toEqual([{ offset: 0, positions: [0, 1, 2, 3, 4, 5], spec: "0-5" }]);
  });

  it("splits a study larger than MaxArraySize into arrays of MaxArraySize positions, offsets in order", () => {
    expect(arrayChunks([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4)).toEqual([
      { offset: 0, positions: [0, 1, 2, 3], spec: "0-3" },
      { offset: 4, positions: [4, 5, 6, 7], spec: "0-3" },
      { offset: 8, positions: [8, 9], spec: "0-1" },
    ]);
  });

  it("resubmits exactly the positions given, as an index list, each index below MaxArraySize", () => {
    expect(arrayChunks([9, 3, 7, 4], 5)).toEqual([
      { offset: 0, positions: [3, 4], spec: "3-4" },
      { offset: 5, positions: [7, 9], spec: "2,4" },
    ]);
  });

  it("writes runs of consecutive indices as ranges", () => {
    expect(rangeSpec([0, 1, 2, 5, 7, 8])).toBe("0-2,5,7-8");
    expect(rangeSpec([4])).toBe("4");
  });
});

describe("sbatch arguments", () => {
  const settings = SlurmSchema.parse({ partition: "gpu", account: "proj1", gpuType: "h100", constraint: "gh200&ib", maxParallel: 4, sbatchArgs: ["--mem=64G"] });

  it("asks for the run's GPUs, whole nodes, USR1 before the limit, requeue and one appended log per task", () => {
    expect(taskSbatchArgs({ settings, studyName: "sweep", studyDir: "/shared/r/sweep_1", arraySpec: "0-9", gpusPerRun: 2, timeLimit: "0-01:20:00" })).toEqual([
      "--parsable",
      "--job-name=lem-sweep",
      "--array=0-9%4",
      "--output=/shared/r/sweep_1/slurm/logs/%A_%a.out",
      "--open-mode=append",
      "--time=0-01:20:00",
      "--signal=B:USR1@180",
      "--requeue",
      "--gres=gpu:h100:2",
      "--exclusive",
      "--constraint=gh200&ib",
      "--partition=gpu",
      "--account=proj1",
      "--mem=64G",
    ]);
  });

  it("leaves out --exclusive only when asked, and a GPU type when none is given", () => {
    const args = taskSbatchArgs({ settings: SlurmSchema.parse({ exclusive: false }), studyName: "s", studyDir: "/d", arraySpec: "0", gpusPerRun: 1, timeLimit: "10" });
    expect(args).toContain("--gres=gpu:1");
    expect(args).not.toContain("--exclusive");
    expect(args.some((a) => a.startsWith("--partition"))).toBe(false);
  });

  it("doubles a '%' of the study directory so that only lem's %A_%a expand", () => {
    const args = taskSbatchArgs({ settings: SlurmSchema.parse({}), studyName: "s", studyDir: "/d/100%", arraySpec: "0", gpusPerRun: 1, timeLimit: "10" });
    expect(args).toContain("--output=/d/100%%/slurm/logs/%A_%a.out");
  });

  it("runs the merge job after every array, however they end, without a GPU", () => {
    const args = mergeSbatchArgs({ settings, studyName: "sweep", studyDir: "/d", afterJobIds: ["101", "102"] });
    expect(args).toContain("--dependency=afterany:101:102");
    expect(args).toContain("--time=1:00:00");
    expect(args.some((a) => a.startsWith("--gres"))).toBe(false);
    expect(args).toContain("--partition=gpu");
  });

  it("gives each task the run's time limit plus 10 minutes and the signal's lead, in whole minutes", () => {
    expect(slurmTime(3600 + 600 + 180)).toBe("0-01:13:00");
    expect(slurmTime(90_000)).toBe("1-01:00:00");
    expect(taskTimeLimit(SlurmSchema.parse({}), 60)).toBe("0-00:14:00");
    expect(taskTimeLimit(SlurmSchema.parse({ timeLimit: "2:00:00" }), 60)).toBe("2:00:00");
  });
});

describe("batch scripts", () => {
  const dir = mkdtempSync(join(tmpdir(), "lem script's dir "));
  const fakeLem = join(dir, "fake-lem.sh");
  writeFileSync(fakeLem, '#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done\n');
  chmodSync(fakeLem, 0o755);

  it("quotes every word it did not choose itself", () => {
    expect(shellQuote("/plain/path-1.2")).toBe("/plain/path-1.2");
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect(shellQuote("$(rm -rf /)")).toBe("'$(rm -rf /)'");
  });

  it("runs lem run-one for position offset + SLURM_ARRAY_TASK_ID, with the directory intact", () => {
    const script = join(dir, "task.sbatch");
    writeFileSync(script, taskScript({ studyName: "s", studyDir: dir, lem: [fakeLem], globalArgs: ["--simulate", "default"], setup: ["export LEM_TEST_SETUP=1"], taskArgs: ["--fail-fast"] }));
    const out = execFileSync("bash", [script, "1000"], { env: { ...process.env, SLURM_ARRAY_TASK_ID: "7" }, encoding: "utf8" });
    expect(out).toBe(`[--simulate][default][run-one][${dir}][--fail-fast][--index][1007]`);
  });

  it("fails the task at once when a setup line fails, before lem starts", () => {
    const script = join(dir, "task-bad-setup.sbatch");
    writeFileSync(script, taskScript({ studyName: "s", studyDir: dir, lem: [fakeLem], globalArgs: [], setup: ["false"], taskArgs: [] }));
    expect(() => execFileSync("bash", [script, "0"], { env: { ...process.env, SLURM_ARRAY_TASK_ID: "0" }, encoding: "utf8", stdio: "pipe" })).toThrow();
  });

  it("merges with lem merge DIR", () => {
    const script = join(dir, "merge.sbatch");
    writeFileSync(script, mergeScript({ studyName: "s", studyDir: dir, lem: [fakeLem], globalArgs: [], setup: [], taskArgs: [] }));
    expect(execFileSync("bash", [script], { encoding: "utf8" })).toBe(`[merge][${dir}][--slurm-merge-job]`);
  });
});
