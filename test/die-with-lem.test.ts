// A SIGKILLed lem takes its child and the child's whole process group along (lem-supervise's
// parent-death signal), and a GPU lock stays held while the child it records still runs.
import { execa } from "execa";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireGpuLocks, gpuLockFile } from "../lib/gpu/gpu-lock.js";
import { supervisorPath } from "../lib/backends/supervise.js";
import { cleanEnv, lemBin, repoRoot } from "./support/run-lem.js";
import { writeStudy } from "./support/study.js";

const FAMILY = resolve("test/fixtures/family-child.mjs");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (check()) return true;
  return check();
}

describe("a SIGKILLed lem", () => {
  it("is built with lem-supervise", () => {
    expect(supervisorPath()).toBe(join(repoRoot, "build", "Release", "lem-supervise"));
  });

  it("leaves neither its child nor the child's group running", { timeout: 60_000 }, async () => {
    const { dir, file } = writeStudy({ name: "orphan", baselineS: false, execution: { silenceTimeoutS: 60, runTimeoutS: 120 } });
    const pids = join(dir, "pids");
    mkdirSync(pids);
    const study = JSON.parse(readFileSync(file, "utf8")) as { base: { command: { argv: string[]; measure?: string } } };
    study.base.command = { argv: [process.execPath, FAMILY, pids], measure: "lifetime" };
    writeFileSync(file, JSON.stringify(study));
    const env = cleanEnv({ LEM_SIMULATE: "default", LEM_CACHE_DIR: join(dir, "cache"), LEM_LOCK_DIR: join(dir, "locks") });
    const lem = execa(process.execPath, [lemBin, "run", file], { env, extendEnv: false, reject: false, cwd: repoRoot });
    let child = 0;
    let grandchild = 0;
    try {
      expect(await until(() => existsSync(join(pids, "child.pid")) && existsSync(join(pids, "grandchild.pid")), 30_000)).toBe(true);
      child = Number(readFileSync(join(pids, "child.pid"), "utf8"));
      grandchild = Number(readFileSync(join(pids, "grandchild.pid"), "utf8"));
      expect(alive(child) && alive(grandchild)).toBe(true);
      lem.kill("SIGKILL");
      await lem;
      expect(await until(() => !alive(child) && !alive(grandchild), 5000)).toBe(true);
    } finally {
      for (const pid of [child, grandchild]) if (pid && alive(pid)) process.kill(pid, "SIGKILL");
    }
  });
});

describe("a GPU lock left by a killed lem", () => {
  it("is held while the child group it records lives, and stale once that group is gone", { timeout: 20_000 }, async () => {
    const lockDir = mkdtempSync(join(tmpdir(), "lem-locks-"));
    process.env.LEM_LOCK_DIR = lockDir;
    const orphan = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
    try {
      const uuid = "GPU-00000000-1111-2222-3333-444444444444";
      // lem's own pid is dead; its child (a group of its own) is not.
      writeFileSync(gpuLockFile(uuid), JSON.stringify({ study: "killed", pid: 2 ** 22 + 4321, since: "2026-01-01T00:00:00Z", host: hostname(), childPgid: orphan.pid, uuid }));
      await expect(acquireGpuLocks([uuid], { study: "next" })).rejects.toThrow(/is in use by lem study "killed"/);
      process.kill(-orphan.pid!, "SIGKILL");
      await until(() => !alive(orphan.pid!), 5000);
      const locks = await acquireGpuLocks([uuid], { study: "next" });
      locks.recordChild(4242);
      expect(JSON.parse(readFileSync(gpuLockFile(uuid), "utf8"))).toMatchObject({ study: "next", pid: process.pid, childPgid: 4242 });
      locks.releaseSync();
      expect(existsSync(gpuLockFile(uuid))).toBe(false);
    } finally {
      if (alive(orphan.pid!)) process.kill(-orphan.pid!, "SIGKILL");
      delete process.env.LEM_LOCK_DIR;
    }
  });
});
