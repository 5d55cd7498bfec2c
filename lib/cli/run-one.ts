/** `lem run-one DIR --index N`: one planned run of a study, as a Slurm array task runs it. */
import { parseArgs } from "node:util";
import { runSlurmTask } from "../executors/slurm/slurm-task.js";
import { UsageError } from "./output.js";

export const runOneHelp = `Usage: lem run-one STUDY_DIR --index N [--fail-fast] [--skip-preflight]

Measure one planned run of a study that lem run wrote for a scheduler: what each task of a
study's Slurm job array runs (its batch script, STUDY_DIR/slurm/task.sbatch, calls it with
N = offset + SLURM_ARRAY_TASK_ID). It measures only the GPUs the task was given
(CUDA_VISIBLE_DEVICES, mapped to NVML by UUID), runs pre-flight, the residual-memory check,
settling and the idle baseline (cached per node) there, and writes only that run's own
files: its state.json, result and logs. A run completed already is left alone (exit 0); a run
found in progress was cut short (node failure, requeue) and is measured again from scratch,
the earlier attempt's files kept in attempt-N/.

On USR1 (Slurm's warning before the time limit, or a preemption) or SIGTERM the run stops at
once and is recorded interrupted; after USR1 the task requeues itself, up to
execution.slurm.maxRequeues times. With --fail-fast (or execution.failFast) a failed run
cancels the study's arrays; after execution.maxConsecutiveFailures failures in a row the
study's pending tasks are cancelled. Exit status: 0 completed (or nothing to do), 1 failed,
2 interrupted.

Options:
  --index N          the run's position in the study's plan, from 0
  --fail-fast        a failed run cancels the study's arrays
  --skip-preflight   measure without the node's pre-flight checks (recorded in the result)
  -h, --help         show this help

Examples:
  lem run-one results/my-study_20261123-101500 --index 0
`;

export async function runRunOne(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(runOneHelp);
    return 0;
  }
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { index: { type: "string" }, "fail-fast": { type: "boolean" }, "skip-preflight": { type: "boolean" } },
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError(`lem run-one takes one study directory${positionals.length ? `, got: ${positionals.join(" ")}` : ""}. See "lem run-one --help".`);
  const text = values.index;
  if (text === undefined || !/^\d+$/.test(text)) throw new UsageError(`lem run-one needs --index N, a whole number from 0${text !== undefined ? `, got "${text}"` : ""}. See "lem run-one --help".`);
  const outcome = await runSlurmTask({
    dir: positionals[0]!,
    index: Number(text),
    failFast: values["fail-fast"] ?? false,
    skipPreflight: values["skip-preflight"] ?? false,
    log: (line) => process.stderr.write(`lem: ${line}\n`),
  });
  if (outcome.status === "already-done" || outcome.status === "completed") return 0;
  return outcome.status === "failed" ? 1 : 2;
}
