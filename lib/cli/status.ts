/** `lem status DIR`: where a study stands, from its runs' files, with Slurm's job states beside them. */
import { parseArgs } from "node:util";
import { studyState, type RunState } from "../executors/study-state.js";
import { forTerminal, toJson, UsageError } from "./output.js";
import { formatTable } from "./table.js";

export const statusHelp = `Usage: lem status STUDY_DIR [--json] [--all]

Show where a study stands: how many runs are completed, running (and on which machine),
pending, failed (with the reason) or interrupted, read from each run's own state file. For a
study on the Slurm executor, Slurm's state of each run's array task and of the merge job
stand beside them while Slurm still knows the jobs (squeue, asked once; never sacct). lem's
files are the truth: Slurm forgets a job minutes after it ends.

Options:
  --all        list every run, completed ones too (default: all but completed)
  --json       the whole state as JSON
  -h, --help   show this help

Examples:
  lem status results/my-study_20261123-101500
  lem status results/my-study_20261123-101500 --json
`;

function where(r: RunState): string {
  return r.slurmNode ?? r.hostname ?? "";
}

export async function runStatus(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(statusHelp);
    return 0;
  }
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" }, all: { type: "boolean" } }, strict: true });
  if (positionals.length !== 1) throw new UsageError(`lem status takes one study directory${positionals.length ? `, got: ${positionals.join(" ")}` : ""}. See "lem status --help".`);
  const state = await studyState(positionals[0]!);
  if (values.json) {
    process.stdout.write(toJson(state));
    return 0;
  }
  const counts = Object.entries(state.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  const lines = [`study ${state.name} (${state.executor}) in ${state.dir}: ${counts || "no runs"}`];
  const shown = state.runs.filter((r) => values.all || r.status !== "completed");
  if (shown.length > 0) {
    const slurm = state.executor === "slurm";
    lines.push(
      "",
      formatTable(
        ["#", "cycle", "configuration", "status", "where", ...(slurm ? ["slurm task", "slurm state"] : []), "attempts", "error"],
        shown.map((r) => [
          String(r.position + 1),
          String(r.cycle + 1),
          r.slug,
          r.status,
          where(r),
          ...(slurm ? [r.slurmTask ?? "", r.slurmState ?? (r.slurmTask ? "(not in squeue)" : "")] : []),
          String(r.attempts),
          forTerminal((r.error ?? "").split("\n")[0]!, 120),
        ]),
      ),
    );
  }
  if (state.merge) {
    const m = state.merge;
    lines.push("", `merge job ${m.jobId}: ${m.ended ? `ended, study ${m.status}` : (m.state ?? "not in squeue, no outcome written yet")}`);
  }
  if (state.slurmNote) lines.push(`note: ${forTerminal(state.slurmNote)}`);
  for (const w of state.warnings) lines.push(`warning: ${forTerminal(w)}`);
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
