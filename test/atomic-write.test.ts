// Atomic writes: whole or nothing, no temporary file left behind, a full disk named clearly.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { mountSmallDisk } from "./support/small-disk.js";

// The injected failure: the next write to a temporary file reports a full disk, as the kernel would.
const failNext = vi.hoisted(() => ({ code: null as string | null }));
vi.mock("node:fs", async (original) => {
  const fs = await original<typeof import("node:fs")>();
  const writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
    if (failNext.code) {
      const error = Object.assign(new Error(`${failNext.code}: injected`), { code: failNext.code });
      failNext.code = null;
      throw error;
    }
    return (fs.writeSync as (...a: unknown[]) => number)(...args);
  }) as typeof fs.writeSync;
  return { ...fs, writeSync, default: { ...fs, writeSync } };
});

const { DiskFullError, writeFileAtomic } = await import("../lib/fs/atomic-write.js");

describe("writeFileAtomic", () => {
  it("removes its temporary file and keeps the old content when the disk fills mid-write", () => {
    const dir = mkdtempSync(join(tmpdir(), "lem-atomic-"));
    const file = join(dir, "manifest.json");
    writeFileSync(file, "old\n");
    failNext.code = "ENOSPC";
    expect(() => writeFileAtomic(file, "new\n")).toThrow(DiskFullError);
    expect(readdirSync(dir)).toEqual(["manifest.json"]);
    expect(readFileSync(file, "utf8")).toBe("old\n");
  });

  it("names the directory and what to do in the disk-full error, with code LEM_DISK_FULL", () => {
    const dir = mkdtempSync(join(tmpdir(), "lem-atomic-"));
    failNext.code = "EDQUOT";
    let caught: unknown;
    try {
      writeFileAtomic(join(dir, "result.json"), "{}\n");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DiskFullError);
    expect((caught as InstanceType<typeof DiskFullError>).code).toBe("LEM_DISK_FULL");
    expect((caught as Error).message).toBe(`no space left to write result.json in ${dir} (EDQUOT). Free space on that disk (or raise the quota), then try again.`);
  });
});

describe("writeFileAtomic on a real full disk (a 64 KiB tmpfs)", () => {
  const mountPoint = join(tmpdir(), `lem-small-disk-${process.pid}`);
  const disk = mountSmallDisk(mountPoint, 64);
  afterAll(() => {
    if (disk.ok) disk.unmount();
  });

  it.skipIf(!disk.ok)(`fails with DiskFullError and leaves no temporary file${disk.ok ? "" : ` (skipped: ${disk.reason})`}`, () => {
    expect(() => writeFileAtomic(join(mountPoint, "report.html"), Buffer.alloc(1024 * 1024, 65))).toThrow(
      `no space left to write report.html in ${mountPoint} (ENOSPC)`,
    );
    expect(readdirSync(mountPoint)).toEqual([]);
  });
});
