/**
 * Nothing lem writes or reads may leave a study directory: a path taken from a file in it (a
 * manifest's resultPath) must stay below it, and no file or directory between the study
 * directory and the path may be a symbolic link (one planted there would lead lem outside).
 */
import { constants, lstatSync, openSync, readlinkSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { LemError } from "../errors.js";

export class UnsafePathError extends LemError {
  constructor(message: string) {
    super("LEM_UNSAFE_PATH", message);
  }
}

/** `rel` (relative, from a file in `root`) resolved below `root`; null when it would lead outside. */
export function pathInside(root: string, rel: string): string | null {
  if (isAbsolute(rel)) return null;
  const path = resolve(root, rel);
  const back = relative(resolve(root), path);
  return back === "" || back === ".." || back.startsWith(`..${sep}`) || isAbsolute(back) ? null : path;
}

/**
 * Throws UnsafePathError unless `path` is below `root` and no existing entry from `root`
 * (exclusive) down to `path` (inclusive) is a symbolic link.
 */
export function assertInsideDir(root: string, path: string): void {
  const base = resolve(root);
  const back = relative(base, resolve(path));
  if (back === "..") throw new UnsafePathError(`${path} is outside the study directory ${base}; lem reads and writes only inside it.`);
  if (back === "") return;
  if (back.startsWith(`..${sep}`) || isAbsolute(back)) throw new UnsafePathError(`${path} is outside the study directory ${base}; lem reads and writes only inside it.`);
  let current = base;
  for (const part of back.split(sep)) {
    current = resolve(current, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch {
      return; // not there yet: lem creates it
    }
    if (isLink) {
      let target = "?";
      try {
        target = readlinkSync(current);
      } catch {
        // unreadable link: named without its target
      }
      throw new UnsafePathError(
        `${current} is a symbolic link (to ${target}); lem reads and writes only inside the study directory ${base} and does not follow links there. ` +
          `Replace the link with the real file or directory (or remove it), then try again.`,
      );
    }
  }
}

/** Opens `path` for appending (created if missing), refusing a symbolic link in its place (O_NOFOLLOW). */
export function openAppendNoFollow(path: string): number {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") {
      throw new UnsafePathError(`${path} is a symbolic link; lem writes its logs only inside the run's directory and does not follow links. Remove the link, then try again.`);
    }
    throw error;
  }
}
