// Studies that are interrupted, killed, or whose children hang, crash or flood their output:
// no corrupt file, a right manifest, and --resume finishes without repeating completed runs.
import { execa, type ResultPromise } from "execa";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, lemBin, repoRoot, runLem } from "./support/run-lem.js";
import { readJson, studyDirIn, writeStudy } from "./support/study.js";

interface Manifest {
  runs: { position: number; status: string; attempts: number; resultPath: string | null; error: string | null; startedAt: string | null }[];
}

const envFor = (dir: string) => cleanEnv({ LEM_SIMULATE: "default", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startLem(args: string[], env: Record<string, string>): ResultPromise {
  return execa(process.execPath, [lemBin, ...args], { env, extendEnv: false, reject: false, cwd: repoRoot });
}

/** Waits until the study's manifest shows a run at `position` running. */
async function waitForRunning(dir: string, position: number): Promise<string> {
  for (let i = 0; i < 600; i++) {
    await sleep(50);
    if (!existsSync(join(dir, "results"))) continue;
    const entries = readdirSync(join(dir, "results"));
    if (entries.length !== 1) continue;
    const studyDir = join(dir, "results", entries[0]!);
    if (!existsSync(join(studyDir, "manifest.json"))) continue;
    const m = readJson<Manifest>(join(studyDir, "manifest.json"));
    if (m.runs[position]?.status === "running" && existsSync(join(studyDir, readdirSync(studyDir).find((f) => f.startsWith(String(position + 1).padStart(3, "0"))) ?? "none", "child.log"))) {
      await sleep(300);
      return studyDir;
    }
  }
  throw new Error("the run never started");
}

/** Every JSON file of the study parses (nothing half-written). */
function allJsonParses(studyDir: string): void {
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  for (const f of walk(studyDir).filter((f) => f.endsWith(".json"))) expect(() => JSON.parse(readFileSync(f, "utf8")), f).not.toThrow();
}

const slowStudy = () => writeStudy({ name: "slow", sweep: { "params.batch_size": [1, 2] }, cycles: 2, order: "sequential", prompts: 16, stepMs: 8, baselineS: false });

describe("interrupting and killing a study", () => {
  it("marks the run interrupted on SIGINT, exits 130, and --resume finishes without repeating completed runs", { timeout: 120_000 }, async () => {
    const { dir, file } = slowStudy();
    const env = envFor(dir);
    const lem = startLem(["run", file], env);
    const studyDir = await waitForRunning(dir, 1);
    lem.kill("SIGINT");
    const r = await lem;
    expect(r.exitCode).toBe(130);
    let m = readJson<Manifest>(join(studyDir, "manifest.json"));
    expect(m.runs.map((x) => x.status)).toEqual(["completed", "interrupted", "pending", "pending"]);
    allJsonParses(studyDir);
    const firstStarted = m.runs[0]!.startedAt;

    const resumed = await runLem(["run", "--resume", studyDir], env);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    m = readJson<Manifest>(join(studyDir, "manifest.json"));
    expect(m.runs.map((x) => x.status)).toEqual(["completed", "completed", "completed", "completed"]);
    expect(m.runs[0]!.attempts).toBe(1);
    expect(m.runs[0]!.startedAt).toBe(firstStarted);
    expect(m.runs[1]!.attempts).toBe(2);
  });

  it("survives SIGKILL of lem itself: the manifest shows the run as running, --resume stops its leftover child and finishes", { timeout: 120_000 }, async () => {
    const { dir, file } = slowStudy();
    const env = envFor(dir);
    const lem = startLem(["run", file], env);
    const studyDir = await waitForRunning(dir, 0);
    lem.kill("SIGKILL");
    await lem;
    let m = readJson<Manifest>(join(studyDir, "manifest.json"));
    expect(m.runs[0]!.status).toBe("running");
    allJsonParses(studyDir);

    const resumed = await runLem(["run", "--resume", studyDir], env);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    m = readJson<Manifest>(join(studyDir, "manifest.json"));
    expect(m.runs.every((x) => x.status === "completed")).toBe(true);
    expect(m.runs[0]!.attempts).toBe(2);
  });

  it("refuses to resume a study whose file changed, naming the differences", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ name: "changed", baselineS: false });
    const env = envFor(dir);
    expect((await runLem(["run", file], env)).exitCode).toBe(0);
    const study = JSON.parse(readFileSync(file, "utf8")) as { execution: { cycles: number } };
    study.execution.cycles = 3;
    writeFileSync(file, JSON.stringify(study));
    const r = await runLem(["run", "--resume", studyDirIn(dir)], env);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("was started from a different configuration");
    expect(r.stderr).toContain("- execution.cycles: 1 -> 3");
  });
});

describe("children that misbehave", () => {
  it("stops a child that goes silent and records why; the study goes on", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ name: "hang", extraArgs: ["--hang"], baselineS: false, execution: { silenceTimeoutS: 1, maxConsecutiveFailures: 5 } });
    const r = await runLem(["run", file], envFor(dir));
    expect(r.exitCode).toBe(1);
    const m = readJson<Manifest>(join(studyDirIn(dir), "manifest.json"));
    expect(m.runs[0]!.status).toBe("failed");
    expect(m.runs[0]!.error).toBe("the child was silent for more than 1 s and was stopped");
  });

  it("records a crashing child's exit code and its error event", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ name: "crash", extraArgs: ["--fail-after-ms", "100"], baselineS: false });
    const r = await runLem(["run", file], envFor(dir));
    expect(r.exitCode).toBe(1);
    const studyDir = studyDirIn(dir);
    const m = readJson<Manifest>(join(studyDir, "manifest.json"));
    expect(m.runs[0]!.error).toBe("the child exited with code 3: workload: failing on purpose (--fail-after-ms) (see child.log)");
    allJsonParses(studyDir);
  });

  it("streams a child that floods stdout to its log without holding it in memory", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ name: "flood", extraArgs: ["--flood-bytes", "50000000"], baselineS: false });
    const r = await runLem(["run", file], envFor(dir));
    expect(r.exitCode, r.stderr).toBe(0);
    const studyDir = studyDirIn(dir);
    const m = readJson<Manifest>(join(studyDir, "manifest.json"));
    const log = join(studyDir, m.runs[0]!.resultPath!, "..", "child.log");
    expect(statSync(log).size).toBeGreaterThanOrEqual(50_000_000);
    expect(m.runs[0]!.status).toBe("completed");
  });

  it("stops at the first failure with --fail-fast", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ name: "failfast", extraArgs: ["--fail-after-ms", "50"], cycles: 3, baselineS: false });
    const r = await runLem(["run", "--fail-fast", file], envFor(dir));
    expect(r.exitCode).toBe(1);
    const m = readJson<Manifest>(join(studyDirIn(dir), "manifest.json"));
    expect(m.runs.map((x) => x.status)).toEqual(["failed", "pending", "pending"]);
  });

  it("trips the circuit breaker: after N failures in a row one trial run, then the study stops", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ name: "breaker", extraArgs: ["--fail-after-ms", "20"], cycles: 6, baselineS: false, execution: { maxConsecutiveFailures: 2 } });
    const r = await runLem(["run", file], envFor(dir));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("2 runs failed in a row; pausing 0 s, then one trial run");
    const m = readJson<Manifest>(join(studyDirIn(dir), "manifest.json"));
    expect(m.runs.map((x) => x.status)).toEqual(["failed", "failed", "failed", "pending", "pending", "pending"]);
  });
});
