/**
 * Files lem writes appear whole or not at all: written to a temporary file beside the
 * target, fsynced, then renamed over it.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
}

/** Flushes `tmp` to disk and renames it to `path` (removing `tmp` if that fails). */
export function commitTemporary(tmp: string, path: string): void {
  try {
    const fd = openSync(tmp, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = temporaryPathFor(path);
  writeFileSync(tmp, data);
  commitTemporary(tmp, path);
}
