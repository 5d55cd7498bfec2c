/**
 * The two batch scripts of a study on Slurm, written into <study>/slurm/: task.sbatch runs one
 * planned run (lem run-one), merge.sbatch the merge (lem merge). Every sbatch option is given
 * on sbatch's command line (recorded in submissions.json), so the scripts hold only what runs.
 */
import { version } from "../../version.js";

/** A word the shell takes literally, whatever it holds. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface ScriptOptions {
  studyName: string;
  studyDir: string;
  /** How lem starts on the nodes, e.g. [node, .../dist/cli/main.js] or ["lem"]. */
  lem: readonly string[];
  /** lem's global options on the nodes (the simulated GPU of the submitting process). */
  globalArgs: readonly string[];
  /** execution.slurm.setup: shell lines run before lem (module loads). */
  setup: readonly string[];
  /** Options of lem run-one given at submission (--fail-fast, --skip-preflight). */
  taskArgs: readonly string[];
}

function setupBlock(setup: readonly string[]): string[] {
  if (setup.length === 0) return [];
  // A failing setup line fails the task at once, with Slurm's state FAILED and this log.
  return ["set -e", ...setup, "set +e"];
}

export function taskScript(o: ScriptOptions): string {
  const lem = [...o.lem, ...o.globalArgs, "run-one", o.studyDir, ...o.taskArgs].map(shellQuote).join(" ");
  return [
    "#!/bin/bash",
    `# lem ${version}, study ${o.studyName}: one array task runs one planned run, position = $1 + SLURM_ARRAY_TASK_ID.`,
    "# Written by lem run (and anew by lem run --resume); sbatch's options are in submissions.json.",
    ...setupBlock(o.setup),
    "# exec: lem itself receives Slurm's USR1 before the time limit (--signal=B:USR1@N).",
    `exec ${lem} --index "$(( \${1:-0} + SLURM_ARRAY_TASK_ID ))"`,
    "",
  ].join("\n");
}

export function mergeScript(o: ScriptOptions): string {
  const lem = [...o.lem, ...o.globalArgs, "merge", o.studyDir, "--slurm-merge-job"].map(shellQuote).join(" ");
  return [
    "#!/bin/bash",
    `# lem ${version}, study ${o.studyName}: after every task of the study ended, its statistics, summary and report.`,
    ...setupBlock(o.setup),
    `exec ${lem}`,
    "",
  ].join("\n");
}
