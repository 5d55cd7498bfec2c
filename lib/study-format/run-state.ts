/**
 * `<run dir>/state.json`: the state of one run, written whole (temporary file, rename) by the
 * one process that runs it, so that many nodes can work in one study directory on a shared
 * filesystem without ever rewriting a file another node writes.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { assertInsideDir, pathInside } from "../fs/inside-dir.js";
import { RUN_FILES, runDirOf } from "./layout.js";
import { ManifestRunSchema, type ManifestRun } from "./run-record.js";

export const RunStateSchema = z.object({
  schemaVersion: z.literal(1),
  run: ManifestRunSchema,
  updatedAt: z.string(),
});

/** The state file of `run`, inside the study directory `dir`. */
export function runStatePath(dir: string, run: ManifestRun): string {
  return join(dir, runDirOf(run), RUN_FILES.stateJson);
}

export function writeRunState(dir: string, run: ManifestRun): void {
  const file = runStatePath(dir, run);
  assertInsideDir(dir, file); // a planted link would take the state outside
  mkdirSync(join(dir, runDirOf(run)), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify({ schemaVersion: 1, run, updatedAt: new Date().toISOString() }, null, 2)}\n`);
}

/** Why a state file cannot be believed, or null when it can. */
function stateProblem(dir: string, planned: ManifestRun, state: ManifestRun): string | null {
  if (state.position !== planned.position || state.configHash !== planned.configHash || state.cycle !== planned.cycle) {
    return `it describes run ${state.position + 1} (${state.slug}, cycle ${state.cycle + 1}), not this one`;
  }
  if (state.resultPath !== null && pathInside(dir, state.resultPath) === null) return `its resultPath "${state.resultPath}" leads outside the study directory`;
  for (const h of state.history ?? []) {
    if (h.evidence !== null && pathInside(dir, h.evidence) === null) return `its history names "${h.evidence}", outside the study directory`;
  }
  return null;
}

/**
 * Overlays every run of `runs` that has a state file with that file (in place). Returns one
 * warning per state file that cannot be read; such a run stays as the index records it.
 */
export function readRunStates(dir: string, runs: ManifestRun[]): string[] {
  const warnings: string[] = [];
  for (const planned of runs) {
    const file = runStatePath(dir, planned);
    if (!existsSync(file)) continue;
    let problem: string | null;
    let state: ManifestRun | undefined;
    try {
      assertInsideDir(dir, file);
      const parsed = RunStateSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
      if (!parsed.success) {
        problem = `it is not a run state this lem can read (${parsed.error.issues[0]?.path.join(".") || "(root)"}: ${parsed.error.issues[0]?.message})`;
      } else {
        state = parsed.data.run;
        problem = stateProblem(dir, planned, state);
      }
    } catch (error) {
      problem = error instanceof SyntaxError ? `it is not valid JSON (${error.message})` : (error as Error).message;
    }
    if (problem !== null || !state) {
      warnings.push(`${file}: ${problem}; run ${planned.position + 1} is taken as manifest.json records it (${planned.status})`);
      continue;
    }
    Object.assign(planned, state);
  }
  return warnings;
}
