/**
 * Check "output-dir": the output directory can be created (what this check creates it removes
 * again, so that a failed pre-flight leaves nothing behind), is writable, and has room.
 */
import { randomBytes } from "node:crypto";
import { rm, statfs, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { LemError } from "../errors.js";
import { makeDirectories, removeCreated } from "../fs/make-directories.js";
import { emptyOutcome, type CheckOutcome } from "./types.js";

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function checkOutputDir(outputDir: string, minFreeDiskMiB: number): Promise<CheckOutcome> {
  const out = emptyOutcome();
  const dir = resolve(outputDir);
  let created: string[];
  try {
    created = makeDirectories(dir);
  } catch (error) {
    out.failures.push({
      check: "output-dir",
      message: `the output directory ${dir} cannot be created: ${error instanceof LemError ? error.message : reason(error)}`,
      fix: "Choose an output directory (output.dir or --output) below a directory you can write to on a real disk: no parent may be a file, read-only, or a virtual filesystem such as /proc.",
    });
    return out;
  }
  try {
    await probeDir(dir, minFreeDiskMiB, out);
  } finally {
    removeCreated(created);
  }
  return out;
}

async function probeDir(dir: string, minFreeDiskMiB: number, out: CheckOutcome): Promise<void> {
  const probe = join(dir, `.lem-write-test-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await writeFile(probe, "lem pre-flight write test\n", { flag: "wx" });
  } catch (error) {
    out.failures.push({
      check: "output-dir",
      message: `the output directory ${dir} is not writable (${reason(error)}).`,
      fix: "Fix its permissions, or choose another output directory.",
    });
    return;
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
  try {
    const fs = await statfs(dir);
    // bavail: blocks available to unprivileged users, the figure that matters for a study.
    const freeMiB = Math.floor((Number(fs.bavail) * Number(fs.bsize)) / (1024 * 1024));
    if (freeMiB < minFreeDiskMiB) {
      out.failures.push({
        check: "output-dir",
        message: `the output directory ${dir} has ${freeMiB} MiB free, less than the ${minFreeDiskMiB} MiB required.`,
        fix: "Free disk space there, or choose an output directory on a disk with more room.",
      });
    }
  } catch (error) {
    out.warnings.push({
      check: "disk-space",
      message: `the free space of ${dir} could not be read (${reason(error)}).`,
      fix: `Make sure at least ${minFreeDiskMiB} MiB are free there.`,
    });
  }
}
