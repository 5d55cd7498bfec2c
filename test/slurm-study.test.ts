// Studies on the Slurm executor, against a real single-node Slurm (slurmctld, slurmd, munged)
// that this file starts: 2 fake GPUs through GRES, so that Slurm sets CUDA_VISIBLE_DEVICES,
// and the simulated GPU with two devices measures. Nothing of Slurm is mocked.
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, lemBin, repoRoot } from "./support/run-lem.js";
import { startTestSlurm, slurmInstalled, type TestSlurm } from "./support/slurm/test-cluster.js";

const scenario = join(repoRoot, "test", "fixtures", "slurm", "two-gpus.json");
const installed = slurmInstalled();
let slurm: TestSlurm;

beforeAll(async () => {
  if (installed.ok) slurm = await startTestSlurm({ maxArraySize: 4 });
}, 60_000);
afterAll(async () => {
  await slurm?.stop();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  // Locks and baseline cache of this file's own: the simulated GPUs' UUIDs are those of other test files.
  return cleanEnv({ ...slurm.env, LEM_LOCK_DIR: join(slurm.root, "locks"), LEM_CACHE_DIR: join(slurm.root, "cache"), ...extra });
}

async function lem(args: string[], extra: Record<string, string> = {}) {
  return execa(process.execPath, [lemBin, "--simulate", scenario, ...args], { env: env(extra), extendEnv: false, reject: false, cwd: repoRoot });
}

async function slurmCmd(cmd: string, args: string[]) {
  return execa(cmd, args, { env: env(), extendEnv: false, reject: false });
}

interface StudyOptions {
  name: string;
  /** Each configuration's child: a shell line (the run's window is the child's lifetime). */
  children: string[];
  cycles: number;
  slurm?: Record<string, unknown>;
  execution?: Record<string, unknown>;
  baselineS?: number;
}

/** A study whose configurations differ by their child (params.child, one per configuration). */
function writeStudy(o: StudyOptions): { file: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "lem-slurm-study-"));
  const file = join(dir, "study.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: o.name,
      base: {
        model: "tiny-sim",
        backend: "command",
        command: { argv: ["sh", "-c", "{params.child}"], measure: "lifetime" },
        dataset: { source: "synthetic", prompts: 2 },
        measurement: { intervalMs: 20, baseline: o.baselineS ? { durationS: o.baselineS, cacheTtlS: 0 } : { enabled: false }, settling: { mode: "none" }, residualMemoryWaitS: 0 },
      },
      sweep: { "params.child": o.children },
      execution: { cycles: o.cycles, order: "interleaved", runTimeoutS: 120, executor: "slurm", ...o.execution, slurm: { exclusive: false, partition: slurm.partition, ...o.slurm } },
      output: { dir: join(dir, "results") },
    }),
  );
  return { file, out: join(dir, "results") };
}

function studyDirOf(stdout: string): string {
  const line = stdout.trim().split("\n").at(-1)!;
  expect(existsSync(join(line, "manifest.json"))).toBe(true);
  return line;
}

function json(file: string): any {
  return JSON.parse(readFileSync(file, "utf8"));
}

