/** `lem run STUDY [--dry-run]` and `lem run --resume DIR`: run a study. */
import { parseArgs } from "node:util";
import { loadStudy } from "../config/load.js";
import { activeSimulation } from "../gpu/provider.js";
import { resolve } from "node:path";
import { estimateDuration, runTimeHistory } from "../study/estimate.js";
import { planOf, runStudy, validateTemplates, type StudyEvent } from "../study/runner.js";
import { simulationBanner, toJson, UsageError } from "./output.js";
import { formatTable } from "./table.js";

export const runHelp = `Usage: lem run STUDY.yaml [options]
       lem run --resume DIR

Run a study: every configuration of its sweep, each for several cycles, in an order that
does not bias the comparison, each run in its own child process. Results go to
<output.dir>/<name>_<timestamp>/: one directory per run (result.json, timeseries.parquet,
child.log), manifest.json (every run's status), study.json and summary.csv (statistics per
configuration). Ctrl-C stops the current run's process group, marks it interrupted and
exits with 130; "lem run --resume DIR" continues without repeating completed runs.

Options:
  --dry-run          print the plan, the estimated duration and any invalid points; run nothing
  --resume DIR       continue the study in DIR (refused if its study file changed since)
  --output DIR       results directory (default: the study's output.dir, relative to the study file)
  --fail-fast        stop at the first failed run
  --skip-preflight   run without pre-flight checks (recorded in every result)
  --json             one JSON event per line instead of text
  --simulate [SCENARIO]  use the simulated GPU
  -h, --help         show this help

Examples:
  lem run examples/study-command.yaml --dry-run
  LEM_SIMULATE=default lem run examples/study-command.yaml
  lem run --resume results/my-study_20261123-101500
`;

function printEvent(e: StudyEvent): void {
  switch (e.type) {
    case "study-start":
      process.stderr.write(`lem: study in ${e.dir}: ${e.pending} of ${e.runs} runs to go\n`);
      break;
    case "run-start":
      process.stderr.write(`[${e.position + 1}/${e.total}] ${e.slug} (cycle ${e.cycle + 1}) ...\n`);
      break;
    case "run-end": {
      const energy = e.energyJ === null ? "energy n/a" : `${e.energyJ.toFixed(2)} J`;
      const perToken = e.energyPerOutputTokenJ === null ? "" : `, ${(e.energyPerOutputTokenJ * 1000).toFixed(3)} mJ/output token`;
      process.stderr.write(
        `[${e.position + 1}/${e.total}] ${e.slug} (cycle ${e.cycle + 1}) ${e.status}: ${energy}${perToken} over ${e.windowS.toFixed(2)} s${e.error ? ` — ${e.error}` : ""}\n`,
      );
      break;
    }
    case "circuit-pause":
      process.stderr.write(`lem: ${e.failures} runs failed in a row; pausing ${e.pauseS} s, then one trial run\n`);
      break;
    case "study-end":
      process.stderr.write(
        `lem: study ${e.status}: ${Object.entries(e.counts)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${n} ${s}`)
          .join(", ")}; results in ${e.dir}\n`,
      );
      break;
  }
}

function formatDuration(s: number): string {
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

async function dryRun(file: string, json: boolean, outputDir: string | undefined): Promise<number> {
  const loaded = await loadStudy(file);
  validateTemplates(loaded);
  const plan = planOf(loaded);
  const ex = loaded.expansion.experiments;
  const history = runTimeHistory(resolve(outputDir ?? resolve(loaded.file, "..", loaded.study.output.dir)));
  const estimate = estimateDuration(plan, ex, history);
  if (json) {
    process.stdout.write(
      `${toJson({ study: loaded.study.name, studyHash: loaded.studyHash, experiments: ex.map((e) => ({ hash: e.hash, slug: e.slug, sweepValues: e.sweepValues })), invalid: loaded.expansion.invalid, duplicates: loaded.expansion.duplicates, warnings: loaded.expansion.warnings, plan, estimate })}\n`,
    );
    return 0;
  }
  const out: string[] = [
    `study ${loaded.study.name} (${loaded.studyHash}): ${ex.length} configuration(s) x ${loaded.study.execution.cycles} cycle(s), order ${loaded.study.execution.order}`,
    "",
    formatTable(
      ["#", "cycle", "configuration", "hash"],
      plan.map((p) => [String(p.position + 1), String(p.cycle + 1), ex[p.experiment]!.slug, ex[p.experiment]!.hash]),
    ),
    "",
    estimate.runsWithoutHistory === 0
      ? `estimated duration: ${formatDuration(estimate.knownS)} (${estimate.explanation})`
      : `estimated duration: at least ${formatDuration(estimate.knownS)} (${estimate.explanation})`,
  ];
  if (loaded.expansion.duplicates) out.push(`${loaded.expansion.duplicates} duplicate configuration(s) removed`);
  for (const p of loaded.expansion.invalid) out.push(`skipped invalid point ${JSON.stringify(p.sweepValues)}: ${p.reason}`);
  for (const w of loaded.expansion.warnings) out.push(`warning: ${w}`);
  process.stdout.write(`${out.join("\n")}\n`);
  return 0;
}

export async function runRun(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "dry-run": { type: "boolean" },
      resume: { type: "string" },
      output: { type: "string" },
      "fail-fast": { type: "boolean" },
      "skip-preflight": { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(runHelp);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (extra.length) throw new UsageError(`lem run takes one study file, got: ${positionals.join(" ")}`);
  if (!file && !values.resume) throw new UsageError('give a study file (lem run STUDY.yaml) or a study to resume (lem run --resume DIR). See "lem run --help".');
  if (file && values.resume) throw new UsageError("give either a study file or --resume DIR, not both");
  if (values["dry-run"]) {
    if (!file) throw new UsageError("--dry-run needs a study file");
    return dryRun(file, values.json ?? false, values.output);
  }
  const sim = activeSimulation();
  if (sim) process.stderr.write(`${simulationBanner(sim.name)}\n`);
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write("\nlem: stopping the current run (Ctrl-C again to leave at once)...\n");
      controller.abort();
    } else process.exit(130);
  };
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onInterrupt);
  try {
    const outcome = await runStudy({
      ...(file ? { studyFile: file } : {}),
      ...(values.resume ? { resumeDir: values.resume } : {}),
      ...(values.output ? { outputDir: values.output } : {}),
      failFast: values["fail-fast"] ?? false,
      skipPreflight: values["skip-preflight"] ?? false,
      signal: controller.signal,
      onEvent: values.json ? (e) => process.stdout.write(`${toJson(e).replace(/\n\s*/g, " ")}\n`) : printEvent,
    });
    if (outcome.status === "interrupted") return 130;
    return outcome.status === "completed" ? 0 : 1;
  } finally {
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
  }
}
