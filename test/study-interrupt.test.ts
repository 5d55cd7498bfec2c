// Ctrl-C outside a run: during the baseline the study stops at once, says it stops the study
// (there is no current run), records no baseline, and exits 130.
import { execa } from "execa";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixedGap } from "../lib/measure/thermal-settling.js";
import { cleanEnv, lemBin, repoRoot } from "./support/run-lem.js";
import { readJson, writeStudy } from "./support/study.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Ctrl-C during the baseline", () => {
  it("stops the study promptly, without a 'current run', caches no baseline, exits 130", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ name: "baseline-int", baselineS: 30 });
    const cache = join(dir, "cache");
    const env = cleanEnv({ LEM_SIMULATE: "default", LEM_CACHE_DIR: cache, LEM_LOCK_DIR: join(dir, "locks") });
    const lem = execa(process.execPath, [lemBin, "run", file], { env, extendEnv: false, reject: false, cwd: repoRoot });
    // The environment snapshot is written just before the baseline starts.
    let studyDir = "";
    for (let i = 0; i < 400 && !studyDir; i++) {
      await sleep(50);
      const results = join(dir, "results");
      const found = existsSync(results) ? readdirSync(results)[0] : undefined;
      if (found && existsSync(join(results, found, "environment.json"))) studyDir = join(results, found);
    }
    expect(studyDir).not.toBe("");
    await sleep(500);
    const sentMs = Date.now();
    lem.kill("SIGINT");
    const r = await lem;
    // A 30 s baseline: stopping within 10 s is only possible if it was interrupted.
    expect(Date.now() - sentMs).toBeLessThan(10_000);
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stderr).toContain("lem: stopping the study (Ctrl-C again to leave at once)...");
    expect(r.stderr).not.toContain("stopping the current run");
    const m = readJson<{ runs: { status: string }[] }>(join(studyDir, "manifest.json"));
    expect(m.runs.map((x) => x.status)).toEqual(["pending"]);
    expect(existsSync(join(cache, "baselines.json"))).toBe(false);
  });
});

describe("Ctrl-C during a settling gap", () => {
  it("ends the gap at once and says how long it really waited", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const gap = await fixedGap(30, controller.signal);
    expect(gap.waitedS).toBeGreaterThanOrEqual(0.09);
    expect(gap.waitedS).toBeLessThan(30);
  });
});
