/**
 * A resumed study whose run results were damaged on disk (a truncated result.json) loses no
 * data: each such run is marked failed, so that it is measured again, with its damaged files
 * kept aside as an earlier attempt (see attempts.ts); and the summary leaves out, with a
 * warning, any result that still cannot be read.
 */
import { join } from "node:path";
import type { RunResult } from "../results/result-schema.js";
import { readRunResult } from "../results/write-result.js";
import type { Manifest, ManifestRun } from "../study-format/manifest.js";

function problemOf(error: unknown): string {
  const issues = (error as { issues?: { path: (string | number)[]; message: string }[] }).issues;
  if (Array.isArray(issues)) return issues.slice(0, 2).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  return error instanceof Error ? error.message : String(error);
}

/** The reason `run`'s result cannot be read, or null when it reads. */
export function unreadableResult(dir: string, run: ManifestRun): string | null {
  if (run.resultPath === null) return null;
  try {
    readRunResult(join(dir, run.resultPath));
    return null;
  } catch (error) {
    return problemOf(error);
  }
}

/** Marks every completed run whose result.json cannot be read as failed (to be measured again); returns a warning per run. */
export function retryDamagedResults(manifest: Manifest, dir: string): string[] {
  const warnings: string[] = [];
  for (const r of manifest.data.runs) {
    if (r.status !== "completed") continue;
    const problem = unreadableResult(dir, r);
    if (problem === null) continue;
    const error = `its result.json could not be read (${problem})`;
    manifest.update(r.position, { status: "failed", error });
    warnings.push(`run ${r.position + 1} (${r.slug}): ${error}; it is measured again, and its damaged files are kept in attempt-${r.attempts}/ of its directory`);
  }
  return warnings;
}

/** The results of the runs that have one, leaving out (with a warning) any that cannot be read. */
export function readableResults(dir: string, runs: readonly ManifestRun[], warn: (message: string) => void): RunResult[] {
  return runs.flatMap((r) => {
    try {
      return [readRunResult(join(dir, r.resultPath!))];
    } catch (error) {
      warn(`run ${r.position + 1} (${r.slug}) is left out of the statistics: its result.json could not be read (${problemOf(error)})`);
      return [];
    }
  });
}
