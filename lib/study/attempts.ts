/**
 * A failed or interrupted run is measured again on resume, in the same run directory. Before
 * it starts, the files of the attempt before (result.json, child.log, server.log,
 * requests.jsonl, timeseries.parquet) move to `attempt-N/` inside that directory, so that no
 * evidence is overwritten and the new child.log holds the new attempt alone; the manifest
 * keeps each attempt's outcome in the run's `history`.
 */
import { existsSync, mkdirSync, readdirSync, renameSync } from "node:fs";
import { join, relative } from "node:path";
import { assertInsideDir } from "../fs/inside-dir.js";
import type { Manifest } from "../study-format/manifest.js";
import { RUN_FILES } from "../study-format/layout.js";

export const ATTEMPT_DIR_PREFIX = "attempt-";

/** Moves the previous attempt's files of run `position` aside and records that attempt in the manifest. */
export function archiveEarlierAttempt(manifest: Manifest, studyDir: string, runDir: string, position: number): void {
  const r = manifest.run(position);
  assertInsideDir(studyDir, runDir);
  if (r.attempts === 0) return;
  let evidence: string | null = null;
  if (existsSync(runDir)) {
    const files = readdirSync(runDir).filter((name) => !name.startsWith(ATTEMPT_DIR_PREFIX) && name !== RUN_FILES.stateJson);
    if (files.length > 0) {
      const aside = join(runDir, `${ATTEMPT_DIR_PREFIX}${r.attempts}`);
      assertInsideDir(studyDir, aside);
      mkdirSync(aside, { recursive: true }); // there already when an earlier move was cut short
      for (const name of files) renameSync(join(runDir, name), join(aside, name));
      evidence = relative(studyDir, aside);
    }
  }
  const earlier = { attempt: r.attempts, status: r.status, error: r.error, startedAt: r.startedAt, endedAt: r.endedAt, evidence };
  manifest.update(position, { history: [...(r.history ?? []), earlier], resultPath: null });
}
