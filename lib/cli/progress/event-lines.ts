/**
 * The one-line text of each study event, as plain mode prints it and as the live display
 * keeps it above its region. Colour is optional (identity functions when off).
 */
import type { StudyEvent } from "../../executors/study-events.js";
import pc from "picocolors";
import { forTerminal } from "../output.js";
import type { Colors } from "./terminal.js";

/** A run's error on its progress line: its first line, cut to this length with the rest counted. */
const MAX_ERROR_CHARS = 300;

const plain = pc.createColors(false);

type RunEnd = Extract<StudyEvent, { type: "run-end" }>;

function statusColored(status: RunEnd["status"], c: Colors): string {
  if (status === "completed") return c.green(status);
  if (status === "failed") return c.red(status);
  return c.yellow(status);
}

/** "[3/8] bs2 (cycle 1) completed: 812.40 J, 1.234 mJ/output token over 1.81 s, 402.3 output tokens/s". */
export function runEndLine(e: RunEnd, c: Colors = plain): string {
  // A failed or interrupted run's figures are partial: its line gives what went wrong, not energy.
  if (e.status !== "completed") {
    const error = e.error ? ` — ${forTerminal(e.error.split("\n")[0]!, MAX_ERROR_CHARS)}` : "";
    return `[${e.position + 1}/${e.total}] ${e.slug} (cycle ${e.cycle + 1}) ${statusColored(e.status, c)} after ${e.windowS.toFixed(2)} s${error}`;
  }
  const energy = e.energyJ === null ? "energy n/a" : `${e.energyJ.toFixed(2)} J`;
  const perToken = e.energyPerOutputTokenJ === null ? "" : `, ${(e.energyPerOutputTokenJ * 1000).toFixed(3)} mJ/output token`;
  const rate = e.outputTokensPerS === null ? "" : `, ${e.outputTokensPerS.toFixed(1)} output tokens/s`;
  const error = e.error ? ` — ${e.error}` : "";
  return `[${e.position + 1}/${e.total}] ${e.slug} (cycle ${e.cycle + 1}) ${statusColored(e.status, c)}: ${energy}${perToken} over ${e.windowS.toFixed(2)} s${rate}${error}`;
}

/** The line of any event; plain mode prints every one, the live display all but run-start. */
export function eventLine(e: StudyEvent, c: Colors = plain): string {
  switch (e.type) {
    case "study-start":
      return `lem: study in ${e.dir}: ${e.pending} of ${e.runs} runs to go`;
    case "run-start":
      return `[${e.position + 1}/${e.total}] ${e.slug} (cycle ${e.cycle + 1}) ...`;
    case "run-end":
      return runEndLine(e, c);
    case "circuit-pause":
      return `lem: ${e.failures} runs failed in a row; pausing ${e.pauseS} s, then one trial run`;
    case "slurm-submitted":
      return `lem: submitted ${e.submitted} of ${e.runs} runs to Slurm: array job(s) ${e.arrayJobIds.join(", ")}, merge job ${e.mergeJobId} after them; lem status ${e.dir} shows where the study stands`;
    case "study-stopping":
      return `lem: stopping the study: ${e.reason}`;
    case "warning":
      return `lem: warning: ${e.message}`;
    case "study-end": {
      const counts = Object.entries(e.counts)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(", ");
      const status = e.status === "completed" ? c.green(e.status) : e.status === "interrupted" ? c.yellow(e.status) : c.red(e.status);
      const report = "path" in e.report ? `; report: ${e.report.path}` : `; ${e.report.error}`;
      return `lem: study ${status}: ${counts}; results in ${e.dir}${report}`;
    }
  }
}
