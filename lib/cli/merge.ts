/** `lem merge DIR`: a study's statistics, summary and report from its runs' files (the Slurm merge job runs it). */
import { parseArgs } from "node:util";
import { mergeStudy } from "../study/merge-study.js";
import { runMergeJob } from "../executors/slurm/merge-job.js";
import { forTerminal, toJson, UsageError } from "./output.js";

export const mergeHelp = `Usage: lem merge STUDY_DIR [--json]

Read the state and result of every run of a study and write its manifest index, study.json
(statistics across cycles), summary.csv and report.html. A study on the Slurm executor runs
this as its final job, once every task of its array has ended; run it yourself to see the
figures of a study part-way, or after editing nothing but wanting the report anew. Runs not
finished are left out of the statistics and the study's status says "interrupted".

Options:
  --json       print the outcome as JSON (status, counts, report path)
  --slurm-merge-job
               as the study's merge job in Slurm (what slurm/merge.sbatch runs): if tasks of
               the study are still to run (requeued), submit the merge again after them
               instead; record the outcome for lem run --wait
  -h, --help   show this help

Examples:
  lem merge results/my-study_20261123-101500
  lem merge results/my-study_20261123-101500 --json
`;

export async function runMerge(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(mergeHelp);
    return 0;
  }
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" }, "slurm-merge-job": { type: "boolean" } }, strict: true });
  if (positionals.length !== 1) {
    throw new UsageError(`lem merge takes one study directory${positionals.length ? `, got: ${positionals.join(" ")}` : ""}. See "lem merge --help".`);
  }
  const warnings: string[] = [];
  const dir = positionals[0]!;
  const jobId = process.env.SLURM_JOB_ID;
  if (values["slurm-merge-job"]) {
    if (!jobId) throw new UsageError("--slurm-merge-job is for the study's merge job, inside Slurm (SLURM_JOB_ID is not set): run lem merge DIR without it.");
    const job = await runMergeJob(dir, jobId, (w) => warnings.push(w));
    if ("deferredTo" in job) {
      process.stdout.write(`tasks of the study are still to run (${job.waitingFor.join(", ")}): merge job ${job.deferredTo} runs after them\n`);
      return 0;
    }
    return printOutcome(job, warnings, values.json ?? false);
  }
  return printOutcome(await mergeStudy(dir, (w) => warnings.push(w)), warnings, values.json ?? false);
}

function printOutcome(outcome: Awaited<ReturnType<typeof mergeStudy>>, warnings: string[], json: boolean): number {
  if (json) {
    process.stdout.write(toJson({ ...outcome, warnings }));
    return 0;
  }
  for (const w of warnings) process.stderr.write(`lem: warning: ${forTerminal(w)}\n`);
  const counts = Object.entries(outcome.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  process.stdout.write(`${outcome.dir}: ${outcome.status} (${counts || "no runs"})\n`);
  process.stdout.write("path" in outcome.report ? `report: ${outcome.report.path}\n` : `report: ${(outcome.report as { error: string }).error}\n`);
  return 0;
}
