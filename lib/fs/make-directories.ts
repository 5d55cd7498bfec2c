/**
 * Creating a directory and its missing parents, one level at a time: Node's recursive mkdir
 * loops forever where the kernel answers ENOENT under an existing parent (/proc/nope), and
 * says only ENOTDIR where a parent is a file (/etc/passwd/out). This says which path is wrong.
 */
import { mkdirSync, rmdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LemError } from "../errors.js";
import { DiskFullError, isDiskFull } from "./atomic-write.js";

export class DirectoryError extends LemError {
  constructor(message: string) {
    super("LEM_DIRECTORY", message);
  }
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The directories of `dir` that do not exist yet, outermost first; throws DirectoryError when a parent is not a directory. */
export function missingDirectories(dir: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(d).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === "ENOENT" || code === "ENOTDIR") && dirname(d) !== d) {
        missing.unshift(d);
        continue;
      }
      throw new DirectoryError(`${d} cannot be read (${reason(error)}), so ${resolve(dir)} cannot be created.`);
    }
    if (!isDirectory) throw new DirectoryError(`${d} is a file, not a directory, so ${resolve(dir)} cannot be created below it.`);
    return missing;
  }
}

/** Creates `dir` and its missing parents; returns those it created (outermost first). */
export function makeDirectories(dir: string): string[] {
  const missing = missingDirectories(dir);
  const created: string[] = [];
  for (const d of missing) {
    try {
      mkdirSync(d);
      created.push(d);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && statSync(d).isDirectory()) continue;
      removeCreated(created);
      if (isDiskFull(error)) throw new DiskFullError(dirname(d), d, error);
      throw new DirectoryError(`${d} cannot be created in ${dirname(d)} (${reason(error)}).`);
    }
  }
  return created;
}

/** Removes directories `makeDirectories` created (innermost first), if they are still empty. */
export function removeCreated(created: readonly string[]): void {
  for (const d of [...created].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // not empty or gone: leave it
    }
  }
}
