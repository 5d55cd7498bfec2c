// One lem at a time per study: a --resume of a study another lem is running changes nothing
// (its child keeps running, its manifest is not written) and exits 75; a killed lem's lock is stale.
import { execa, type ResultPromise } from "execa";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireStudyLock, STUDY_LOCK_FILE } from "../lib/study/study-lock.js";
import { cleanEnv, lemBin, repoRoot, runLem } from "./support/run-lem.js";
import { readJson, writeStudy } from "./support/study.js";

interface Manifest {
  runs: { status: string; child: { pid: number } | null }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const envFor = (dir: string) => cleanEnv({ LEM_SIMULATE: "default", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the study's first run has a child, and returns the study directory and the child's pid. */
async function waitForChild(dir: string): Promise<{ studyDir: string; pid: number }> {
  for (let i = 0; i < 600; i++) {
    await sleep(50);
    const results = join(dir, "results");
    if (!existsSync(results) || readdirSync(results).length !== 1) continue;
    const studyDir = join(results, readdirSync(results)[0]!);
    if (!existsSync(join(studyDir, "manifest.json"))) continue;
    const pid = readJson<Manifest>(join(studyDir, "manifest.json")).runs[0]?.child?.pid;
    if (pid) return { studyDir, pid };
  }
  throw new Error("the run never started");
}

describe("the study lock", () => {
  it("refuses --resume of a study another lem is running, exit 75, its child untouched and its manifest unchanged", { timeout: 90_000 }, async () => {
    const { dir, file } = writeStudy({ name: "locked", prompts: 400, stepMs: 10, baselineS: false });
    const env = envFor(dir);
    const first: ResultPromise = execa(process.execPath, [lemBin, "run", file], { env, extendEnv: false, reject: false, cwd: repoRoot });
    try {
      const { studyDir, pid } = await waitForChild(dir);
      const before = readFileSync(join(studyDir, "manifest.json"), "utf8");
      const second = await runLem(["run", "--resume", studyDir], env);
      expect(second.exitCode).toBe(75);
      expect(second.stderr).toContain(`the study in ${studyDir} is being run by another lem now (pid ${first.pid} on `);
      expect(second.stderr).toContain("nothing was changed");
      expect(alive(pid)).toBe(true);
      expect(readFileSync(join(studyDir, "manifest.json"), "utf8")).toBe(before);
    } finally {
      first.kill("SIGINT");
      await first;
    }
  });

  it("is stale once its lem is gone: taken over, and removed on release", () => {
    const { dir } = writeStudy({ name: "stale" });
    const file = join(dir, STUDY_LOCK_FILE);
    // What a SIGKILLed lem leaves: a pid that no longer runs.
    writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 12345, startTicks: "1", host: hostname(), since: "2026-01-01T00:00:00Z" }));
    const lock = acquireStudyLock(dir);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it("is held while its lem lives: a second taker is refused", () => {
    const { dir } = writeStudy({ name: "held" });
    const lock = acquireStudyLock(dir);
    try {
      expect(() => acquireStudyLock(dir)).toThrow(/is being run by another lem now \(pid \d+ on /);
    } finally {
      lock.release();
    }
  });
});
