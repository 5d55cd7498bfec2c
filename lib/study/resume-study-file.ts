/** Resuming needs the study file the study was started from, at the path the manifest recorded. */
import { existsSync, statSync } from "node:fs";
import { LemError } from "../errors.js";
import { studyPaths } from "../study-format/layout.js";

export class StudyFileGoneError extends LemError {
  constructor(message: string) {
    super("LEM_STUDY_FILE_GONE", message);
  }
}

/** Throws a StudyFileGoneError saying where the study came from and how to resume it. */
export function requireStudyFile(dir: string, file: string): void {
  if (existsSync(file) && statSync(file).isFile()) return;
  const resolvedConfig = studyPaths(dir).configJson;
  throw new StudyFileGoneError(
    `cannot resume ${dir}: the study was started from ${file}, which ${existsSync(file) ? "is no longer a file" : "no longer exists"} (moved, renamed or deleted). ` +
      `Put the study file back at ${file}, unchanged, then run "lem run --resume ${dir}" again. ` +
      `Its resolved configuration is recorded in ${resolvedConfig} (key "study") if you need to recreate it.`,
  );
}
