/**
 * Files lem writes appear whole or not at all: written to a temporary file beside the
 * target, fsynced, then renamed over it. A write that fails removes its temporary file, and
 * a full disk is reported as DiskFullError (what to free, where), never as a bare ENOSPC.
 */
import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { LemError } from "../errors.js";

/** The disk (or quota) holding `dir` is full: lem could not write a file there. */
export class DiskFullError extends LemError {
  readonly dir: string;
  readonly file: string;
  constructor(dir: string, file: string, cause: unknown, hint = "Free space on that disk (or raise the quota), then try again.") {
    super("LEM_DISK_FULL", `no space left to write ${basename(file)} in ${dir} (${(cause as NodeJS.ErrnoException).code ?? "ENOSPC"}). ${hint}`, { cause });
    this.dir = dir;
    this.file = file;
  }
}

const FULL_CODES = new Set(["ENOSPC", "EDQUOT"]);

export function isDiskFull(error: unknown): boolean {
  return error instanceof DiskFullError || FULL_CODES.has(String((error as NodeJS.ErrnoException | null)?.code));
}

/** `error` as lem reports it: a DiskFullError naming `path`'s directory when the disk is full. */
export function asWriteError(error: unknown, path: string): unknown {
  if (error instanceof DiskFullError || !isDiskFull(error)) return error;
  return new DiskFullError(dirname(path), path, error);
}

let sequence = 0;
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.${sequence++}.tmp`);
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
    throw asWriteError(error, path);
  }
}

/** Removes `tmp` after a failed write and throws the error as lem reports it. */
export function abandonTemporary(tmp: string, path: string, error: unknown): never {
  rmSync(tmp, { force: true });
  throw asWriteError(error, path);
}

// O_EXCL: the temporary file is always new, and never a link planted where it is created.
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = temporaryPathFor(path);
  let fd: number;
  try {
    fd = openSync(tmp, CREATE_NEW, 0o644);
  } catch (error) {
    throw asWriteError(error, path);
  }
  try {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    abandonTemporary(tmp, path, error);
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (error) {
    abandonTemporary(tmp, path, error);
  }
}
