/**
 * A study whose disk fills stops at once, cleanly: the run in progress is marked interrupted
 * (so that resume measures it again), the manifest stays the last version written whole, and
 * the error says which directory is full and how to go on.
 */
import { asWriteError, DiskFullError, isDiskFull } from "../fs/atomic-write.js";
import type { Manifest } from "../study-format/manifest.js";

export { isDiskFull };

export function stopForFullDisk(error: unknown, studyDir: string, manifest: Manifest): DiskFullError {
  const full = asWriteError(error, `${studyDir}/manifest.json`) as DiskFullError;
  for (const r of manifest.data.runs) {
    if (r.status === "running") Object.assign(r, { status: "interrupted", child: null, error: "the disk filled during this run" });
  }
  try {
    manifest.save();
  } catch {
    // Still full: the manifest on disk is the last one written whole, and resume recovers a run left "running".
  }
  return new DiskFullError(
    full.dir,
    full.file,
    full.cause ?? error,
    `The study stopped; nothing written so far is lost. Free space on that disk (or raise the quota), then continue it with: lem run --resume ${studyDir}`,
  );
}
