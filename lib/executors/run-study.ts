/**
 * The executor boundary: a study runs on the executor its execution.executor names (or
 * `lem run --executor`): `local`, this process, one run after another; or `slurm`, a job
 * array with one task per planned run (lem run-one) and a merge job (lem merge).
 */
import { loadStudy } from "../config/load.js";
import { Manifest } from "../study-format/manifest.js";
import { runLocalStudy } from "./local/local-runner.js";
import { submitSlurmStudy } from "./slurm/submit-study.js";
import type { RunStudyOptions, StudyOutcome } from "./study-events.js";

export type { RunStudyOptions, StudyOutcome, StudyEvent, StudyStatus } from "./study-events.js";

export async function runStudy(o: RunStudyOptions): Promise<StudyOutcome> {
  const executor = await executorOf(o);
  return executor === "slurm" ? submitSlurmStudy(o) : runLocalStudy(o);
}

/** The executor of a study: the option, else what the study (or the study being resumed) says, else local. */
async function executorOf(o: RunStudyOptions): Promise<"local" | "slurm"> {
  if (o.executor) return o.executor;
  if (o.resumeDir) {
    const recorded = Manifest.load(o.resumeDir).data.execution.executor;
    return recorded === "slurm" ? "slurm" : "local";
  }
  if (!o.studyFile) return "local"; // the local runner says what is missing
  return (await loadStudy(o.studyFile)).study.execution.executor ?? "local";
}
