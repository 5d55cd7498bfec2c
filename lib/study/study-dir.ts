/**
 * A new study's directory: created only once pre-flight has passed, never one another lem
 * started in the same second, and removed again (with any parent lem created for it) when
 * the study cannot start, so that a study that never ran leaves nothing behind.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { makeDirectories, removeCreated } from "../fs/make-directories.js";

export interface CreatedStudyDir<T> {
  dir: string;
  /** What `init` returned (the study's first files written). */
  manifest: T;
  /** Every directory created for the study, outermost first; the study directory last. */
  createdDirs: string[];
}

export function createStudyDir<T>(base: string, name: string, init: (dir: string) => T): CreatedStudyDir<T> {
  const parents = makeDirectories(base);
  let dir: string | undefined;
  try {
    for (let i = 1; dir === undefined; i++) {
      const candidate = join(base, i === 1 ? name : `${name}_${i}`);
      try {
        mkdirSync(candidate);
        dir = candidate;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    return { dir, manifest: init(dir), createdDirs: [...parents, dir] };
  } catch (error) {
    if (dir === undefined) removeCreated(parents);
    else removeStudyDir([...parents, dir]);
    throw error;
  }
}

/** Removes a study directory `createStudyDir` made (its last entry) with its contents, then the parents it made if empty. */
export function removeStudyDir(createdDirs: readonly string[]): void {
  if (createdDirs.length === 0) return;
  rmSync(createdDirs[createdDirs.length - 1]!, { recursive: true, force: true });
  removeCreated(createdDirs.slice(0, -1));
}