function results(dir: string): any[] {
  return readdirSync(dir)
    .filter((d) => /^\d{3}_/.test(d) && existsSync(join(dir, d, "result.json")))
    .map((d) => json(join(dir, d, "result.json")));
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function mergeEnded(dir: string): boolean {
  const subs = json(join(dir, "slurm", "submissions.json")).submissions;
  return existsSync(join(dir, "slurm", `merge-${subs.at(-1).mergeJobId}.json`));
}

describe.skipIf(!installed.ok)(`lem run --executor slurm ${installed.ok ? "" : `(skipped: ${installed.reason})`}`, () => {
  it("completes a 3-configuration x 2-cycle study, two tasks at once on different GPUs, with a local study's result shape", async () => {
    const { file } = writeStudy({ name: "three-by-two", children: ["sleep 2.5", "sleep 3", "sleep 3.5"], cycles: 2, baselineS: 1 });
    const run = await lem(["run", file, "--wait", "--quiet"]);
    expect(run.stderr).toContain("submitted 6 of 6 runs to Slurm");
    expect(run.exitCode, run.stderr).toBe(0);
    const dir = studyDirOf(run.stdout);
    const manifest = json(join(dir, "manifest.json"));
    expect(manifest.runs.map((r: any) => r.status)).toEqual(Array(6).fill("completed"));
    // MaxArraySize 4: two arrays, task i of the second running position 4 + i.
    const sub = json(join(dir, "slurm", "submissions.json")).submissions[0];
    expect(sub.arrays.map((a: any) => [a.offset, a.spec])).toEqual([
      [0, "0-3"],
      [4, "0-1"],
    ]);
    const study = json(join(dir, "study.json"));
    expect(study.study.status).toBe("completed");
    expect(study.configurations).toHaveLength(3);
    expect(study.configurations.map((c: any) => c.runs.completed)).toEqual([2, 2, 2]);
    expect(readFileSync(join(dir, "summary.csv"), "utf8").trim().split("\n")).toHaveLength(4);
    expect(existsSync(join(dir, "report.html"))).toBe(true);
    const rs = results(dir).sort((a, b) => a.identity.position - b.identity.position);
    expect(rs).toHaveLength(6);
    for (const r of rs) {
      expect(r.status).toBe("completed");
      expect(r.energy.totalJ).toBeGreaterThan(0);
      expect(r.placement.executor).toBe("slurm");
      expect(r.placement.slurm.arrayTaskId).toBe(r.identity.position - (r.identity.position >= 4 ? 4 : 0));
      expect(r.placement.gpus).toHaveLength(1);
      expect(r.energy.devices.map((d: any) => d.uuid)).toEqual([r.placement.gpus[0].uuid]);
      // The idle baseline was measured on the node, for the GPU this task was given.
      expect(r.baseline.devices.map((d: any) => d.uuid)).toEqual([r.placement.gpus[0].uuid]);
      expect(r.baseline.host).toBe(slurm.hostname);
    }
    // Two runs whose windows overlap measured different GPUs.
    const overlapping = rs.flatMap((a, i) =>
      rs.slice(i + 1).filter((b) => BigInt(a.window.startNs) < BigInt(b.window.endNs) && BigInt(b.window.startNs) < BigInt(a.window.endNs)).map((b) => [a, b]),
    );
    expect(overlapping.length).toBeGreaterThan(0);
    for (const [a, b] of overlapping) expect(a.placement.gpus[0].uuid).not.toBe(b.placement.gpus[0].uuid);
  }, 180_000);

  it("fails a run whose child crashes, with the reason, on the node; the merge job still writes the summary", async () => {
    const { file } = writeStudy({ name: "one-crashes", children: ["sleep 0.5", "echo boom >&2; exit 3"], cycles: 1 });
    const run = await lem(["run", file, "--quiet"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const dir = studyDirOf(run.stdout);
    await until("the merge job", () => mergeEnded(dir), 90_000);
    const manifest = json(join(dir, "manifest.json"));
    const crashed = manifest.runs.find((r: any) => r.status === "failed");
    expect(crashed.error).toMatch(/exit(ed)? (code )?3|code 3/);
    expect(manifest.runs.filter((r: any) => r.status === "completed")).toHaveLength(1);
    const study = json(join(dir, "study.json"));
    expect(study.study.status).toBe("completed-with-failures");
    expect(existsSync(join(dir, "summary.csv"))).toBe(true);
    const status = await lem(["status", dir]);
    expect(status.stdout).toContain("1 completed, 1 failed");
    expect(status.stdout).toContain("merge job");
  }, 120_000);

  it("resubmits exactly the run whose task was cancelled, repeating nothing completed; lem status shows it all", async () => {
    const { file } = writeStudy({ name: "cancel-one", children: ["sleep 1", "sleep 1.2"], cycles: 2, slurm: { maxParallel: 1 } });
    const run = await lem(["run", file, "--quiet"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const dir = studyDirOf(run.stdout);
    const sub = json(join(dir, "slurm", "submissions.json")).submissions[0];
    const array = sub.arrays[0].jobId;
    // %1: task 3 waits while task 0 runs; cancel it there.
    expect((await slurmCmd("scancel", [`${array}_3`])).exitCode).toBe(0);
    const during = await until("a running run in lem status", async () => {
      const s = await lem(["status", dir]);
      return s.stdout.includes("running") ? s.stdout : undefined;
    });
    expect(during).toMatch(/running\s+\S+\s+\d+_\d\s+RUNNING/);
    await until("the merge job", () => mergeEnded(dir), 90_000);
    let manifest = json(join(dir, "manifest.json"));
    expect(manifest.runs.map((r: any) => r.status)).toEqual(["completed", "completed", "completed", "pending"]);
    expect(json(join(dir, "study.json")).study.status).toBe("interrupted");

    const resume = await lem(["run", "--resume", dir, "--wait", "--quiet"]);
    expect(resume.exitCode, resume.stderr).toBe(0);
    expect(resume.stderr).toContain("submitted 1 of 4 runs");
    const subs = json(join(dir, "slurm", "submissions.json")).submissions;
    expect(subs[1].arrays.map((a: any) => a.positions)).toEqual([[3]]);
    manifest = json(join(dir, "manifest.json"));
    expect(manifest.runs.map((r: any) => [r.status, r.attempts])).toEqual([
      ["completed", 1],
      ["completed", 1],
      ["completed", 1],
      ["completed", 1],
    ]);
    const after = await lem(["status", dir]);
    expect(after.stdout).toContain("4 completed");
    expect(after.stdout).toContain("ended, study completed");
  }, 240_000);

  it("on USR1 before the time limit stops the run, requeues the task, and measures the run again from scratch, keeping the first attempt", async () => {
    const mark = join(mkdtempSync(join(tmpdir(), "lem-requeue-")), "first-attempt");
    // The first attempt works until signalled; the second finishes at once.
    const { file } = writeStudy({ name: "usr1", children: [`if [ -e ${mark} ]; then sleep 0.5; else touch ${mark}; sleep 120; fi`], cycles: 1 });
    const run = await lem(["run", file, "--quiet"]);
    const dir = studyDirOf(run.stdout);
    const array = json(join(dir, "slurm", "submissions.json")).submissions[0].arrays[0].jobId;
    const stateFile = () => readdirSync(dir).filter((d) => /^001_/.test(d)).map((d) => join(dir, d, "state.json"))[0];
    await until("the child to run", () => {
      const f = stateFile();
      return f !== undefined && existsSync(f) && json(f).run.child !== null && existsSync(mark);
    });
    expect((await slurmCmd("scancel", ["--signal=USR1", "--batch", `${array}_0`])).exitCode).toBe(0);
    await until("the requeue", async () => (await slurmCmd("squeue", ["-h", "-j", array, "-o", "%T"])).stdout.includes("PENDING"));
    await slurmCmd("scontrol", ["update", `jobid=${array}_0`, "StartTime=now"]);
    await until("the merge job", () => mergeEnded(dir), 90_000);
    const r = json(join(dir, "manifest.json")).runs[0];
    expect(r.status).toBe("completed");
    expect(r.attempts).toBe(2);
    expect(r.history).toHaveLength(1);
    expect(r.history[0].status).toBe("interrupted");
    expect(r.history[0].error).toContain("USR1");
    expect(existsSync(join(dir, r.history[0].evidence, "child.log"))).toBe(true);
    const result = json(join(dir, r.resultPath));
    expect(result.placement.slurm.restartCount).toBe(1);
  }, 180_000);

  it("after scontrol requeue of a running task measures its run again from scratch, keeping the first attempt", async () => {
    const mark = join(mkdtempSync(join(tmpdir(), "lem-requeue-")), "first-attempt");
    const { file } = writeStudy({ name: "requeue", children: [`if [ -e ${mark} ]; then sleep 0.5; else touch ${mark}; sleep 120; fi`], cycles: 1 });
    const run = await lem(["run", file, "--quiet"]);
    const dir = studyDirOf(run.stdout);
    const array = json(join(dir, "slurm", "submissions.json")).submissions[0].arrays[0].jobId;
    const stateFile = () => readdirSync(dir).filter((d) => /^001_/.test(d)).map((d) => join(dir, d, "state.json"))[0];
    await until("the child to run", () => {
      const f = stateFile();
      return f !== undefined && existsSync(f) && json(f).run.child !== null && existsSync(mark);
    });
    expect((await slurmCmd("scontrol", ["requeue", `${array}_0`])).exitCode).toBe(0);
    await until("the requeued task to wait", async () => (await slurmCmd("squeue", ["-h", "-j", array, "-o", "%T"])).stdout.includes("PENDING"));
    await slurmCmd("scontrol", ["update", `jobid=${array}_0`, "StartTime=now"]);
    await until("the merge job", () => mergeEnded(dir), 90_000);
    const r = json(join(dir, "manifest.json")).runs[0];
    expect(r.status).toBe("completed");
    expect(r.attempts).toBe(2);
    expect(r.history[0].status).toBe("interrupted");
    expect(existsSync(join(dir, r.history[0].evidence, "child.log"))).toBe(true);
    expect(json(join(dir, r.resultPath)).placement.slurm.restartCount).toBe(1);
  }, 180_000);

  it("a merge job that starts while tasks are still to run (requeued) merges nothing and submits itself again after them", async () => {
    const { file } = writeStudy({ name: "defer", children: ["sleep 0.3"], cycles: 2, slurm: { maxParallel: 1 } });
    const run = await lem(["run", file, "--quiet"]);
    const dir = studyDirOf(run.stdout);
    const sub = json(join(dir, "slurm", "submissions.json")).submissions[0];
    const array = sub.arrays[0].jobId;
    expect((await slurmCmd("scontrol", ["hold", `${array}_1`])).exitCode).toBe(0);
    await until("run 1", () => json(join(dir, "manifest.json")).runs[0] && existsSync(join(dir, readdirSync(dir).find((d) => d.startsWith("001_")) ?? "x", "result.json")));
    // As Slurm starts a merge job early when a task was requeued: here by hand, as job 99999.
    const merge = await execa(process.execPath, [lemBin, "--simulate", scenario, "merge", dir, "--slurm-merge-job"], { env: env({ SLURM_JOB_ID: "99999" }), extendEnv: false, reject: false });
    expect(merge.exitCode, merge.stderr).toBe(0);
    expect(merge.stdout).toContain(`tasks of the study are still to run (${array}_1)`);
    const marker = json(join(dir, "slurm", "merge-99999.json"));
    expect(marker.deferredTo).toMatch(/^\d+$/);
    expect(existsSync(join(dir, "study.json"))).toBe(false);
    expect((await slurmCmd("squeue", ["-h", "-j", marker.deferredTo, "-o", "%E"])).stdout).toContain(`afterany:${array}_1`);
    expect((await slurmCmd("scontrol", ["release", `${array}_1`])).exitCode).toBe(0);
    await until("the deferred merge job", () => existsSync(join(dir, "slurm", `merge-${marker.deferredTo}.json`)), 90_000);
    expect(json(join(dir, "slurm", `merge-${marker.deferredTo}.json`)).status).toBe("completed");
    const status = await lem(["status", dir]);
    expect(status.stdout).toMatch(/merge job \d+: ended, study completed/);
  }, 180_000);

  it("with --fail-fast cancels the study's arrays at the first failed run; the merge job still writes the results", async () => {
    const { file } = writeStudy({ name: "fail-fast", children: ["exit 3", "sleep 0.2"], cycles: 2, slurm: { maxParallel: 1 }, execution: { order: "sequential" } });
    const run = await lem(["run", file, "--fail-fast", "--quiet"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const dir = studyDirOf(run.stdout);
    await until("the merge job", () => mergeEnded(dir), 90_000);
    const runs = json(join(dir, "manifest.json")).runs;
    expect(runs[0].status).toBe("failed");
    // sequential: both cycles of "exit 3" come first; the first failure cancels what is left.
    expect(runs.slice(1).every((r: any) => r.status === "pending" || r.status === "interrupted")).toBe(true);
    expect(json(join(dir, "study.json")).study.status).toBe("interrupted");
  }, 120_000);

  it("after maxConsecutiveFailures failed runs in a row cancels the study's pending tasks", async () => {
    const { file } = writeStudy({ name: "breaker", children: ["exit 3"], cycles: 4, slurm: { maxParallel: 1 }, execution: { maxConsecutiveFailures: 2 } });
    const run = await lem(["run", file, "--quiet"]);
    const dir = studyDirOf(run.stdout);
    await until("the merge job", () => mergeEnded(dir), 90_000);
    expect(json(join(dir, "manifest.json")).runs.map((r: any) => r.status)).toEqual(["failed", "failed", "pending", "pending"]);
  }, 120_000);

  it("refuses an unknown partition with one clear error, and submits nothing", async () => {
    const { file, out } = writeStudy({ name: "bad-partition", children: ["true"], cycles: 1, slurm: { partition: "nosuch" } });
    const run = await lem(["run", file]);
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain("nosuch");
    expect(run.stderr).toContain("debug");
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    expect((await slurmCmd("squeue", ["-h", "-n", "lem-bad-partition", "-o", "%i"])).stdout.trim()).toBe("");
  }, 60_000);

  it("says sbatch is missing when Slurm is not on PATH, and writes nothing", async () => {
    const { file, out } = writeStudy({ name: "no-slurm", children: ["true"], cycles: 1 });
    const run = await lem(["run", file], { PATH: "/nonexistent" });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(/not on PATH/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
