// Advisory GPU locks: two lem studies never share a GPU; a dead holder's lock is taken over.
import { execa } from "execa";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { acquireGpuLocks, GpuBusyError, gpuLockFile, gpuLockHolder } from "../lib/gpu/gpu-lock.js";

const A = "GPU-5e1a0000-0000-4000-8000-000000000000";
const B = "GPU-5e1a0000-0000-4000-8000-000000000001";

beforeEach(() => {
  process.env.LEM_LOCK_DIR = mkdtempSync(join(tmpdir(), "lem-locks-test-"));
});

function writeLock(uuid: string, holder: { study: string; pid: number; since?: string; host?: string }) {
  writeFileSync(gpuLockFile(uuid), JSON.stringify({ since: "2025-01-01T00:00:00.000Z", host: hostname(), ...holder }));
}

async function deadPid(): Promise<number> {
  const child = await execa(process.execPath, ["-e", "console.log(process.pid)"]);
  return Number(child.stdout);
}

describe("GPU locks", () => {
  it("writes one JSON lock file per GPU, named by UUID, in LEM_LOCK_DIR", async () => {
    const locks = await acquireGpuLocks([A, B], { study: "study-1" });
    expect(gpuLockFile(A)).toBe(join(process.env.LEM_LOCK_DIR!, `${A}.lock`));
    const content = JSON.parse(readFileSync(gpuLockFile(B), "utf8")) as Record<string, unknown>;
    expect(content).toMatchObject({ study: "study-1", pid: process.pid, host: hostname(), uuid: B });
    expect(Date.parse(String(content.since))).not.toBeNaN();
    await locks.release();
  });

  it("reports the holder of a locked GPU", async () => {
    const locks = await acquireGpuLocks([A], { study: "study-1" });
    expect(await gpuLockHolder(A)).toMatchObject({ study: "study-1", pid: process.pid, host: hostname() });
    expect(await gpuLockHolder(B)).toBeUndefined();
    await locks.release();
  });

  it("refuses a GPU held by another live study with GpuBusyError naming the GPU, study, pid and since", async () => {
    writeLock(A, { study: "other-study", pid: process.ppid });
    const attempt = acquireGpuLocks([A], { study: "mine" });
    await expect(attempt).rejects.toBeInstanceOf(GpuBusyError);
    await expect(attempt).rejects.toMatchObject({ code: "LEM_GPU_BUSY" });
    await expect(attempt).rejects.toThrow(
      `GPU ${A} is in use by lem study "other-study" (pid ${process.ppid} on ${hostname()}, since 2025-01-01T00:00:00.000Z)`,
    );
  });

  it("takes all or nothing: a busy second GPU releases the first", async () => {
    writeLock(B, { study: "other-study", pid: process.ppid });
    await expect(acquireGpuLocks([A, B], { study: "mine" })).rejects.toBeInstanceOf(GpuBusyError);
    expect(existsSync(gpuLockFile(A))).toBe(false);
  });

  it("reports a lock whose holder is dead as not held", async () => {
    writeLock(A, { study: "crashed", pid: await deadPid() });
    expect(await gpuLockHolder(A)).toBeUndefined();
    writeLock(B, { study: "crashed", pid: 999_999_999 });
    expect(await gpuLockHolder(B)).toBeUndefined();
  });

  it("takes over a stale lock", async () => {
    writeLock(A, { study: "crashed", pid: 999_999_999 });
    const locks = await acquireGpuLocks([A], { study: "mine" });
    expect(await gpuLockHolder(A)).toMatchObject({ study: "mine", pid: process.pid });
    await locks.release();
  });

  it("counts a lock held on another host as held (its pid cannot be checked here)", async () => {
    writeLock(A, { study: "remote", pid: 999_999_999, host: "some-other-host" });
    expect(await gpuLockHolder(A)).toMatchObject({ study: "remote", host: "some-other-host" });
  });

  it("releases idempotently and never deletes a lock someone else took over", async () => {
    const locks = await acquireGpuLocks([A, B], { study: "mine" });
    await locks.release();
    expect(existsSync(gpuLockFile(A))).toBe(false);
    writeLock(A, { study: "next", pid: process.ppid });
    await locks.release();
    locks.releaseSync();
    expect(await gpuLockHolder(A)).toMatchObject({ study: "next" });
    expect(locks.held).toBe(false);
  });

  it("lets exactly one of two concurrent acquirers win", async () => {
    const results = await Promise.allSettled([
      acquireGpuLocks([A], { study: "one", pid: process.pid }),
      acquireGpuLocks([A], { study: "two", pid: process.ppid }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected" && r.reason instanceof GpuBusyError)).toHaveLength(1);
  });
});
